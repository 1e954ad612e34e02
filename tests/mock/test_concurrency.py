"""32 clients race on a few shared rooms for a few seconds; then every room's history must be
linearizable: some sequential order of the acknowledged operations, consistent with their
real-time order, produces every answer the clients got and every room's final state.
The race runs on one process with the memory store, and on two workers sharing Redis
(`--workers 2`), the clients spread over both.

Each operation is recorded with the interval it was in flight and its answer. List answers
count as reads of each room they show. The checker is the contract suite's
(`contract_tests/suite/linearizable.py`: the Wing-Gong search, per room), which its
concurrency layer runs against any server.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contract_tests.suite.linearizable import DEFAULT_CONFIG, Op, linearizable
from tests.support.redis import RedisServer, new_prefix
from tests.support.servers import mock_process, served_by

CLIENTS = 32
DURATION_S = float(os.environ.get("ROOMS_CONCURRENCY_SECONDS", "3"))
MAX_ROUNDS = 5
NEEDED = {("create", 201), ("patch", 200), ("end", 200), ("delete", 204), ("read", 200)}
REFUSED = {("patch", 409), ("end", 409)}
"""At least one of these: a race that reached a room already ended."""
LIVE_ROOMS = 8  # few rooms, so clients collide on them
REQUEST_TIMEOUT_S = 10.0


class Race:
    """The shared view of the clients: rooms they know of, and every operation's record."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.live: list[str] = []
        self.gone: list[str] = []
        self.ops: list[Op] = []
        self.unexpected: list[str] = []
        self.names = (f"Room {n}" for n in range(10**9))
        self.sent = 0  # requests answered, whatever the answer

    def target(self) -> str:
        """Mostly a live room; now and then a deleted one (its answers must be 404)."""
        if self.gone and self.random.random() < 0.05:
            return self.random.choice(self.gone[-5:])
        return self.random.choice(self.live)

    def patch_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.random.random() < 0.7:
            body["name"] = next(self.names)
        config = {
            key: value
            for key, value in (
                ("max_participants", self.random.randint(1, 10_000)),
                ("recording_enabled", self.random.random() < 0.5),
                ("chat_enabled", self.random.random() < 0.5),
            )
            if self.random.random() < 0.5
        }
        if config:
            body["config"] = config
        return body

    async def client(self, base_url: str, deadline: float) -> None:
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(
            base_url=base_url, timeout=REQUEST_TIMEOUT_S, limits=limits
        ) as http:
            while time.monotonic() < deadline:
                await self.step(http)

    async def step(self, http: httpx.AsyncClient) -> None:
        kind = "create" if len(self.live) < LIVE_ROOMS else None
        kind = (
            kind
            or self.random.choices(
                ["create", "patch", "end", "delete", "list"], weights=[1, 6, 2, 2, 3]
            )[0]
        )
        if kind == "create":
            body = {"name": next(self.names), "config": self.patch_body().get("config", {})}
            start = time.monotonic()
            response = await http.post("/rooms", json=body)
            self.record("create", start, response, {201}, None, body)
            if response.status_code == 201:
                self.live.append(response.json()["id"])
        elif kind == "list":
            params = {"limit": self.random.randint(1, 100), "offset": self.random.randint(0, 3)}
            start = time.monotonic()
            response = await http.get("/rooms", params=params)
            self.record("list", start, response, {200}, None, None)
        else:
            room_id = self.target()
            body = self.patch_body() if kind == "patch" else None
            method, path = {
                "patch": ("PATCH", f"/rooms/{room_id}"),
                "end": ("POST", f"/rooms/{room_id}/end"),
                "delete": ("DELETE", f"/rooms/{room_id}"),
            }[kind]
            start = time.monotonic()
            response = await http.request(method, path, json=body)
            ok = {"patch": {200, 404, 409}, "end": {200, 404, 409}, "delete": {204, 404}}[kind]
            self.record(kind, start, response, ok, room_id, body)
            if response.status_code == 204 and room_id in self.live:
                self.live.remove(room_id)
                self.gone.append(room_id)

    def record(
        self,
        kind: str,
        start: float,
        response: httpx.Response,
        expected: set[int],
        room_id: str | None,
        request: dict[str, Any] | None,
    ) -> None:
        end = time.monotonic()
        self.sent += 1
        status = response.status_code
        if status not in expected:
            self.unexpected.append(f"{kind} {room_id}: {status} {response.text[:300]}")
            return
        if kind == "list":
            for room in response.json()["rooms"]:
                self.ops.append(Op(room["id"], "read", start, end, 200, room=room))
            return
        room = response.json() if status in (200, 201) else None
        target = room["id"] if kind == "create" and room else room_id
        assert target is not None
        self.ops.append(Op(target, kind, start, end, status, request, room))


