"""A small, correct Rooms API, written apart from the mock, for the contract suite's self-test.

`RoomsApi(fault="name")` breaks exactly one rule (see `faults.FAULTS`); with no fault it
keeps every rule of the contract. Plain ASGI over a dict: the point is to be easy to read.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mock_server.spec import load_spec
from mock_server.validators import Validators

BASE = "/api/v1"
DEFAULT_CONFIG = {"max_participants": 100, "recording_enabled": False, "chat_enabled": True}
INTEGER = re.compile(r"[+-]?[0-9]+")
ROOM_PATH = re.compile(r"^/rooms/(?P<id>[^/]+)(?P<end>/end)?$")
ALLOW = {"rooms": "GET, POST", "room": "GET, PATCH, DELETE", "end": "POST"}
TITLES = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict"}
TITLES[415] = "Unsupported Media Type"
TITLES[500] = "Internal Server Error"
READ_ONLY = ("id", "status", "created_at", "participant_count", "ended_at")


class Refusal(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        self.status, self.detail, self.headers = status, detail, headers or {}


def timestamp(moment: datetime, fault: str | None) -> str:
    if fault == "timestamps-not-utc":
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "+02:00"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class RoomsApi:
    """The whole API as one ASGI app; `fault` names the one rule it breaks, if any."""

    def __init__(self, fault: str | None = None) -> None:
        self.fault = fault
        validators = Validators(load_spec())
        self.create_schema = validators.request_body("createRoom")
        self.update_schema = validators.request_body("updateRoom")
        self.rooms: dict[str, dict[str, Any]] = {}
        self.issued: set[str] = set()
        self.ever_created = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self.dispatch(request)
        except Refusal as refusal:
            response = self.problem(refusal.status, refusal.detail, refusal.headers)
        await response(scope, receive, send)

    # --- routing and HTTP edges ------------------------------------------------------------

    async def dispatch(self, request: Request) -> Response:
        path, method = request.url.path, request.method
        local = path[len(BASE) :] if path.startswith(BASE + "/") else None
        found = ROOM_PATH.match(local or "")
        kind = "rooms" if local == "/rooms" else ("end" if found and found["end"] else "room")
        if local != "/rooms" and not found:
            raise Refusal(404, f"No resource at {path}.")
        if method not in ALLOW[kind].split(", "):
            headers = {} if self.fault == "no-allow-header" else {"Allow": ALLOW[kind]}
            raise Refusal(405, f"{method} is not allowed on {path}.", headers)
        if kind == "rooms":
            if method == "GET":
                return self.list(request)
            return self.create(await self.body(request, "create"))
        room_id = found["id"] if found else ""
        if kind == "end":
            return self.end(room_id)
        if method == "GET":
            return self.get(room_id)
        if method == "DELETE":
            return self.delete(room_id)
        return self.update(room_id, await self.body(request, "update"))

    async def body(self, request: Request, operation: str) -> dict[str, Any]:
        raw = await request.body()
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        is_json = media == "application/json" or re.fullmatch(r"application/\S+\+json", media)
        if not media and not raw:
            raise Refusal(400, "The request needs a JSON body.")
        if not is_json and self.fault != "text-plain-accepted":
            raise Refusal(415, f"The body must be JSON, not {media or 'untyped'}.")
        try:
            body = json.loads(raw.decode("utf-8"), parse_constant=_not_json)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            if self.fault == "malformed-json-500":
                raise Refusal(500, "could not parse") from None
            raise Refusal(400, f"The body is not JSON: {error}") from None
        schema = self.create_schema if operation == "create" else self.update_schema
        violations = schema.violations(body)
        if self.fault == "unknown-field-accepted" and operation == "create":
            violations = [v for v in violations if "unknown field" not in v.message]
        if self.fault == "read-only-accepted" and operation == "update":
            violations = [v for v in violations if v.pointer.lstrip("/") not in READ_ONLY]
        if self.fault == "name-201-accepted":
            violations = [v for v in violations if "is too long" not in v.message]
        if self.fault == "max-participants-0-accepted":
            violations = [v for v in violations if "less than the minimum" not in v.message]
        if violations:
            raise Refusal(400, "; ".join(str(violation) for violation in violations))
        return {key: value for key, value in body.items() if key in ("name", "config")}

    def problem(self, status: int, detail: str, headers: dict[str, str]) -> Response:
        shown = 400 if self.fault == "problem-status-mismatch" else status
        body = {"type": "about:blank", "title": TITLES[status], "status": shown, "detail": detail}
        media = "application/json" if self.fault == "error-not-problem-json" else None
        return self.json(body, status, headers, media or "application/problem+json")

    def json(
        self,
        body: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
        media: str = "application/json",
    ) -> Response:
        content = json.dumps(body, ensure_ascii=False).encode()
        return Response(content, status, headers, media_type=media)

    # --- rooms -----------------------------------------------------------------------------

    def room(self, room_id: str) -> dict[str, Any]:
        if room_id not in self.rooms:
            raise Refusal(404, f"No room has the id {room_id!r}.")
        return self.rooms[room_id]

    def shown(self, room: dict[str, Any], *, detail: bool = True) -> dict[str, Any]:
        body = {key: value for key, value in room.items() if key[0] != "_" and key != "ended_at"}
        body["config"] = dict(room["config"])
        body["created_at"] = timestamp(room["created_at"], self.fault)
        if room.get("ended_at") is not None:
            body["ended_at"] = timestamp(room["ended_at"], self.fault)
        elif self.fault == "active-has-ended-at":
            body["ended_at"] = None
        if self.fault == "extra-field":
            body["owner"] = "system"
        if self.fault == "get-no-participant-count" and detail:
            del body["participant_count"]
        return body

    def order(self) -> list[dict[str, Any]]:
        rooms = sorted(self.rooms.values(), key=lambda room: (room["created_at"], room["id"]))
        return rooms[::-1] if self.fault == "newest-first" else rooms

    def new_id(self) -> str:
        if self.fault == "id-reused":
            return f"room_{len(self.rooms) + 1:06d}"
        if self.fault == "id-pattern-wrong":
            return "room-" + secrets.token_hex(4)
        while (room_id := "room_" + _random_text(12)) in self.issued:
            pass
        return room_id

    def create(self, body: dict[str, Any]) -> Response:
        now = datetime.now(UTC)
        defaults = {**DEFAULT_CONFIG, "recording_enabled": self.fault == "default-recording-on"}
        room = {
            "id": self.new_id(),
            "name": body["name"].strip() if self.fault == "create-trims-name" else body["name"],
            "status": "active",
            "participant_count": 1 if self.fault == "new-room-has-participants" else 0,
            "config": {**defaults, **body.get("config", {})},
            "created_at": now.replace(microsecond=now.microsecond // 1000 * 1000),
            "ended_at": None,
        }
        self.rooms[room["id"]] = room
        self.issued.add(room["id"])
        self.ever_created += 1
        location = {
            "location-missing": {},
            "location-wrong-id": {"Location": f"{BASE}/rooms/room_abc123"},
        }.get(self.fault or "", {"Location": f"{BASE}/rooms/{room['id']}"})
        return self.json(self.shown(room, detail=False), 201, location)

    def list(self, request: Request) -> Response:
        default_limit = 10 if self.fault == "default-limit-10" else 20
        limit = _query_integer(request, "limit", default_limit, 1, 100)
        offset = _query_integer(request, "offset", 0, 0, None)
        rooms = [
            room
            for room in self.order()
            if not room.get("_deleted")
            and not (self.fault == "ended-not-listed" and room["status"] == "ended")
        ]
        if self.fault == "offset-past-end-400" and offset >= len(rooms) > 0:
            raise Refusal(400, "offset is past the end")
        start = 0 if self.fault == "offset-ignored" else offset
        page = rooms[start : start + limit]
        total = {
            "total-is-page-size": len(page),
            "delete-keeps-total": self.ever_created,
        }.get(self.fault or "", len(rooms))
        echoed = 20 if self.fault == "limit-not-echoed" else limit
        body = {"rooms": [self.shown(room) for room in page], "total": total}
        return self.json({**body, "limit": echoed, "offset": offset})

    def get(self, room_id: str) -> Response:
        if room_id not in self.rooms and self.fault == "unknown-id-200-null":
            return self.json(None)
        return self.json(self.shown(self.room(room_id)))

    def update(self, room_id: str, changes: dict[str, Any]) -> Response:
        room = self.room(room_id)
        if room["status"] == "ended" and self.fault != "patch-ended-allowed":
            raise Refusal(409, f"The room {room_id!r} is ended.")
        if not changes and self.fault == "empty-patch-400":
            raise Refusal(400, "Nothing to update.")
        updated = {**room, **changes}
        base = DEFAULT_CONFIG if self.fault == "patch-resets-config" else room["config"]
        updated["config"] = {**base, **changes.get("config", {})}
        if self.fault == "patch-moves-created-at":
            updated["created_at"] = room["created_at"] + timedelta(seconds=1)
        if self.fault != "patch-not-persisted":
            self.rooms[room_id] = updated
        return self.json(self.shown(updated, detail=False))

    def end(self, room_id: str) -> Response:
        room = self.room(room_id)
        now = datetime.now(UTC)
        if room["status"] == "ended":
            if self.fault == "end-twice-moves-ended-at":
                room["ended_at"] = now
            if self.fault != "end-twice-200":
                raise Refusal(409, f"The room {room_id!r} is already ended.")
            return self.json(self.shown(room, detail=False))
        room["status"] = "ended"
        room["ended_at"] = max(now, room["created_at"])
        if self.fault == "ended-before-created":
            room["ended_at"] = room["created_at"] - timedelta(seconds=1)
        if self.fault == "end-without-ended-at":
            room["ended_at"] = None
        if self.fault == "end-resets-config":
            room["config"] = dict(DEFAULT_CONFIG)
        return self.json(self.shown(room, detail=False))

    def delete(self, room_id: str) -> Response:
        self.room(room_id)
        if self.fault == "delete-hides-only":
            self.rooms[room_id]["_deleted"] = True  # gone from List, still readable
        else:
            del self.rooms[room_id]
        headers = {"Content-Type": "application/json"} if self.fault == "204-with-type" else {}
        return Response(status_code=204, headers=headers)


def _query_integer(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not INTEGER.fullmatch(raw) or int(raw) < low or (high is not None and int(raw) > high):
        raise Refusal(400, f"{name} must be an integer from {low} to {high or 'any'}.")
    return int(raw)


def _random_text(length: int) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
