"""Both stores for one test: `mock_store` (settings for a mock) and `open_store` (a store).

    def test_x(client): ...                 # tests/conftest.py: the mock on each store
    def test_y(open_store):
        store = open_store(seed=3)          # a Rooms (stores.py), its calls run to the end
        room = store.create("A")

Each test runs twice, `[memory]` and `[redis]`; on Redis every store opened gets a key
prefix of its own (`prefix=` shares one), on the session's redis-server
(tests/support/redis.py). Loaded as a pytest plugin by tests/conftest.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from mock_server.store import Room
from mock_server.stores import MEMORY, Rooms, open_rooms
from tests.support.redis import new_prefix

STORES = ["memory", "redis"]


@pytest.fixture(params=STORES)
def mock_store(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The mock's settings for each store: a test that takes a mock (`client`,
    `seeded_client`, or this) runs on both, on Redis under a key prefix of its own."""
    if request.param == "memory":
        return {}
    server = request.getfixturevalue("shared_redis")
    return {"store": server.url, "redis_prefix": new_prefix()}


class SyncRooms:
    """A store whose coroutines are run to the end on one event loop, for plain tests."""

    def __init__(self, rooms: Rooms, loop: asyncio.AbstractEventLoop) -> None:
        self.rooms = rooms
        self.loop = loop

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.rooms, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self.loop.run_until_complete(method(*args, **kwargs))

        return call


OpenStore = Callable[..., SyncRooms]


@pytest.fixture
def open_store(mock_store: dict[str, Any]) -> Iterator[OpenStore]:
    """Opens stores of the test's kind: `open_store(seed=, max_rooms=, rooms=, prefix=)`."""
    loop = asyncio.new_event_loop()
    opened: list[Rooms] = []

    def make(
        seed: int | None = None,
        max_rooms: int | None = None,
        rooms: Iterable[Room] = (),
        prefix: str | None = None,
    ) -> SyncRooms:
        store = open_rooms(
            mock_store.get("store", MEMORY),
            seed=seed,
            max_rooms=max_rooms,
            prefix=prefix or new_prefix(),
        )
        store.start(list(rooms))
        opened.append(store)
        return SyncRooms(store, loop)

    try:
        yield make
    finally:
        for store in opened:
            close = getattr(store, "close", None)
            if close is not None:
                loop.run_until_complete(close())
        loop.close()
