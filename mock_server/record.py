"""`--record DIR`: the rooms of valid backend answers, kept and written as a fixture file, so a
frontend can go back to the offline mock (`--fixtures DIR`) with the backend's data.

Only answers that broke no rule count. The newest view of a room wins (a delete drops it); a
view without `participant_count` (create and update answer a Room) keeps the count seen before,
else 0. On stop the rooms are checked as any fixture is (`fixtures.rooms_from_document`) and
written whole (a temporary file, then a rename) as DIR/recorded.json.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import orjson

from rooms_spec.validators import Validators

from .fixtures import FixtureError, rooms_from_document

FILE_NAME = "recorded.json"
ROOM_ANSWERS = ("createRoom", "getRoom", "updateRoom", "endRoom")
logger = logging.getLogger("mock_server.record")


class Recorder:
    """The rooms seen, by id, at most `max_rooms` (the oldest seen first dropped past it)."""

    def __init__(self, directory: Path, validators: Validators, max_rooms: int) -> None:
        self.path = directory / FILE_NAME
        self.validators = validators
        self.max_rooms = max_rooms
        self.rooms: dict[str, dict[str, Any]] = {}

    def saw(self, operation: str | None, status: int, path: str, body: Any) -> None:
        """One valid backend answer of `operation` (its status, request path, JSON body)."""
        if operation == "deleteRoom" and status == 204:
            self.rooms.pop(path.rstrip("/").rsplit("/", 1)[-1], None)
        elif operation in ROOM_ANSWERS and 200 <= status < 300:
            self._keep(body)
        elif operation == "listRooms" and status == 200 and isinstance(body, dict):
            for room in body.get("rooms") or []:
                self._keep(room)

    def _keep(self, room: Any) -> None:
        if not isinstance(room, dict) or not isinstance(room.get("id"), str):
            return
        before = self.rooms.pop(room["id"], {})
        count = room.get("participant_count", before.get("participant_count", 0))
        self.rooms[room["id"]] = {**room, "participant_count": count}
        while len(self.rooms) > self.max_rooms:
            self.rooms.pop(next(iter(self.rooms)))

    def write(self) -> Path | None:
        """Write the fixture file; None (and one log line) when its rooms do not load back."""
        document = {"rooms": list(self.rooms.values())}
        try:
            rooms_from_document(document, self.validators, str(self.path))
        except FixtureError as error:
            logger.error("not written: %s", error)
            return None
        partial = self.path.with_suffix(".json.partial")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
            os.replace(partial, self.path)
        except OSError as error:
            logger.error("not written: %s: %s", self.path, error.strerror or error)
            return None
        logger.info("recorded %d room(s) in %s", len(self.rooms), self.path)
        return self.path
