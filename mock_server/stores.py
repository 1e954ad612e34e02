"""Where the rooms live: one interface, two stores (memory, the default; Redis, shared).

Handlers, controls and the server reach the rooms only through `Rooms`, whose
calls are coroutines: a shared store answers over the network, and the memory
store costs one extra await for it (a coroutine that never suspends).

    --store memory                 RoomStore (store.py), in this process: the fastest
    --store redis://HOST:PORT/DB   RedisRooms (redis_store.py): several workers, or
                                   several mocks, share one set of rooms

Every contract rule is the store's: the same tests run against both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from .store import Page, Room, RoomError, RoomStore

MEMORY = "memory"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
DEFAULT_PREFIX = "rooms-mock:"


class StoreUnavailable(RoomError):
    """The shared store cannot be reached: the request was not served (a 503)."""

    template = "The room store ({where}) cannot be reached; try again in a moment."


class StoreError(Exception):
    """A store the mock cannot start with (Redis down, a bad URL); the message is one line."""


class Rooms(Protocol):
    """The rooms, as handlers and controls see them; each call is one atomic step."""

    def start(self, rooms: list[Room]) -> int:
        """At start, before serving: connect, and load the fixtures (a shared store joins
        the rooms already there instead); how many rooms it holds. Raises StoreError."""

    def describe(self) -> str:
        """Where the rooms are, for the start line: `in memory`, `on Redis at ...`."""

    async def create(self, name: str, config: Mapping[str, Any] | None = None) -> Room: ...
    async def get(self, room_id: str) -> Room: ...
    async def list(self, limit: int = 20, offset: int = 0) -> Page: ...
    async def update(
        self, room_id: str, name: str | None = None, config: Mapping[str, Any] | None = None
    ) -> Room: ...
    async def end(self, room_id: str) -> Room: ...
    async def delete(self, room_id: str) -> None: ...
    async def reset(self, rooms: Iterable[Room]) -> None: ...
    async def count(self) -> int: ...


class MemoryRooms:
    """The memory store behind the interface: each call is the store's own, at once."""

    def __init__(self, store: RoomStore) -> None:
        self.store = store

    def start(self, rooms: list[Room]) -> int:
        self.store.reset(rooms)
        return len(self.store)

    def describe(self) -> str:
        return "in memory"

    async def create(self, name: str, config: Mapping[str, Any] | None = None) -> Room:
        return self.store.create(name, config)

    async def get(self, room_id: str) -> Room:
        return self.store.get(room_id)

    async def list(self, limit: int = 20, offset: int = 0) -> Page:
        return self.store.list(limit, offset)

    async def update(
        self, room_id: str, name: str | None = None, config: Mapping[str, Any] | None = None
    ) -> Room:
        return self.store.update(room_id, name, config)

    async def end(self, room_id: str) -> Room:
        return self.store.end(room_id)

    async def delete(self, room_id: str) -> None:
        self.store.delete(room_id)

    async def reset(self, rooms: Iterable[Room]) -> None:
        self.store.reset(rooms)

    async def count(self) -> int:
        return len(self.store)


def is_shared(store: str) -> bool:
    return store.startswith(REDIS_SCHEMES)


def open_rooms(
    store: str,
    *,
    seed: int | None,
    max_rooms: int | None,
    prefix: str = DEFAULT_PREFIX,
    fixtures: Callable[[], list[Room]] = list,
) -> Rooms:
    """The store a `--store` value names; `fixtures` reloads the fixtures (a shared store
    that lost its state, e.g. a Redis restarted, loads them again)."""
    if store == MEMORY:
        return MemoryRooms(RoomStore(seed=seed, max_rooms=max_rooms))
    if is_shared(store):
        from .redis_store import RedisRooms

        return RedisRooms(store, prefix, seed=seed, max_rooms=max_rooms, fixtures=fixtures)
    raise StoreError(f"--store {store}: give 'memory' or a URL redis://HOST:PORT/DB")
