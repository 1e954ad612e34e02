"""The tables and the checker behind the near-miss and concurrency layers, on their own: every
field of the spec's request bodies gets its wrong types, near ids are never the real one nor
an id a counting server gave another room, and the smallest unexplained history is one no
order explains and that needs every call it keeps."""

from __future__ import annotations

import re

import pytest

from contract_tests.suite.linearizable import Op, linearizable, smallest, timeline
from contract_tests.suite.near_miss import (
    JSON_MEDIA_TYPES,
    name_bounds,
    names,
    near_ids,
    request_fields,
    too_long,
    with_value,
    wrong_values,
)
from rooms_spec import load_spec

SPEC = load_spec()
ID = re.compile(r"^room_[A-Za-z0-9]{6,32}$")


@pytest.mark.parametrize("operation", ["createRoom", "updateRoom"])
def test_every_request_field_has_its_wrong_types(operation: str) -> None:
    fields = {field.path: field for field in request_fields(SPEC, operation)}
    assert set(fields) == {
        (),
        ("name",),
        ("config",),
        ("config", "max_participants"),
        ("config", "recording_enabled"),
        ("config", "chat_enabled"),
    }
    assert None in wrong_values(fields[("name",)])
    integer = wrong_values(fields[("config", "max_participants")])
    assert "5" in integer and 100.5 in integer and True in integer
    boolean = wrong_values(fields[("config", "chat_enabled")])
    assert all(value in boolean for value in (0, 1, "true", "false", None))
    assert not any(value is True or value is False for value in boolean)
    for field in fields.values():
        assert field.valid not in [v for v in wrong_values(field) if type(v) is type(field.valid)]


def test_a_wrong_value_goes_where_its_field_is() -> None:
    assert with_value({"name": "x"}, ("config", "chat_enabled"), None) == {
        "name": "x",
        "config": {"chat_enabled": None},
    }
    assert with_value({"name": "x"}, (), []) == []


@pytest.mark.parametrize("room_id", ["room_abcDEF123xyz", "room_000001", "room_ABCDEF"])
def test_near_ids_differ_by_case_or_one_character(room_id: str) -> None:
    near = dict(near_ids(room_id))
    assert len(near) >= 5
    assert room_id not in near.values()
    for other in near.values():
        if other.lower() != room_id.lower():
            assert abs(len(other) - len(room_id)) <= 3  # one character, or one encoded space
        if ID.match(other) and other[5:].isdigit():
            pytest.fail(f"{other} could be the id a counting server gave another room")


def test_names_sit_on_the_bounds_in_every_width() -> None:
    shortest, longest = name_bounds(SPEC)
    assert (shortest, longest) == (1, 200)
    allowed = [name for _, name in names(shortest, longest)]
    assert all(shortest <= len(name) <= longest for name in allowed)
    assert {len(name.encode()) for name in allowed} >= {200, 400, 600, 800}
    assert all(len(name) == longest + 1 for _, name in too_long(longest))
    assert all("json" in media.lower() for media in JSON_MEDIA_TYPES)


ROOM = {
    "id": "room_abcdef",
    "name": "A",
    "status": "active",
    "config": {"max_participants": 100, "recording_enabled": False, "chat_enabled": True},
    "created_at": "2026-01-06T10:00:00Z",
}


def op(kind: str, start: float, end: float, code: int = 200, **fields: object) -> Op:
    status = code
    room = {**ROOM, **fields} if status in (200, 201) and kind != "delete" else None
    request = {"name": fields["name"]} if kind == "patch" else None
    if kind == "create":
        request = {"name": "A"}
    return Op("room_abcdef", kind, start, end, status, request, room)


def test_the_smallest_unexplained_history_keeps_only_what_it_needs() -> None:
    history = [
        op("create", 0, 1, 201),
        op("read", 2, 3),
        op("patch", 4, 5, name="B"),
        op("read", 6, 7, name="B"),
        op("read", 8, 9, name="A"),  # the rename, lost
        op("read", 10, 11, name="A"),
    ]
    assert not linearizable(history)
    least = smallest(history)
    assert not linearizable(least)
    assert [item.kind for item in least] == ["create", "patch", "read"]
    for index in range(1, len(least)):
        assert linearizable(least[:index] + least[index + 1 :])
    lines = timeline(least, 0.0)
    assert len(lines) == 3 and "4000.0 to" in lines[1] and "patch -> 200" in lines[1]


def test_ended_at_is_compared_as_a_time_not_as_text() -> None:
    """Timestamps with and without a fraction: `10:00:00Z` is before `10:00:00.5Z`."""
    ended = {"status": "ended", "ended_at": "2026-01-06T10:00:00.5Z"}
    history = [op("create", 0, 1, 201), op("end", 2, 3, **ended)]
    assert linearizable(history)
