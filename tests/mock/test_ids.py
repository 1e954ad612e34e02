"""Room ids: never twice in a store's life, by the permutation's property, with no memory.

Uniqueness is not left to luck: the ids are a counter through a permutation, so
they are distinct exactly when the permutation is a bijection. That is checked
whole on a domain of 2**20 (the same code, halves of 10 bits instead of 35),
and at full size on the first million ids of a store, plus values spread over
the whole domain mapped back to their counter.
"""

from __future__ import annotations

import random
import re
import time
from array import array
from itertools import pairwise

import pytest

from mock_server.ids import (
    ID_LENGTH,
    IdSequence,
    IdsExhausted,
    Permutation,
    decode,
    encode,
    key_of,
)
from mock_server.store import DEFAULT_CONFIG, Room, RoomStore
from tests.support.stores import OpenStore

ROOM_ID = re.compile(r"^room_[A-Za-z0-9]{6,32}$")
FULL_SIZE = 1_000_000


def test_the_permutation_is_a_bijection_on_a_domain_checked_whole() -> None:
    permutation = Permutation(key_of(11), half_bits=10)
    size = permutation.size
    assert size == 2**20
    seen = bytearray(size)
    for value in range(size):
        image = permutation(value)
        assert 0 <= image < size and not seen[image], (value, image)
        seen[image] = 1
    assert all(seen)  # onto: every value of the domain is an image


def test_a_small_sequence_hands_out_every_id_once_then_stops() -> None:
    ids = IdSequence(seed=3, half_bits=6)  # 4,096 ids: the whole code path, ids and all
    issued = [next(ids) for _ in range(4096)]
    assert len(set(issued)) == 4096
    assert all(ROOM_ID.match(room_id) for room_id in issued)
    assert [ids.index_of(room_id) for room_id in issued] == list(range(4096))
    with pytest.raises(IdsExhausted):
        next(ids)


def test_a_million_full_size_ids_from_one_store_are_all_different() -> None:
    """The ids a store hands out first, at full size: no two alike. Each is kept as its
    64-bit hash (8 bytes, not 70): distinct hashes are distinct ids, and a collision of
    two different ids' hashes (odds about 1 in 30 million) could only fail the test."""
    ids = IdSequence(seed=None)
    started = time.perf_counter()
    ordered = sorted(array("q", (hash(next(ids)) for _ in range(FULL_SIZE))))
    assert all(a != b for a, b in pairwise(ordered))
    print(f"\n{FULL_SIZE:,} ids, no repeat, in {time.perf_counter() - started:.1f} s")


def test_full_size_ids_map_back_to_their_counter_over_the_whole_domain() -> None:
    """`index_of(id) == n`: an id names exactly one counter value, near 0 and near 2**70."""
    ids = IdSequence(seed=None)
    permutation = ids._permutation
    spread = random.Random(17)
    values = [*range(1000), *(spread.getrandbits(70) for _ in range(20_000)), 2**70 - 1]
    for value in values:
        room_id = "room_" + encode(permutation(value))
        assert ROOM_ID.match(room_id) and ids.index_of(room_id) == value, value
    assert ids.index_of("room_abc123") is None  # a fixture's id no counter gives


def test_every_value_of_the_domain_is_twelve_characters_both_ways() -> None:
    for value in (0, 1, 61, 62, 3843, 3844, 2**35, 2**70 - 1, 62**ID_LENGTH - 1):
        text = encode(value)
        assert len(text) == ID_LENGTH and decode(text) == value
    with pytest.raises(ValueError):
        encode(62**ID_LENGTH)


def test_ids_match_the_spec_pattern_and_look_random() -> None:
    ids = IdSequence()
    issued = [next(ids) for _ in range(10_000)]
    assert all(ROOM_ID.match(room_id) for room_id in issued)
    assert all(len(room_id) == len("room_") + ID_LENGTH for room_id in issued)
    # Consecutive counters give unrelated ids: no shared prefix beyond chance.
    shared = sum(a[5:8] == b[5:8] for a, b in pairwise(issued))
    assert shared < 10
    last_characters = {room_id[-1] for room_id in issued}
    assert len(last_characters) == 62  # the last character takes every letter and digit


def test_a_seed_gives_the_same_ids_and_another_seed_others() -> None:
    first = [next(IdSequence(seed=42)) for _ in range(3)]
    one, two, other = IdSequence(seed=42), IdSequence(seed=42), IdSequence(seed=43)
    made = [next(one) for _ in range(100)]
    assert made == [next(two) for _ in range(100)]
    assert not set(made) & {next(other) for _ in range(100)}
    assert first == [made[0]] * 3
    unseeded = [next(IdSequence()) for _ in range(2)]
    assert unseeded[0] != unseeded[1]  # a random key for each unseeded sequence


def test_a_seeded_store_gives_the_same_ids_after_every_reset() -> None:
    store = RoomStore(seed=9)
    before = [store.create("x").id for _ in range(50)]
    for room_id in before[::2]:
        store.delete(room_id)
    for _ in range(3):
        store.reset([])
        assert [store.create("x").id for _ in range(50)] == before


def test_an_unseeded_store_never_repeats_an_id_across_deletes_and_resets(
    open_store: OpenStore, mock_store: dict[str, str]
) -> None:
    rounds = 20 if mock_store else 200  # 1,000 ids over Redis (a round trip each), or 10,000
    store = open_store(max_rooms=100)
    seen: set[str] = set()
    for round_ in range(rounds):
        rooms = [store.create("x") for _ in range(50)]
        for room in rooms:
            assert room.id not in seen
            seen.add(room.id)
            store.delete(room.id)
        if round_ % 10 == 0:
            store.reset([])
    assert len(seen) == rounds * 50


def test_deleted_ids_leave_nothing_behind() -> None:
    """The store's memory is its rooms: after a million creates and deletes it holds
    what it held after the first, and the id state is one counter."""
    store = RoomStore(max_rooms=10)
    for _ in range(20_000):
        store.delete(store.create("x").id)
    assert len(store) == 0 and not store._order
    assert store._ids.issued == 20_000
    assert set(vars(store._ids)) == {"_permutation", "issued"}


def test_a_generated_id_a_fixture_holds_is_skipped() -> None:
    upcoming = IdSequence(seed=5)
    first, second = next(upcoming), next(upcoming)
    fixture = Room.from_json(
        {
            "id": first,
            "name": "Fixture",
            "status": "active",
            "participant_count": 0,
            "config": dict(DEFAULT_CONFIG),
            "created_at": "2026-01-01T00:00:00Z",
        }
    )
    store = RoomStore(seed=5)
    store.reset([fixture])
    created = store.create("new")
    assert created.id == second
    assert store.get(first).name == "Fixture"
