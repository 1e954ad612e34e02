"""The room store: every rule of the Rooms contract, in memory, with no HTTP.

Handlers translate HTTP to these calls and these exceptions to problems; the
contract rules (defaults, merge on update, 409s, order and paging, permanent
delete, ids never reused) live here and only here.
"""

from __future__ import annotations

import bisect
import operator
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from rooms_spec.json_text import as_json

from .ids import IdSequence

DEFAULT_CONFIG: dict[str, Any] = {
    "max_participants": 100,
    "recording_enabled": False,
    "chat_enabled": True,
}
SEED_EPOCH = datetime(2026, 1, 6, 10, 0, 0, tzinfo=UTC)
# Distinct configs shared at once; past it the table starts over (see `_shared`).
MAX_SHARED_CONFIGS = 1024

Clock = Callable[[], datetime]


class RoomError(Exception):
    """A request the contract refuses; `room_id` names the room concerned.

    Each kind says what went wrong in its `template`, which may name `{room}` (the
    id, as JSON) and any detail given as a keyword."""

    template = "The request conflicts with the room {room}."

    def __init__(self, room_id: str = "", **details: object) -> None:
        super().__init__(self.template.format(room=as_json(room_id), **details))
        self.room_id = room_id


class RoomNotFound(RoomError):
    template = "No room has the id {room}."


class RoomEnded(RoomError):
    template = "The room {room} is ended and can no longer be updated."


class RoomAlreadyEnded(RoomError):
    template = "The room {room} is already ended."


class RoomLimitReached(RoomError):
    template = "The server holds {limit} rooms, its limit; delete rooms to create more."


UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MillisecondClock:
    """Now, to the millisecond, with its RFC 3339 text: made once per millisecond, so the
    creates of a burst (ten a millisecond under load) share one instant and one string."""

    __slots__ = ("_millisecond", "_now")

    def __init__(self) -> None:
        self._millisecond = -1
        self._now = (UNIX_EPOCH, "")

    def now(self) -> tuple[datetime, str]:
        millisecond = time.time_ns() // 1_000_000
        if millisecond != self._millisecond:
            moment = UNIX_EPOCH + timedelta(milliseconds=millisecond)
            self._millisecond, self._now = millisecond, (moment, format_timestamp(moment))
        return self._now


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision and a `Z` (isoformat: 5x faster than strftime)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def parse_timestamp(text: str) -> datetime:
    return to_milliseconds(datetime.fromisoformat(text).astimezone(UTC))