def all_rooms(base_url: str) -> Iterator[dict[str, Any]]:
    """Every room, page by page, once the race is over; checks `total` on every page."""
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as http:
        offset, total = 0, None
        while total is None or offset < total:
            page = http.get("/rooms", params={"limit": 100, "offset": offset}).json()
            assert total is None or page["total"] == total
            total = page["total"]
            yield from page["rooms"]
            offset += 100


@pytest.mark.parametrize("store", ["memory", "redis, 2 workers"])
def test_concurrent_clients_lose_nothing_and_every_room_is_linearizable(
    store: str, request: pytest.FixtureRequest
) -> None:
    seed = int(os.environ.get("ROOMS_CONCURRENCY_SEED", random.getrandbits(32)))
    race = Race(seed)
    options: tuple[str, ...] = ()
    if store != "memory":
        redis: RedisServer = request.getfixturevalue("shared_redis")
        options = ("--store", redis.url, "--redis-prefix", new_prefix(), "--workers", "2")
    with mock_process("--fixtures", "none", "--strict", *options) as mock:
        base_url = mock.base_url

        async def run() -> None:
            # Rounds of DURATION_S until every kind of operation has succeeded at least once
            # and one was refused for an ended room (a loaded machine may need more than
            # one round), for at most MAX_ROUNDS.
            for _ in range(MAX_ROUNDS):
                deadline = time.monotonic() + DURATION_S
                clients = [race.client(base_url, deadline) for _ in range(CLIENTS)]
                await asyncio.wait_for(asyncio.gather(*clients), DURATION_S + 60)
                done = {(op.kind, op.status) for op in race.ops}
                if done >= NEEDED and done & REFUSED:
                    return

        asyncio.run(run())
        if store != "memory":
            workers, last_id = served_by(mock.origin)  # the journal is both workers'
            assert set(workers) == {1, 2}, f"not both workers served: {workers}"
            assert last_id == race.sent, (last_id, race.sent)
        final = list(all_rooms(base_url))
    finished = time.monotonic()

    kinds = Counter((op.kind, op.status) for op in race.ops)
    print(
        f"\n{store}, seed {seed}: {len(race.ops)} operations by {CLIENTS} clients: "
        f"{sorted(kinds.items())}"
    )
    assert not race.unexpected, "\n".join(race.unexpected[:10])
    assert kinds[("create", 201)] and kinds[("patch", 200)] and kinds[("end", 200)]
    assert kinds[("delete", 204)] and kinds[("read", 200)]
    assert kinds[("patch", 409)] + kinds[("end", 409)], "no race reached an ended room"

    created = [op.room_id for op in race.ops if op.kind == "create"]
    deleted = [op.room_id for op in race.ops if (op.kind, op.status) == ("delete", 204)]
    final_ids = [room["id"] for room in final]
    assert len(set(created)) == len(created), "an id was handed out twice"
    assert len(set(deleted)) == len(deleted), "a room was deleted twice"
    assert len(set(final_ids)) == len(final_ids), "a room is listed twice"
    assert set(final_ids) == set(created) - set(deleted), "a room was lost or resurrected"

    # The final state of every room is one more read (or, if deleted, a 404) after all else.
    by_room: dict[str, list[Op]] = {room_id: [] for room_id in created}
    for op in race.ops:
        by_room[op.room_id].append(op)
    for room in final:
        by_room[room["id"]].append(Op(room["id"], "read", finished, finished, 200, room=room))
    for room_id in set(created) - set(final_ids):
        by_room[room_id].append(Op(room_id, "read", finished, finished, 404))
    broken = [room_id for room_id, ops in by_room.items() if not linearizable(ops)]
    assert not broken, (
        f"seed {seed}: no sequential order explains rooms {broken[:5]}; the first one's history:\n"
        + "\n".join(map(describe, sorted(by_room[broken[0]], key=lambda op: op.start)))
    )


