"""A small, correct Rooms API, written apart from the mock, for the contract suite's self-test.

`RoomsApi(fault="name")` breaks exactly one rule (see `faults.FAULTS`); with no fault it
keeps every rule of the contract. `RoomsApi(choices=Choices(...))` stays correct but answers
the way another real backend would (other id shapes, timestamps, headers, the choices the
contract leaves open; see `variants.VARIANTS`). Plain ASGI over a dict: the point is to be
easy to read.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import secrets
import string
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from rooms_spec import load_spec
from rooms_spec.validators import SchemaValidator, Validators

BASE = "/api/v1"
DEFAULT_CONFIG = {"max_participants": 100, "recording_enabled": False, "chat_enabled": True}
ROOM_PATH = re.compile(r"^/rooms/(?P<id>[^/]+)(?P<end>/end)?$")
ALLOW = {"rooms": "GET, POST", "room": "GET, PATCH, DELETE", "end": "POST"}
TITLES = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict"}
TITLES[415] = "Unsupported Media Type"
TITLES[500] = "Internal Server Error"
READ_ONLY = ("id", "status", "created_at", "participant_count", "ended_at")
QUERY = {"rooms": ("limit", "offset"), "room": (), "end": ()}
# How a query integer may be spelled: the reference takes a sign; `plain` refuses `+5`, `05`
# and `-0`; `unicode` also takes other scripts' digits (full-width 5), as Connexion does.
INTEGERS = {
    "signed": re.compile(r"[+-]?[0-9]+"),
    "plain": re.compile(r"0|[1-9][0-9]*"),
    "unicode": re.compile(r"[+-]?\d+"),
}
INT64_MAX = 2**63 - 1  # the contract's largest offset: most backends store it in 64 bits
PROBLEM_TYPES = "https://rooms.example/problems/"
PRELOADED_SINCE = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Choices:
    """How a correct server may differ from the reference: each field is a way real backends
    do it, and the defaults are the reference's own answers."""

    id_length: int = 12  # characters after `room_`: 6 to 32
    sequential_ids: bool = False  # room_000001, room_000002, ... (never reused)
    latency_s: float = 0.0  # added to every answer
    preloaded_rooms: int = 0  # rooms the server holds before the suite comes
    absolute_location: bool = False  # `Location: http://host:port/api/v1/rooms/{id}`
    fraction_digits: int = 3  # of the seconds in timestamps, 0 to 6; stored to this precision
    trim_fraction: bool = False  # drop trailing zeros (Go's RFC3339Nano): digits vary
    utc_suffix: Literal["Z", "+00:00"] = "Z"
    counts_everywhere: bool = True  # participant_count in create, update and end answers too
    max_offset: int | None = INT64_MAX  # a larger offset is a 400, as the contract says
    integers: Literal["signed", "plain", "unicode"] = "signed"
    repeated_query: Literal["last", "first", "400"] = "last"
    unknown_query_400: bool = False
    body_where_none_400: bool = False  # a body sent to GET, DELETE or end
    json_media: str = "application/json"
    problem_media: str = "application/problem+json"
    allow: dict[str, str] = field(default_factory=lambda: dict(ALLOW))
    lookup_before_body: bool = False  # update: 404 or 409 before looking at the body
    rich_problems: bool = False  # problem `type` URIs, `instance`, and `errors` for a 400
    head: bool = False  # HEAD on every path that has GET, and in `Allow`
    options: bool = False  # OPTIONS answered 204 with `Allow` on every path, and in `Allow`
    gzip: bool = False  # compress answers when the client accepts gzip
    chunked: bool = False  # JSON bodies streamed, with no Content-Length
    close_connections: bool = False  # `Connection: close` on every answer
    extra_headers: bool = False  # X-Request-Id, Cache-Control, an ETag on rooms
    json_style: Literal["compact", "pretty"] = "compact"  # pretty: indented, sorted, ASCII