def to_milliseconds(moment: datetime) -> datetime:
    """Drop what the API does not show, so the list order is the order clients can see:
    two rooms made in the same millisecond show the same `created_at` and sort by id."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(slots=True)
class Room:
    """One room. `ended_at` is set exactly when `status` is "ended".

    In a store, `config` is a read-only mapping shared by every room with the same
    settings: 100,000 rooms hold a few configs, not 100,000 dicts.
    """

    id: str
    name: str
    config: Mapping[str, Any]
    created_at: datetime
    status: str = "active"
    participant_count: int = 0
    ended_at: datetime | None = None
    # `created_at` never changes, so it is formatted once: that was most of a list's time.
    # Given only by the store, from the clock that made `created_at`.
    created_text: str = field(default="", repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.created_text:
            self.created_text = format_timestamp(self.created_at)

    @property
    def order_key(self) -> tuple[datetime, str]:
        """The list order: `created_at` ascending, ties broken by `id`."""
        return (self.created_at, self.id)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "participant_count": self.participant_count,
            "config": dict(self.config),
            "created_at": self.created_text,
        }
        if self.ended_at is not None:
            body["ended_at"] = format_timestamp(self.ended_at)
        return body

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Room:
        """A room from its JSON form (as fixtures hold it); the body is already valid."""
        ended_at = body.get("ended_at")
        return cls(
            id=body["id"],
            name=body["name"],
            config={**DEFAULT_CONFIG, **body["config"]},
            created_at=parse_timestamp(body["created_at"]),
            status=body["status"],
            participant_count=body.get("participant_count", 0),
            ended_at=parse_timestamp(ended_at) if ended_at else None,
        )


@dataclass(frozen=True)
class Page:
    """One page of the list, with the paging that produced it."""

    rooms: list[Room]
    total: int
    limit: int
    offset: int

    def to_json(self) -> dict[str, Any]:
        return {
            "rooms": [room.to_json() for room in self.rooms],
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
        }


@dataclass
class RoomStore:
    """Rooms in memory, in list order, with ids that are never handed out twice.

    Ids come from a counter through a keyed permutation (ids.py), so the store
    remembers only the rooms that exist, however many came and went. `seed`
    makes ids and timestamps deterministic (for snapshot tests): the permutation
    is keyed by the seed, and the clock starts at a fixed instant and advances
    one second per event. `max_rooms` caps how many rooms exist.
    """

    seed: int | None = None
    max_rooms: int | None = None
    clock: Clock | None = None
    _rooms: dict[str, Room] = field(default_factory=dict, init=False)
    _order: list[Room] = field(default_factory=list, init=False)  # sorted by order_key
    # At most MAX_SHARED_CONFIGS entries: the spec allows 40,000 distinct configs.
    _configs: dict[Any, Mapping[str, Any]] = field(default_factory=dict, init=False)
    _ids: IdSequence = field(init=False)
    _ticks: int = field(default=0, init=False)
    _milliseconds: MillisecondClock = field(default_factory=MillisecondClock, init=False)

    def __post_init__(self) -> None:
        self._ids = IdSequence(self.seed)

    # -- reading -----------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rooms)

    def get(self, room_id: str) -> Room:
        try:
            return self._rooms[room_id]
        except KeyError:
            raise RoomNotFound(room_id) from None

    def list(self, limit: int = 20, offset: int = 0) -> Page:
        """A page in list order; an offset past the end gives an empty page."""
        return Page(self._order[offset : offset + limit], len(self._rooms), limit, offset)

    def __iter__(self) -> Iterator[Room]:
        return iter(self._order)

    # -- changing ----------------------------------------------------------

    def create(self, name: str, config: Mapping[str, Any] | None = None) -> Room:
        if self.max_rooms is not None and len(self._rooms) >= self.max_rooms:
            raise RoomLimitReached(limit=self.max_rooms)
        created_at, created_text = self._created()
        room = Room(
            id=self._new_id(),
            name=name,
            config=self._shared({**DEFAULT_CONFIG, **(config or {})}),
            created_at=created_at,
            created_text=created_text,
        )
        self._insert(room)
        return room

    def update(
        self, room_id: str, name: str | None = None, config: Mapping[str, Any] | None = None
    ) -> Room:
        """Rename and merge `config` field by field; an ended room refuses."""
        room = self.get(room_id)
        if room.status == "ended":
            raise RoomEnded(room_id)
        if name is not None:
            room.name = name
        if config:
            room.config = self._shared({**room.config, **config})
        return room

    def end(self, room_id: str) -> Room:
        room = self.get(room_id)
        if room.status == "ended":
            raise RoomAlreadyEnded(room_id)
        room.status = "ended"
        room.ended_at = max(self._now(), room.created_at)
        return room

    def delete(self, room_id: str) -> None:
        room = self.get(room_id)
        del self._rooms[room_id]
        index = bisect.bisect_left(self._order, room.order_key, key=_order_key)
        del self._order[index]

    def reset(self, rooms: Iterable[Room]) -> None:
        """Drop every room and load copies of `rooms` (the fixtures).

        The id counter goes on, so ids handed out before are never reused; with
        a seed, ids and the clock restart instead, so a snapshot test sees the
        same ids after every reset.
        """
        if self.seed is not None:
            self._ids.restart()
            self._ticks = 0
        self._rooms.clear()
        self._order.clear()
        for room in rooms:
            self._insert(replace(room, config=self._shared(room.config)))

    # -- internals ---------------------------------------------------------

    def _insert(self, room: Room) -> None:
        self._rooms[room.id] = room
        if not self._order or _order_key(self._order[-1]) <= _order_key(room):
            self._order.append(room)  # a new room is almost always the latest
        else:
            bisect.insort(self._order, room, key=_order_key)

    def _shared(self, config: Mapping[str, Any]) -> Mapping[str, Any]:
        """One read-only mapping per distinct config (a few, however many rooms)."""
        try:
            key = (tuple(config.items()), tuple(map(type, config.values())))  # 1 != True
            shared = self._configs.get(key)
        except TypeError:  # an unhashable value (not from the API, which validates)
            return MappingProxyType(dict(config))
        if shared is None:
            if len(self._configs) >= MAX_SHARED_CONFIGS:
                self._configs.clear()  # rooms keep their mappings; only sharing starts over
            shared = self._configs[key] = MappingProxyType(dict(config))
        return shared

    def _new_id(self) -> str:
        """The next id of the sequence that no room holds (a fixture may hold one)."""
        room_id = next(self._ids)
        while room_id in self._rooms:
            room_id = next(self._ids)
        return room_id

    def _created(self) -> tuple[datetime, str]:
        """A new room's `created_at`, and its text when the clock has it made already."""
        if self.clock is None and self.seed is None:
            return self._milliseconds.now()
        return self._now(), ""

    def _now(self) -> datetime:
        if self.clock is not None:
            return to_milliseconds(self.clock())
        if self.seed is not None:
            self._ticks += 1
            return SEED_EPOCH + timedelta(seconds=self._ticks)
        return self._milliseconds.now()[0]


# Room.order_key, in C: bisect calls it some 17 times per insert into 100,000 rooms.
_order_key = operator.attrgetter("created_at", "id")
