"""The store's memory layout: configs shared and read-only, ids from a counter alone."""

from __future__ import annotations

import pytest

from mock_server.store import RoomStore


def test_rooms_with_the_same_config_share_one_read_only_mapping() -> None:
    store = RoomStore()
    first, second = store.create("A"), store.create("B")
    assert first.config is second.config
    with pytest.raises(TypeError):
        first.config["chat_enabled"] = False  # type: ignore[index]
    store.update(first.id, config={"chat_enabled": False})
    assert second.config["chat_enabled"] is True
    assert first.config == {**second.config, "chat_enabled": False}


def test_a_config_of_1_is_not_shared_with_one_of_true() -> None:
    store = RoomStore()
    one = store.create("A", {"max_participants": 1})
    assert store._shared({**one.config, "max_participants": True}) is not one.config


def test_ids_of_deleted_and_reset_rooms_are_never_issued_again() -> None:
    store = RoomStore(seed=None)
    deleted, kept = store.create("A"), store.create("B")
    store.delete(deleted.id)
    store.reset([])
    later = {store.create(str(index)).id for index in range(1000)}
    assert not {deleted.id, kept.id} & later
    assert store._ids.issued == 1002  # what is kept of them: one counter, no set of ids
