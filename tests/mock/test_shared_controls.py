"""The journal and the fault rules on Redis: one for every worker (`--workers 2`), as real
processes on one port. Each request opens a connection of its own, so the kernel spreads
them over both workers (SO_REUSEPORT); the journal's `worker` says which one answered."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import redis

from mock_server.faults import draw
from mock_server.journal import Entry, Filters
from mock_server.redis_store import RedisRooms
from mock_server.shared_faults import SharedFaults
from mock_server.shared_journal import SharedJournal
from mock_server.stores import open_rooms
from tests.support.mock import API, mock_client
from tests.support.redis import RedisServer, new_prefix
from tests.support.servers import MockProcess, mock_process, served_by

TIMEOUT_S = 10.0


@contextmanager
def two_workers(redis_server: RedisServer, *args: str) -> Iterator[MockProcess]:
    options = ("--store", redis_server.url, "--redis-prefix", new_prefix(), "--workers", "2")
    with mock_process(*options, "--fixtures", "none", *args) as mock:
        yield mock


def once(mock: MockProcess, method: str, path: str, **options: Any) -> httpx.Response:
    """One request on a connection of its own: either worker answers."""
    with httpx.Client(base_url=mock.origin, timeout=TIMEOUT_S) as http:
        return http.request(method, path, **options)


def statuses(mock: MockProcess, count: int) -> list[int]:
    return [once(mock, "GET", f"{API}/rooms").status_code for _ in range(count)]


def test_every_worker_s_request_is_in_the_journal_before_its_answer(
    shared_redis: RedisServer,
) -> None:
    """A client that got its answer from one worker asks verify at once, on another
    connection (often the other worker): the request is there, counted exactly."""
    with two_workers(shared_redis, "--strict") as mock:
        for made in range(1, 13):
            assert once(mock, "POST", f"{API}/rooms", json={"name": f"r{made}"}).status_code == 201
            expected = {"operation": "createRoom", "status": 201, "times": made}
            verdict = once(mock, "POST", "/_mock/verify", json=expected)
            assert verdict.status_code == 200, verdict.text
        workers, last_id = served_by(mock.origin)
        assert set(workers) == {1, 2} and last_id == 12, workers
        missed = once(mock, "POST", "/_mock/verify", json={"operation": "createRoom", "times": 13})
        assert missed.status_code == 409
        assert missed.json()["matched"] == 12
        listed = once(
            mock, "GET", "/_mock/requests", params={"operation": "createRoom", "limit": 5}
        )
        assert [entry["id"] for entry in listed.json()["requests"]] == [8, 9, 10, 11, 12]
        assert [entry["body"]["name"] for entry in listed.json()["requests"]][-1] == "r12"


def test_a_next_3_rule_added_through_one_worker_fires_3_times_over_both(
    shared_redis: RedisServer,
) -> None:
    """Counted on Redis, atomically: 3 forced answers in all, however many requests race."""
    with two_workers(shared_redis) as mock:
        added = once(mock, "POST", "/_mock/faults", json={"next": 3, "respond": {"status": 503}})
        assert added.status_code == 201 and added.json()["remaining"] == 3

        async def race() -> list[int]:
            async def one() -> int:
                async with httpx.AsyncClient(base_url=mock.base_url, timeout=TIMEOUT_S) as http:
                    return (await http.get("/rooms")).status_code

            return list(await asyncio.gather(*(one() for _ in range(24))))

        answered = asyncio.run(race())
        assert sorted(answered) == [200] * 21 + [503] * 3, answered
        assert once(mock, "GET", "/_mock/faults").json() == {"rules": []}  # spent, for all
        workers, _last_id = served_by(mock.origin)
        assert set(workers) == {1, 2}, workers
        forced = once(mock, "GET", "/_mock/requests", params={"status": "503"}).json()
        assert [entry["fault"] for entry in forced["requests"]] == ["rule-1"] * 3


def test_a_rule_applies_to_the_very_next_request_and_counts_over_both(
    shared_redis: RedisServer,
) -> None:
    with two_workers(shared_redis) as mock:
        for _ in range(4):  # added through one worker, the next request (on either) obeys
            rule = once(mock, "POST", "/_mock/faults", json={"respond": {"status": 502}}).json()
            assert statuses(mock, 1) == [502]
            assert once(mock, "DELETE", f"/_mock/faults/{rule['id']}").status_code == 204
            assert statuses(mock, 1) == [200]
        once(
            mock,
            "POST",
            "/_mock/faults",
            json={"id": "odd", "every": 2, "respond": {"status": 503}},
        )
        assert statuses(mock, 10) == [200, 503] * 5
        for _ in range(4):  # every worker lists the same totals
            (rule,) = once(mock, "GET", "/_mock/faults").json()["rules"]
            assert (rule["id"], rule["seen"], rule["fired"]) == ("odd", 10, 5)
        workers, _last_id = served_by(mock.origin)
        assert set(workers) == {1, 2}, workers


def seeded_pattern(mock: MockProcess) -> list[int]:
    assert once(mock, "DELETE", "/_mock/faults").status_code == 200
    rule = {"probability": 0.5, "seed": 7, "respond": {"status": 503}}
    assert once(mock, "POST", "/_mock/faults", json=rule).json()["seed"] == 7
    return statuses(mock, 24)


def test_a_seeded_probability_repeats_exactly_over_workers_and_runs(
    shared_redis: RedisServer,
) -> None:
    """The n-th counted request draws from the seed and n: one sequence whatever worker
    answers, run after run, and the one a single process with the memory store gives."""
    expected = [503 if draw(7, n) < 0.5 else 200 for n in range(1, 25)]
    assert 200 in expected and 503 in expected
    runs = []
    for _run in range(2):
        with two_workers(shared_redis) as mock:
            runs.append(seeded_pattern(mock))
            runs.append(seeded_pattern(mock))
            workers, _last_id = served_by(mock.origin)
            assert set(workers) == {1, 2}, workers
    assert runs == [expected] * 4
    with mock_client() as client:  # the memory store, one process
        client.post(
            "/_mock/faults", json={"probability": 0.5, "seed": 7, "respond": {"status": 503}}
        )
        assert [client.get(f"{API}/rooms").status_code for _ in range(24)] == expected


def opened_store(url: str) -> RedisRooms:
    store = open_rooms(url, seed=None, max_rooms=None, prefix=new_prefix())
    assert isinstance(store, RedisRooms)
    store.start([])
    return store


def test_the_scripts_draw_as_python_does(shared_redis: RedisServer) -> None:
    """PICK's draws (Lua, `redis.sha1hex`) against faults.draw, up to the largest seed."""
    store = opened_store(shared_redis.url)
    faults = SharedFaults(store)
    seeds = (0, 2**32 - 1, 2**63 - 1)

    async def run() -> list[list[bool]]:
        found = []
        for seed in seeds:
            await faults.clear()
            rule = {"probability": 0.3, "seed": seed, "respond": {"status": 503}}
            await faults.add([rule])
            picked = [await faults.pick("GET", "/x", lambda: None) for _ in range(64)]
            found.append([rule is not None for rule in picked])
        await store.close()
        return found

    expected = [[draw(seed, n) < 0.3 for n in range(1, 65)] for seed in seeds]
    assert asyncio.run(run()) == expected


