"""What the shared journal and fault rules add to each API request on Redis, per call.

In Redis mode every API request runs the rules' check (PICK: the version, and the
matching rules counted) and, with the journal on, its write (ADD), each one round trip
beside the store's own script. This times each call alone, sequentially, on a
redis-server of its own (loopback, no persistence), with a store GET for reference.

    .venv/bin/python benchmarks/bench_shared.py
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

from bench_store import redis_server

from mock_server.journal import Entry
from mock_server.redis_store import RedisRooms
from mock_server.shared_faults import SharedFaults
from mock_server.shared_journal import SharedJournal

CALLS = 2000
ROUNDS = 5
PATH = "/api/v1/rooms/room_abc123"
HEADERS = [(b"host", b"127.0.0.1:4010"), (b"accept", b"*/*"), (b"user-agent", b"python-httpx")]
BODY = b'{"id":"room_abc123","name":"Office","status":"active","participant_count":0}'


def entry() -> Entry:
    answer = [(b"content-type", b"application/json")]
    return Entry(0, time.time(), "GET", PATH, b"", HEADERS, b"", "getRoom", 200, answer, BODY, 0.1)


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    """Microseconds per call: the median of ROUNDS rounds of CALLS calls."""
    rounds = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(CALLS):
            await call()
        rounds.append((time.perf_counter() - started) / CALLS * 1e6)
    return statistics.median(rounds)


async def measure(
    store: RedisRooms, faults: SharedFaults, journal: SharedJournal
) -> dict[str, float]:
    room = await store.create("Office")
    try:
        return {
            "store get (for reference)": await timed(lambda: store.get(room.id)),
            "rules check (PICK, no rule)": await timed(
                lambda: faults.pick("GET", PATH, lambda: "getRoom")
            ),
            "journal write (ADD)": await timed(lambda: journal.add(entry())),
        }
    finally:
        await store.close()


def main() -> None:
    with redis_server(None) as url:
        store = RedisRooms(url, "bench-shared:")
        store.start([])
        faults, journal = SharedFaults(store), SharedJournal(store, 1000)
        faults.start_rules(fresh=True)
        journal.start(fresh=True)
        for name, micros in asyncio.run(measure(store, faults, journal)).items():
            print(f"{name:30} {micros:6.0f} us per call")


if __name__ == "__main__":
    main()
