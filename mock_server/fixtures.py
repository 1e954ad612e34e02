"""Seed rooms: read from JSON files, validated against the spec, loaded at start.

A fixture file holds `{"rooms": [Room, ...]}`, each room as Get returns it. A
bad file stops the server with a one-line `FixtureError` naming the file and
the problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from rooms_spec.document import bundled_path
from rooms_spec.validators import Validators

from .store import Room


class FixtureError(Exception):
    """A fixture file that cannot be loaded; the message is one line."""


def default_fixtures_path() -> Path:
    """The bundled fixtures in an installed wheel, else the repository's own."""
    return bundled_path("fixtures")


def fixture_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.glob("*.json"))
    if path.is_file():
        return [path]
    raise FixtureError(f"{path}: no such file or directory")


def load_fixtures(path: Path, validators: Validators) -> list[Room]:
    """Every room in a file, or in every `*.json` file of a directory."""
    rooms: list[Room] = []
    seen: dict[str, Path] = {}
    for file in fixture_files(path):
        for room in rooms_from_file(file, validators):
            if room.id in seen:
                raise FixtureError(f"{file}: room {room.id} is also defined in {seen[room.id]}")
            seen[room.id] = file
            rooms.append(room)
    return rooms


def rooms_from_file(file: Path, validators: Validators) -> list[Room]:
    try:
        document = orjson.loads(file.read_bytes())
    except OSError as error:
        raise FixtureError(f"{file}: cannot read: {error.strerror}") from None
    except orjson.JSONDecodeError as error:
        raise FixtureError(f"{file}: not valid JSON: {error}") from None
    return rooms_from_document(document, validators, str(file))


def rooms_from_document(document: Any, validators: Validators, source: str) -> list[Room]:
    """Rooms from a parsed `{"rooms": [...]}` document; `source` names it in errors."""
    if not isinstance(document, dict) or not isinstance(document.get("rooms"), list):
        raise FixtureError(f'{source}: expected an object {{"rooms": [...]}}')
    if set(document) != {"rooms"}:
        unknown = ", ".join(sorted(set(document) - {"rooms"}))
        raise FixtureError(f"{source}: unknown top-level field(s): {unknown}")
    validator = validators.schema("RoomDetail")
    rooms: list[Room] = []
    ids: set[str] = set()
    for index, body in enumerate(document["rooms"]):
        where = f"{source}: rooms[{index}]"
        violations = validator.violations(body)
        if violations:
            raise FixtureError(f"{where}: {violations[0]}")
        room = Room.from_json(body)
        if room.ended_at is not None and room.ended_at < room.created_at:
            raise FixtureError(f"{where}: ended_at is before created_at")
        if room.id in ids:
            raise FixtureError(f"{where}: the id {room.id} is used twice")
        ids.add(room.id)
        rooms.append(room)
    return rooms