def describe(op: Op) -> str:
    room = op.room or {}
    shown = {key: room.get(key) for key in ("name", "status", "config") if key in room}
    return f"  {op.start:.4f}-{op.end:.4f} {op.kind} {op.status} {op.request or ''} -> {shown}"


@pytest.mark.parametrize(
    ("history", "explained"),
    [
        # Two overlapping renames: either may win, but the old name cannot come back.
        (["create", "patch B 0-4", "patch C 1-5", "read C"], True),
        (["create", "patch B 0-4", "patch C 1-5", "read B"], True),
        (["create", "patch B 0-4", "patch C 1-5", "read A"], False),
        # A rename acknowledged before the read started cannot be undone: a lost update.
        (["create", "patch B 0-1", "read A 2-3"], False),
        (["create", "patch B 0-3", "read A 1-2"], True),
        # Ended twice with 200, or a 409 before any end: impossible in any order.
        (["create", "end 0-1", "end 2-3"], False),
        (["create", "end! 0-1", "end 2-3"], False),
        (["create", "end 0-1", "end! 2-3", "read ended"], True),
        # Deleted, then seen again; or still there after an acknowledged delete.
        (["create", "delete 0-1", "read A 2-3"], False),
        (["create", "delete 0-3", "read A 1-2"], True),
        (["create", "delete 0-1", "gone"], True),
        (["create", "gone"], False),
    ],
)
def test_the_linearizability_check_tells_possible_from_impossible(
    history: list[str], explained: bool
) -> None:
    """The checker itself, on hand-made histories of one room: it must refuse the impossible."""
    assert linearizable([parse(line) for line in history]) is explained


ROOM = {
    "id": "room_abcdef",
    "name": "A",
    "status": "active",
    "participant_count": 0,
    "config": DEFAULT_CONFIG,
    "created_at": "2026-01-06T10:00:00.000Z",
}
ENDED = {**ROOM, "status": "ended", "ended_at": "2026-01-06T10:00:01.000Z"}


def parse(line: str) -> Op:
    """`create`, `patch NAME`, `end`, `end!` (a 409), `delete`, `read NAME|ended`, `gone` (a
    404 read), each optionally in flight from START to END (`0-4`); else first or last."""
    kind, *words = line.split()
    interval = words.pop() if words and "-" in words[-1] else None
    start, end = map(float, interval.split("-")) if interval else (9.0, 9.0)
    name = words[0] if words else "A"
    room_id = str(ROOM["id"])
    if kind == "create":
        return Op(room_id, "create", -2.0, -1.0, 201, {"name": "A", "config": {}}, ROOM)
    if kind == "patch":
        return Op(room_id, "patch", start, end, 200, {"name": name}, {**ROOM, "name": name})
    if kind in ("end", "end!"):
        return Op(room_id, "end", start, end, 409 if kind == "end!" else 200, room=ENDED)
    if kind == "delete":
        return Op(room_id, "delete", start, end, 204)
    if kind == "gone":
        return Op(room_id, "read", start, end, 404)
    return Op(
        room_id, "read", start, end, 200, room=ENDED if name == "ended" else {**ROOM, "name": name}
    )