class Refusal(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        self.status, self.detail, self.headers = status, detail, headers or {}
        self.errors = errors or []


def timestamp(moment: datetime, fault: str | None, choices: Choices) -> str:
    if fault == "timestamps-not-utc":
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "+02:00"
    fraction = f"{moment.microsecond:06d}"[: choices.fraction_digits]
    if choices.trim_fraction:
        fraction = fraction.rstrip("0")
    seconds = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return seconds + (f".{fraction}" if fraction else "") + choices.utc_suffix


def stored(moment: datetime, choices: Choices) -> datetime:
    """`moment` to the precision the server keeps: what it shows is what it orders by."""
    step = 10 ** (6 - choices.fraction_digits)
    return moment.replace(microsecond=moment.microsecond // step * step)


class RoomsApi:
    """The whole API as one ASGI app; `fault` names the one rule it breaks, if any, and
    `choices` how it answers where correct servers differ."""

    def __init__(self, fault: str | None = None, *, choices: Choices | None = None) -> None:
        self.fault = fault
        self.choices = choices or Choices()
        validators = Validators(load_spec())
        self.create_schema = _body_schema(validators, "createRoom")
        self.update_schema = _body_schema(validators, "updateRoom")
        self.rooms: dict[str, dict[str, Any]] = {}
        self.issued: set[str] = set()
        self.ever_created = 0
        self.methods = {kind: set(allow.split(", ")) for kind, allow in ALLOW.items()}
        if self.choices.head:
            self.methods = {kind: {*methods, "HEAD"} for kind, methods in self.methods.items()}
            self.methods["end"].discard("HEAD")
        if self.choices.options:
            self.methods = {kind: {*methods, "OPTIONS"} for kind, methods in self.methods.items()}
        self.app: ASGIApp = self.answer
        if self.choices.gzip:
            self.app = GZipMiddleware(self.app, minimum_size=20)
        self.preload(self.choices.preloaded_rooms)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self.dispatch(request)
        except Refusal as refusal:
            response = self.problem(request, refusal)
        self.decorate(request, response)
        if self.choices.latency_s:
            await asyncio.sleep(self.choices.latency_s)
        await response(scope, receive, send)

    def decorate(self, request: Request, response: Response) -> None:
        """The headers some servers add to every answer; none of them changes its meaning."""
        if self.choices.close_connections:
            response.headers["Connection"] = "close"
        if self.choices.extra_headers:
            response.headers["X-Request-Id"] = secrets.token_hex(8)
            response.headers["Cache-Control"] = "no-store"
            if request.method == "GET" and response.status_code == 200:
                response.headers["ETag"] = f'W/"{secrets.token_hex(6)}"'

    # --- routing and HTTP edges ------------------------------------------------------------

    async def dispatch(self, request: Request) -> Response:
        path, method = request.url.path, request.method
        local = path[len(BASE) :] if path.startswith(BASE + "/") else None
        found = ROOM_PATH.match(local or "")
        kind = "rooms" if local == "/rooms" else ("end" if found and found["end"] else "room")
        if local != "/rooms" and not found:
            raise Refusal(404, f"No resource at {path}.")
        if method not in self.methods[kind]:
            allow = self.allow(kind)
            headers = {} if self.fault == "no-allow-header" else {"Allow": allow}
            raise Refusal(405, f"{method} is not allowed on {path}.", headers)
        if method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": self.allow(kind)})
        query = self.query(request, kind)
        if method in ("GET", "HEAD", "DELETE") or kind == "end":
            await self.no_body(request)
        if kind == "rooms":
            if method in ("GET", "HEAD"):
                return self.list(query)
            return self.create(request, await self.body(request, "create"))
        room_id = found["id"] if found else ""
        if kind == "end":
            return self.end(room_id)
        if method in ("GET", "HEAD"):
            return self.get(room_id)
        if method == "DELETE":
            return self.delete(room_id)
        if self.choices.lookup_before_body:
            self.updatable(room_id)
        return self.update(room_id, await self.body(request, "update"))

    def allow(self, kind: str) -> str:
        allow = self.choices.allow[kind]
        if "HEAD" in self.methods[kind] and "HEAD" not in allow:
            allow = allow.replace("GET", "GET, HEAD")
        if "OPTIONS" in self.methods[kind] and "OPTIONS" not in allow:
            allow += ", OPTIONS"
        return allow

    def query(self, request: Request, kind: str) -> dict[str, str]:
        """The operation's query parameters, one value each, as this server reads them."""
        params = request.query_params
        unknown = sorted(set(params) - set(QUERY[kind]))
        if unknown and self.choices.unknown_query_400:
            raise Refusal(400, f"Unknown query parameter(s): {', '.join(unknown)}.")
        values = {}
        for name in QUERY[kind]:
            given = params.getlist(name)
            if len(given) > 1 and self.choices.repeated_query == "400":
                raise Refusal(400, f"{name} is given {len(given)} times; give it once.")
            if given:
                values[name] = given[0] if self.choices.repeated_query == "first" else given[-1]
        return values

    async def no_body(self, request: Request) -> None:
        if self.choices.body_where_none_400 and await request.body():
            raise Refusal(400, f"{request.method} {request.url.path} takes no body.")

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
            detail = "; ".join(str(violation) for violation in violations)
            raise Refusal(400, detail, errors=[violation.as_dict() for violation in violations])
        return {key: value for key, value in body.items() if key in ("name", "config")}

    def problem(self, request: Request, refusal: Refusal) -> Response:
        status = refusal.status
        shown = 400 if self.fault == "problem-status-mismatch" else status
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": TITLES[status],
            "status": shown,
            "detail": refusal.detail,
        }
        if self.choices.rich_problems:
            kind = TITLES[status].lower().replace(" ", "-")
            body = {**body, "type": PROBLEM_TYPES + kind, "instance": request.url.path}
            if refusal.errors:
                body["errors"] = refusal.errors
        media = "application/json" if self.fault == "error-not-problem-json" else None
        return self.json(body, status, refusal.headers, media or self.choices.problem_media)

    def json(
        self,
        body: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
        media: str | None = None,
    ) -> Response:
        media = media or self.choices.json_media
        if self.choices.json_style == "pretty":
            content = json.dumps(body, indent=2, sort_keys=True).encode() + b"\n"
        else:
            content = json.dumps(body, ensure_ascii=False).encode()
        if self.choices.chunked:
            return StreamingResponse(_chunks(content), status, headers, media_type=media)
        return Response(content, status, headers, media_type=media)

    # --- rooms -----------------------------------------------------------------------------

    def room(self, room_id: str) -> dict[str, Any]:
        if room_id not in self.rooms:
            raise Refusal(404, f"No room has the id {room_id!r}.")
        return self.rooms[room_id]

    def updatable(self, room_id: str) -> dict[str, Any]:
        room = self.room(room_id)
        if room["status"] == "ended" and self.fault != "patch-ended-allowed":
            raise Refusal(409, f"The room {room_id!r} is ended.")
        return room

    def shown(self, room: dict[str, Any], *, detail: bool = True) -> dict[str, Any]:
        body = {key: value for key, value in room.items() if key[0] != "_" and key != "ended_at"}
        body["config"] = dict(room["config"])
        body["created_at"] = timestamp(room["created_at"], self.fault, self.choices)
        if room.get("ended_at") is not None:
            body["ended_at"] = timestamp(room["ended_at"], self.fault, self.choices)
        elif self.fault == "active-has-ended-at":
            body["ended_at"] = None
        if self.fault == "extra-field":
            body["owner"] = "system"
        if self.fault == "get-no-participant-count" and detail:
            del body["participant_count"]
        if not detail and not self.choices.counts_everywhere:
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
        if self.choices.sequential_ids:
            return f"room_{len(self.issued) + 1:06d}"
        while (room_id := "room_" + _random_text(self.choices.id_length)) in self.issued:
            pass
        return room_id

    def add(self, room: dict[str, Any]) -> None:
        self.rooms[room["id"]] = room
        self.issued.add(room["id"])
        self.ever_created += 1

    def preload(self, count: int) -> None:
        """Rooms someone made before the suite came: older, two by two at the same moment (so
        ties go by id), every fifth ended, with participants and configs of all kinds."""
        draw = random.Random(count)
        for number in range(count):
            created = stored(PRELOADED_SINCE + timedelta(seconds=37 * (number // 2)), self.choices)
            ended = number % 5 == 4
            self.add(
                {
                    "id": self.new_id(),
                    "name": draw.choice(("CS101 Lecture", "Café ☕ hour", "Math 201", "x"))
                    + f" #{number}",
                    "status": "ended" if ended else "active",
                    "participant_count": 0 if ended else draw.randrange(0, 500),
                    "config": {
                        "max_participants": draw.randrange(1, 10001),
                        "recording_enabled": draw.random() < 0.5,
                        "chat_enabled": draw.random() < 0.5,
                    },
                    "created_at": created,
                    "ended_at": created + timedelta(minutes=45) if ended else None,
                }
            )

    def create(self, request: Request, body: dict[str, Any]) -> Response:
        now = stored(datetime.now(UTC), self.choices)
        defaults = {**DEFAULT_CONFIG, "recording_enabled": self.fault == "default-recording-on"}
        room = {
            "id": self.new_id(),
            "name": body["name"].strip() if self.fault == "create-trims-name" else body["name"],
            "status": "active",
            "participant_count": 1 if self.fault == "new-room-has-participants" else 0,
            "config": {**defaults, **body.get("config", {})},
            "created_at": now,
            "ended_at": None,
        }
        self.add(room)
        path = f"{BASE}/rooms/{room['id']}"
        if self.choices.absolute_location:
            path = str(request.base_url).rstrip("/") + path
        location = {
            "location-missing": {},
            "location-wrong-id": {"Location": f"{BASE}/rooms/room_abc123"},
        }.get(self.fault or "", {"Location": path})
        return self.json(self.shown(room, detail=False), 201, location)

    def list(self, query: dict[str, str]) -> Response:
        default_limit = 10 if self.fault == "default-limit-10" else 20
        limit = self.query_integer(query, "limit", default_limit, 1, 100)
        offset = self.query_integer(query, "offset", 0, 0, self.choices.max_offset)
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

    def query_integer(
        self, query: dict[str, str], name: str, default: int, low: int, high: int | None
    ) -> int:
        raw = query.get(name)
        if raw is None:
            return default
        spelled = INTEGERS[self.choices.integers].fullmatch(raw)
        if not spelled or int(raw) < low or (high is not None and int(raw) > high):
            where = {"in": "query", "pointer": f"/{name}", "message": f"{raw!r} is out of range"}
            detail = f"{name} must be an integer from {low} to {high or 'any'}."
            raise Refusal(400, detail, errors=[where])
        return int(raw)

    def get(self, room_id: str) -> Response:
        if room_id not in self.rooms and self.fault == "unknown-id-200-null":
            return self.json(None)
        return self.json(self.shown(self.room(room_id)))

    def update(self, room_id: str, changes: dict[str, Any]) -> Response:
        room = self.updatable(room_id)
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
        now = stored(datetime.now(UTC), self.choices)
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


async def _chunks(content: bytes, size: int = 64) -> AsyncIterator[bytes]:
    for start in range(0, len(content), size):
        yield content[start : start + size]


def _body_schema(validators: Validators, operation_id: str) -> SchemaValidator:
    schema = validators.request_body(operation_id)
    if schema is None:
        raise RuntimeError(f"the spec gives {operation_id} no JSON request body")
    return schema


def _random_text(length: int) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
