"""Clients racing on a few of the suite's own rooms: the histories the concurrency layer checks.

`--race-clients` threads, each with its own client, run random operations for
`--race-seconds`: create, Get, List (near its end, where the suite's rooms are), update, end
and delete, and now and then the same operation on one room from two threads at once (the
pair most likely to lose an update, end twice or hand out one id twice). Every call's start
and end (this process's clock, before it is sent and after its answer is read) is kept with
its exchange. Only rooms the race created are ever written to; the rest of List is ignored.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .client import LEDGER, ApiClient
from .exchange import Exchange
from .linearizable import Op
from .target import Target

LIVE_ROOMS = 4  # few rooms, so the clients collide on them
MAX_OPERATIONS = 5000  # per race, whatever the time: histories stay small enough to search
WEIGHTS = {"create": 1, "get": 3, "list": 2, "patch": 5, "end": 2, "delete": 1, "pair": 2}
EXPECTED = {
    "create": {201},
    "get": {200, 404},
    "patch": {200, 404, 409},
    "end": {200, 404, 409},
    "delete": {204, 404},
    "list": {200},
}


@dataclass(frozen=True)
class Call:
    """One call of the race: its exchange and when it was in flight."""

    kind: str
    exchange: Exchange
    start: float
    end: float
    room_id: str | None
    request: dict[str, Any] | None


def shown_room(body: Any) -> dict[str, Any] | None:
    """A room as the model compares it: `participant_count` is left out (answers other than
    Get and List may leave it out; the suite's rooms have none anyway)."""
    if not isinstance(body, dict):
        return None
    return {key: value for key, value in body.items() if key != "participant_count"}


@dataclass
class Race:
    target: Target
    seed: int
    calls: list[Call] = field(default_factory=list)
    live: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    total: int = 0
    origin: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _names: Any = field(default_factory=lambda: iter(range(10**9)))

    # --- what to do next ----------------------------------------------------------------

    def name(self) -> str:
        with self._lock:
            return f"race {next(self._names)}"

    def changes(self, draw: random.Random) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if draw.random() < 0.7:
            body["name"] = self.name()
        config = {
            key: value
            for key, value in (
                ("max_participants", draw.randint(1, 10_000)),
                ("recording_enabled", draw.random() < 0.5),
                ("chat_enabled", draw.random() < 0.5),
            )
            if draw.random() < 0.5
        }
        if config:
            body["config"] = config
        return body

    def room_to_use(self, draw: random.Random) -> str | None:
        """Mostly a live room of the race; now and then one it deleted (answers must be 404)."""
        with self._lock:
            if self.gone and draw.random() < 0.05:
                return draw.choice(self.gone[-5:])
            return draw.choice(self.live) if self.live else None

    # --- calls ----------------------------------------------------------------------------

    def call(
        self,
        api: ApiClient,
        kind: str,
        room_id: str | None = None,
        request: dict[str, Any] | None = None,
        params: dict[str, int] | None = None,
    ) -> Call:
        send: dict[str, Callable[[], Exchange]] = {
            "create": lambda: api.create(request),
            "get": lambda: api.get(str(room_id)),
            "patch": lambda: api.patch(str(room_id), request),
            "end": lambda: api.end(str(room_id)),
            "delete": lambda: api.delete(str(room_id)),
            "list": lambda: api.request("GET", "/rooms", params=params),
        }
        start = time.monotonic()
        exchange = send[kind]()
        end = time.monotonic()
        body = exchange.json()
        if kind == "create" and exchange.status == 201 and isinstance(body, dict):
            room_id = str(body.get("id"))
        done = Call(kind, exchange, start, end, room_id, request)
        with self._lock:
            self.calls.append(done)
            if kind == "create" and exchange.status == 201:
                self.live.append(str(room_id))
                self.created.append(str(room_id))
            if kind == "delete" and exchange.status == 204 and room_id in self.live:
                self.live.remove(room_id)
                self.gone.append(room_id)
            if kind == "list" and isinstance(body, dict) and isinstance(body.get("total"), int):
                self.total = body["total"]
        return done

    def step(self, api: ApiClient, draw: random.Random, partner: ApiClient) -> None:
        with self._lock:
            live = len(self.live)
        kind = draw.choices(list(WEIGHTS), list(WEIGHTS.values()))[0]
        if live < LIVE_ROOMS:
            kind = "create"
        elif live > 2 * LIVE_ROOMS and kind in ("create", "pair"):
            kind = "delete"  # the race's rooms stay few
        if kind == "create":
            self.call(api, "create", request={"name": self.name()})
        elif kind == "list":
            with self._lock:
                total = self.total
            offset = max(0, total - draw.randint(0, 2 * LIVE_ROOMS))
            self.call(api, "list", params={"offset": offset, "limit": draw.randint(1, 100)})
        elif kind == "pair":
            self.pair(api, partner, draw)
        else:
            room_id = self.room_to_use(draw)
            if room_id is not None:
                body = self.changes(draw) if kind == "patch" else None
                self.call(api, kind, room_id, body)

    def pair(self, api: ApiClient, partner: ApiClient, draw: random.Random) -> None:
        """The same operation from two clients at once (one room, or two creates)."""
        kind = draw.choice(("create", "patch", "end", "delete", "patch"))
        room_id = None if kind == "create" else self.room_to_use(draw)
        if kind != "create" and room_id is None:
            return
        bodies = [
            {"name": self.name()}
            if kind == "create"
            else self.changes(draw)
            if kind == "patch"
            else None
            for _ in range(2)
        ]
        barrier = threading.Barrier(2, timeout=self.target.request_timeout)

        def go(client: ApiClient, body: dict[str, Any] | None) -> None:
            barrier.wait()
            self.call(client, kind, room_id, body)

        other = threading.Thread(target=go, args=(partner, bodies[1]), daemon=True)
        other.start()
        go(api, bodies[0])
        other.join(self.target.request_timeout * 2)

    def client(self, number: int, deadline: float) -> None:
        draw = random.Random(f"{self.seed}:{number}")
        api = ApiClient(self.target, LEDGER)
        partner = ApiClient(self.target, LEDGER)
        try:
            while time.monotonic() < deadline and len(self.calls) < MAX_OPERATIONS:
                self.step(api, draw, partner)
        finally:
            api.close()
            partner.close()

    def run(self, clients: int, seconds: float) -> None:
        """Race for `seconds`, then read every room the race created once more."""
        self.origin = time.monotonic()
        deadline = self.origin + seconds
        probe = ApiClient(self.target, LEDGER)
        try:
            self.call(probe, "list", params={"limit": 1})
            with ThreadPoolExecutor(clients, thread_name_prefix="rooms-contract-race") as pool:
                for future in [pool.submit(self.client, n, deadline) for n in range(clients)]:
                    future.result()
            for room_id in dict.fromkeys(self.created):
                self.call(probe, "get", room_id)
        finally:
            probe.close()

    def clean_up(self) -> None:
        """Delete the rooms the race left (their deletes are not part of its history)."""
        with self._lock:
            left = set(self.live)
            self.live.clear()
        cleaner = ApiClient(self.target, LEDGER)
        try:
            cleaner.delete_all(left)
        finally:
            cleaner.close()

    # --- the histories ----------------------------------------------------------------------

    def histories(self) -> dict[str, list[Op]]:
        """Each race room's operations, as the checker reads them (List items are reads)."""
        mine = set(self.created)
        ops: dict[str, list[Op]] = {room_id: [] for room_id in mine}
        for call in self.calls:
            status = call.exchange.status
            if status not in EXPECTED[call.kind]:
                continue
            body = call.exchange.json()
            if call.kind == "list":
                rooms = body.get("rooms") if isinstance(body, dict) else None
                for item in rooms if isinstance(rooms, list) else []:
                    item_id = item.get("id") if isinstance(item, dict) else None
                    if item_id in mine:
                        read = Op(
                            str(item_id),
                            "read",
                            call.start,
                            call.end,
                            200,
                            None,
                            shown_room(item),
                            call.exchange,
                        )
                        ops[str(item_id)].append(read)
                continue
            if call.room_id not in mine:
                continue
            kind = "read" if call.kind == "get" else call.kind
            room = shown_room(body) if status in (200, 201) else None
            ops[str(call.room_id)].append(
                Op(
                    str(call.room_id),
                    kind,
                    call.start,
                    call.end,
                    status,
                    call.request,
                    room,
                    call.exchange,
                )
            )
        return ops
