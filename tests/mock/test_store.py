"""The room store on its own: every contract rule that does not need HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from mock_server.store import (
    DEFAULT_CONFIG,
    Room,
    RoomAlreadyEnded,
    RoomEnded,
    RoomLimitReached,
    RoomNotFound,
    RoomStore,
    format_timestamp,
)

ROOM_ID = re.compile(r"^room_[A-Za-z0-9]{6,32}$")


class FixedClock:
    """A clock the test moves by hand, so equal and ordered timestamps are exact."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 6, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_create_fills_defaults_and_starts_active() -> None:
    room = RoomStore().create("CS101", {"max_participants": 5})
    assert ROOM_ID.match(room.id)
    assert room.config == {**DEFAULT_CONFIG, "max_participants": 5}
    assert (room.status, room.participant_count, room.ended_at) == ("active", 0, None)
    assert "ended_at" not in room.to_json()


def test_update_merges_config_field_by_field_and_keeps_created_at() -> None:
    store = RoomStore()
    room = store.create("A", {"recording_enabled": True})
    created_at = room.created_at
    store.update(room.id, config={"max_participants": 7})
    updated = store.update(room.id, name="B")
    assert updated.config == {
        "max_participants": 7,
        "recording_enabled": True,
        "chat_enabled": True,
    }
    assert (updated.name, updated.created_at) == ("B", created_at)


def test_update_with_nothing_changes_nothing() -> None:
    store = RoomStore()
    before = store.create("A").to_json()
    assert store.update(before["id"]).to_json() == before


def test_end_sets_status_and_ended_at_and_keeps_the_rest() -> None:
    clock = FixedClock()
    store = RoomStore(clock=clock)
    room = store.create("A")
    before = room.to_json()
    clock.now += timedelta(minutes=90)
    ended = store.end(room.id).to_json()
    assert ended.pop("status") == "ended"
    assert ended.pop("ended_at") == format_timestamp(clock.now)
    before.pop("status")
    assert ended == before


def test_second_end_is_refused_and_keeps_ended_at() -> None:
    clock = FixedClock()
    store = RoomStore(clock=clock)
    room = store.end(store.create("A").id)
    ended_at = room.ended_at
    clock.now += timedelta(hours=1)
    with pytest.raises(RoomAlreadyEnded):
        store.end(room.id)
    assert store.get(room.id).ended_at == ended_at


def test_an_ended_room_cannot_be_updated() -> None:
    store = RoomStore()
    room = store.end(store.create("A").id)
    with pytest.raises(RoomEnded):
        store.update(room.id, name="B")
    assert store.get(room.id).name == "A"


@pytest.mark.parametrize("end_first", [False, True])
def test_delete_is_permanent_for_active_and_ended_rooms(end_first: bool) -> None:
    store = RoomStore()
    keep = store.create("keep")
    room = store.create("gone")
    if end_first:
        store.end(room.id)
    store.delete(room.id)
    for action in (store.get, store.end, store.delete, lambda room_id: store.update(room_id)):
        with pytest.raises(RoomNotFound):
            action(room.id)
    page = store.list(100, 0)
    assert [listed.id for listed in page.rooms] == [keep.id]
    assert page.total == 1


def test_list_orders_by_created_at_then_id_and_pages_are_disjoint_and_complete() -> None:
    clock = FixedClock()
    store = RoomStore(clock=clock)
    for index in range(25):
        if index % 3 == 0:
            clock.now += timedelta(seconds=1)  # ties in created_at, broken by id
        store.create(f"room {index}")
    expected = sorted(store, key=lambda room: (room.created_at, room.id))
    pages = [store.list(7, offset) for offset in range(0, 28, 7)]
    listed = [room for page in pages for room in page.rooms]
    assert listed == expected
    assert {page.total for page in pages} == {25}
    assert [(page.limit, page.offset) for page in pages] == [(7, 0), (7, 7), (7, 14), (7, 21)]


def test_rooms_made_in_the_same_millisecond_sort_by_id() -> None:
    clock = FixedClock()
    store = RoomStore(clock=clock)
    for _ in range(20):
        clock.now += timedelta(microseconds=10)  # 20 rooms inside one shown millisecond
        store.create("same instant")
    listed = [room.to_json() for room in store.list(100, 0).rooms]
    assert len({room["created_at"] for room in listed}) == 1
    assert [room["id"] for room in listed] == sorted(room["id"] for room in listed)


def test_offset_past_the_end_is_an_empty_page() -> None:
    store = RoomStore()
    store.create("A")
    page = store.list(20, 5)
    assert (page.rooms, page.total, page.offset) == ([], 1, 5)


def test_ids_are_never_reused_after_a_delete_even_with_a_seed() -> None:
    store = RoomStore(seed=7)
    first = store.create("A")
    store.delete(first.id)
    second = store.create("B")
    assert second.id != first.id
    assert RoomStore(seed=7).create("A").id == first.id  # the seed does repeat across stores


def test_seed_gives_the_same_ids_and_timestamps_and_reset_restarts_them() -> None:
    one, two = RoomStore(seed=3), RoomStore(seed=3)
    made = [one.create("x").to_json() for _ in range(3)]
    assert made == [two.create("x").to_json() for _ in range(3)]
    one.reset([])
    assert one.create("x").to_json() == made[0]


def test_the_room_cap_refuses_creates_and_changes_nothing() -> None:
    store = RoomStore(max_rooms=2)
    rooms = [store.create("A"), store.create("B")]
    with pytest.raises(RoomLimitReached):
        store.create("C")
    assert {room.id for room in store} == {room.id for room in rooms}
    store.delete(rooms[0].id)
    assert store.create("C").name == "C"


def test_reset_loads_copies_so_fixtures_survive_changes() -> None:
    fixture = Room.from_json(
        {
            "id": "room_fixture1",
            "name": "Fixture",
            "status": "active",
            "participant_count": 4,
            "config": dict(DEFAULT_CONFIG),
            "created_at": "2026-01-01T00:00:00Z",
        }
    )
    store = RoomStore()
    store.reset([fixture])
    store.update(fixture.id, name="Changed", config={"max_participants": 1})
    store.reset([fixture])
    assert store.get(fixture.id).to_json() == fixture.to_json()
    assert fixture.config == DEFAULT_CONFIG
