"""The room store on its own: every contract rule that does not need HTTP, on both stores
(`[memory]` and `[redis]`, through the one interface, stores.py); a clock moved by hand
only the memory store takes."""

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
from tests.support.stores import OpenStore

ROOM_ID = re.compile(r"^room_[A-Za-z0-9]{6,32}$")


class FixedClock:
    """A clock the test moves by hand, so equal and ordered timestamps are exact."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 6, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def fixture(room_id: str, created_at: str, **fields: object) -> Room:
    body = {
        "id": room_id,
        "name": "Fixture",
        "status": "active",
        "participant_count": 4,
        "config": dict(DEFAULT_CONFIG),
        "created_at": created_at,
        **fields,
    }
    return Room.from_json(body)


def test_create_fills_defaults_and_starts_active(open_store: OpenStore) -> None:
    store = open_store()
    room = store.create("CS101", {"max_participants": 5})
    assert ROOM_ID.match(room.id)
    assert room.config == {**DEFAULT_CONFIG, "max_participants": 5}
    assert (room.status, room.participant_count, room.ended_at) == ("active", 0, None)
    assert "ended_at" not in room.to_json()
    assert store.get(room.id).to_json() == room.to_json()


def test_update_merges_config_field_by_field_and_keeps_created_at(open_store: OpenStore) -> None:
    store = open_store()
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
    assert store.get(room.id).to_json() == updated.to_json()


def test_update_with_nothing_changes_nothing(open_store: OpenStore) -> None:
    store = open_store()
    before = store.create("A").to_json()
    assert store.update(before["id"]).to_json() == before


def test_any_name_comes_back_as_it_went_in(open_store: OpenStore) -> None:
    store = open_store()
    for name in ('quote " and \\ backslash', "tab\tand NUL\u0000", "é🎓", "</script>"):
        room = store.create(name)
        assert store.get(room.id).name == name
        assert store.update(room.id, name=name + "!").name == name + "!"


def test_end_sets_status_and_ended_at_and_keeps_the_rest(open_store: OpenStore) -> None:
    store = open_store()
    room = store.create("A")
    before = room.to_json()
    ended = store.end(room.id).to_json()
    assert ended.pop("status") == "ended"
    assert ended.pop("ended_at") >= before["created_at"]
    before.pop("status")
    assert ended == before


def test_end_at_the_clock_s_moment() -> None:
    clock = FixedClock()
    store = RoomStore(clock=clock)
    room = store.create("A")
    clock.now += timedelta(minutes=90)
    assert store.end(room.id).to_json()["ended_at"] == format_timestamp(clock.now)


def test_second_end_is_refused_and_keeps_ended_at(open_store: OpenStore) -> None:
    store = open_store()
    room = store.end(store.create("A").id)
    with pytest.raises(RoomAlreadyEnded):
        store.end(room.id)
    assert store.get(room.id).ended_at == room.ended_at


def test_an_ended_room_cannot_be_updated(open_store: OpenStore) -> None:
    store = open_store()
    room = store.end(store.create("A").id)
    with pytest.raises(RoomEnded):
        store.update(room.id, name="B")
    assert store.get(room.id).name == "A"


@pytest.mark.parametrize("end_first", [False, True])
def test_delete_is_permanent_for_active_and_ended_rooms(
    open_store: OpenStore, end_first: bool
) -> None:
    store = open_store()
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
    assert store.count() == 1


def test_list_orders_by_created_at_then_id_and_pages_are_disjoint_and_complete(
    open_store: OpenStore,
) -> None:
    """Fixtures in shuffled order, ties in created_at (broken by id), and ended rooms."""
    rooms = [
        fixture(
            f"room_{'zyxwvutsrqponmlkjihgfedcba'[index % 26]}{index:05d}",
            f"2026-01-0{1 + index % 3}T00:00:00.{index % 2:03d}Z",
            **({"status": "ended", "ended_at": "2026-02-01T00:00:00Z"} if index % 5 == 0 else {}),
        )
        for index in range(25)
    ]
    store = open_store(rooms=rooms)
    expected = [room.to_json() for room in sorted(rooms, key=lambda room: room.order_key)]
    pages = [store.list(7, offset) for offset in range(0, 28, 7)]
    assert [room.to_json() for page in pages for room in page.rooms] == expected
    assert {page.total for page in pages} == {25}
    assert [(page.limit, page.offset) for page in pages] == [(7, 0), (7, 7), (7, 14), (7, 21)]


def test_new_rooms_come_after_older_ones(open_store: OpenStore) -> None:
    store = open_store(rooms=[fixture("room_older01", "2026-01-01T00:00:00Z")])
    made = [store.create(f"r{index}").id for index in range(5)]
    listed = [room.id for room in store.list(100, 0).rooms]
    assert listed[0] == "room_older01"
    assert sorted(listed[1:]) == sorted(made)
    order = [(room.created_at, room.id) for room in store.list(100, 0).rooms]
    assert order == sorted(order)


def test_rooms_made_in_the_same_millisecond_sort_by_id() -> None:
    clock = FixedClock()
    store = RoomStore(clock=clock)
    for _ in range(20):
        clock.now += timedelta(microseconds=10)  # 20 rooms inside one shown millisecond
        store.create("same instant")
    listed = [room.to_json() for room in store.list(100, 0).rooms]
    assert len({room["created_at"] for room in listed}) == 1
    assert [room["id"] for room in listed] == sorted(room["id"] for room in listed)


@pytest.mark.parametrize("offset", [5, 10**6, 2**63, 10**30])
def test_offset_past_the_end_is_an_empty_page(open_store: OpenStore, offset: int) -> None:
    store = open_store()
    store.create("A")
    page = store.list(20, offset)
    assert (page.rooms, page.total, page.offset) == ([], 1, offset)


def test_ids_are_never_reused_after_a_delete_even_with_a_seed(open_store: OpenStore) -> None:
    store = open_store(seed=7)
    first = store.create("A")
    store.delete(first.id)
    second = store.create("B")
    assert second.id != first.id
    assert open_store(seed=7).create("A").id == first.id  # the seed does repeat across stores
    assert RoomStore(seed=7).create("A").id == first.id  # and the same on either kind


def test_seed_gives_the_same_ids_and_timestamps_and_reset_restarts_them(
    open_store: OpenStore,
) -> None:
    one, two = open_store(seed=3), open_store(seed=3)
    made = [one.create("x").to_json() for _ in range(3)]
    assert made == [two.create("x").to_json() for _ in range(3)]
    memory = RoomStore(seed=3)
    assert made == [memory.create("x").to_json() for _ in range(3)]
    assert made[0]["created_at"] == "2026-01-06T10:00:01.000Z"
    assert one.end(made[0]["id"]).to_json()["ended_at"] == "2026-01-06T10:00:04.000Z"
    one.reset([])
    assert one.create("x").to_json() == made[0]


def test_a_generated_id_a_fixture_holds_is_skipped(open_store: OpenStore) -> None:
    upcoming = RoomStore(seed=5)
    first, second = upcoming.create("a").id, upcoming.create("b").id
    store = open_store(seed=5, rooms=[fixture(first, "2026-01-01T00:00:00Z")])
    assert store.create("new").id == second
    assert store.get(first).name == "Fixture"


def test_the_room_cap_refuses_creates_and_changes_nothing(open_store: OpenStore) -> None:
    store = open_store(max_rooms=2)
    rooms = [store.create("A"), store.create("B")]
    with pytest.raises(RoomLimitReached):
        store.create("C")
    assert {room.id for room in store.list(100, 0).rooms} == {room.id for room in rooms}
    store.delete(rooms[0].id)
    assert store.create("C").name == "C"


def test_reset_loads_copies_so_fixtures_survive_changes(open_store: OpenStore) -> None:
    room = fixture("room_fixture1", "2026-01-01T00:00:00Z")
    ended = fixture("room_ended01", "2026-01-01T00:00:00.5Z", status="ended")
    ended.ended_at = datetime(2026, 1, 2, tzinfo=UTC)
    store = open_store()
    store.reset([room, ended])
    store.update(room.id, name="Changed", config={"max_participants": 1})
    store.delete(ended.id)
    store.reset([room, ended])
    assert store.get(room.id).to_json() == room.to_json()
    assert store.get(ended.id).to_json() == ended.to_json()
    assert room.config == DEFAULT_CONFIG
    assert store.count() == 2


def test_a_new_rooms_timestamp_is_now_to_the_millisecond_and_its_text_says_the_same() -> None:
    store = RoomStore()
    before = datetime.now(UTC) - timedelta(milliseconds=1)  # created_at drops sub-milliseconds
    rooms = [store.create(f"Room {number}") for number in range(200)]
    after = datetime.now(UTC)
    for room in rooms:
        assert before <= room.created_at <= after
        assert room.created_at.microsecond % 1000 == 0
        assert room.created_text == format_timestamp(room.created_at)
        assert room.to_json()["created_at"] == room.created_text
    ended = store.end(rooms[-1].id)
    assert ended.ended_at is not None and ended.ended_at >= ended.created_at