def test_delete_and_reset_clear_for_every_worker_and_file_rules_load_once(
    shared_redis: RedisServer, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.json"
    slow = {"id": "slow", "every": 1000, "delay": {"fixed": 1}}  # counts, never acts here
    rules.write_text(json.dumps({"rules": [slow]}))
    with two_workers(shared_redis, "--faults", str(rules)) as mock:
        listed = once(mock, "GET", "/_mock/faults").json()["rules"]
        assert [rule["id"] for rule in listed] == ["slow"]  # once, not once per worker
        statuses(mock, 6)
        once(mock, "POST", "/_mock/faults", json={"id": "extra", "respond": {"status": 500}})
        assert once(mock, "DELETE", "/_mock/requests").json() == {"cleared": 6}
        for _ in range(6):  # every worker sees it empty (the controls are not journaled)
            assert once(mock, "GET", "/_mock/requests").json()["requests"] == []
        assert statuses(mock, 2) == [500, 500]
        assert once(mock, "POST", "/_mock/reset").status_code == 200
        for _ in range(6):
            listed = once(mock, "GET", "/_mock/faults").json()["rules"]
            assert [(r["id"], r["seen"], r["fired"]) for r in listed] == [("slow", 0, 0)]
            assert once(mock, "GET", "/_mock/requests").json()["requests"] == []
        assert once(mock, "DELETE", "/_mock/faults").json() == {"removed": 1}
        for _ in range(6):
            assert once(mock, "GET", "/_mock/faults").json() == {"rules": []}


def test_the_shared_journal_is_bounded_in_entries_and_bytes(shared_redis: RedisServer) -> None:
    store = opened_store(shared_redis.url)
    journal = SharedJournal(store, size=5, max_bytes=3000)

    def entry(body: bytes) -> Entry:
        return Entry(0, 0.0, "POST", f"{API}/rooms", b"", [], body, "createRoom", 201, [], b"", 1)

    async def run() -> tuple[list[int], list[int]]:
        for _ in range(8):
            await journal.add(entry(b"x"))
        by_count = [found.id for found in (await journal.read(Filters()))[0]]
        for _ in range(4):
            await journal.add(entry(b"y" * 1000))  # about 1,100 bytes each
        by_bytes = [found.id for found in (await journal.read(Filters()))[0]]
        await store.close()
        return by_count, by_bytes

    by_count, by_bytes = asyncio.run(run())
    assert by_count == [4, 5, 6, 7, 8]
    assert by_bytes == [11, 12]
    with redis.Redis.from_url(shared_redis.url, decode_responses=True) as client:
        held = client.lrange(f"{store.prefix}journal", 0, -1)
        kept = client.hget(f"{store.prefix}journal:meta", "bytes")
    assert int(kept) == sum(len(item.encode()) for item in held) <= 3000


def test_with_the_journal_off_the_rules_still_apply_on_every_worker(
    shared_redis: RedisServer,
) -> None:
    with two_workers(shared_redis, "--journal-size", "0") as mock:
        once(mock, "POST", "/_mock/faults", json={"next": 2, "respond": {"status": 503}})
        assert statuses(mock, 4) == [503, 503, 200, 200]
        assert once(mock, "GET", "/_mock/requests").status_code == 409


def test_a_mock_that_joins_keeps_the_journal_and_rules_and_a_fresh_one_starts_them(
    shared_redis: RedisServer, tmp_path: Path
) -> None:
    """A replica (or a restart) on a prefix that holds rooms joins its journal and rules;
    its own file's rules are not added on top. A seeded start begins everything again."""
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps([{"id": "start", "every": 1000, "delay": {"fixed": 1}}]))
    settings: dict[str, Any] = {"store": shared_redis.url, "redis_prefix": new_prefix()}
    settings["faults_path"] = rules
    with mock_client(**settings) as first:
        first.post(f"{API}/rooms", json={"name": "kept"})
        first.post("/_mock/faults", json={"id": "extra", "respond": {"status": 500}})
        with mock_client(**settings) as second:
            listed = second.get("/_mock/faults").json()["rules"]
            assert [(rule["id"], rule["seen"]) for rule in listed] == [("start", 1), ("extra", 0)]
            (entry,) = second.get("/_mock/requests").json()["requests"]
            assert entry["operation"] == "createRoom"
    with mock_client(seed=3, **settings) as fresh:
        listed = fresh.get("/_mock/faults").json()["rules"]
        assert [(rule["id"], rule["seen"]) for rule in listed] == [("start", 0)]
        assert fresh.get("/_mock/requests").json() == {
            "requests": [],
            "size": 1000,
            "last_id": 0,
            "operations": list(fresh.app.spec.operations),  # type: ignore[attr-defined]
        }
