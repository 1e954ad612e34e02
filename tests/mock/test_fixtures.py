"""Seed rooms: the bundled ones are valid and useful; bad files fail in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mock_server.fixtures import FixtureError, load_fixtures
from rooms_spec.validators import Validators
from tests.support.mock import room_json

GOOD = room_json()


def test_bundled_fixtures_hold_the_rooms_a_frontend_needs(
    fixtures_dir: Path, validators: Validators
) -> None:
    rooms = {room.id: room for room in load_fixtures(fixtures_dir, validators)}
    cs101 = rooms["room_abc123"]
    assert (cs101.name, cs101.participant_count) == ("CS101 Lecture", 25)
    assert any(room.status == "ended" and room.ended_at for room in rooms.values())
    assert sum(room.participant_count > 0 for room in rooms.values()) >= 2


def write(tmp_path: Path, content: object, name: str = "rooms.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ([GOOD], 'expected an object {"rooms": [...]}'),
        ({"rooms": [GOOD], "extra": 1}, "unknown top-level field(s): extra"),
        ({"rooms": [{**GOOD, "status": "paused"}]}, "rooms[0]"),
        ({"rooms": [{**GOOD, "name": ""}]}, "/name"),
        ({"rooms": [GOOD, GOOD]}, "the id room_good01 is used twice"),
        (
            {"rooms": [{**GOOD, "status": "ended", "ended_at": "2025-01-01T00:00:00Z"}]},
            "ended_at is before created_at",
        ),
        ({"rooms": [{k: v for k, v in GOOD.items() if k != "participant_count"}]}, "required"),
    ],
)
def test_a_bad_fixture_file_is_one_line_naming_the_file(
    tmp_path: Path, validators: Validators, content: object, message: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(FixtureError) as error:
        load_fixtures(path, validators)
    text = str(error.value)
    assert str(path) in text and message in text and "\n" not in text


def test_a_directory_loads_every_json_file_and_refuses_ids_in_two_files(
    tmp_path: Path, validators: Validators
) -> None:
    write(tmp_path, {"rooms": [GOOD]}, "a.json")
    write(tmp_path, {"rooms": [{**GOOD, "id": "room_good02"}]}, "b.json")
    assert [room.id for room in load_fixtures(tmp_path, validators)] == [
        "room_good01",
        "room_good02",
    ]
    write(tmp_path, {"rooms": [GOOD]}, "c.json")
    with pytest.raises(FixtureError, match="also defined in"):
        load_fixtures(tmp_path, validators)


def test_a_missing_path_is_an_error(tmp_path: Path, validators: Validators) -> None:
    with pytest.raises(FixtureError, match="no such file or directory"):
        load_fixtures(tmp_path / "missing.json", validators)
