"""The faulty servers of the self-test: each breaks one rule of the contract, and the suite must
flag it with one of the rules it names (several can see the same fault first).

Most are the reference server with a fault of its own (`RoomsApi(name)`); the last few are the
correct reference behind a thin ASGI layer that breaks one rule on the way in or out, each
one a rule no fault above is caught by first (a fail-fast run stops at its first finding).
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import json
import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.contract_targets.reference import Choices, RoomsApi

Wrap = Callable[[ASGIApp], ASGIApp]
ROOM_PATH = re.compile(r"^/api/v1/rooms/(?P<id>[^/]+)$")
DEFAULT_CONFIG = {"max_participants": 100, "recording_enabled": False, "chat_enabled": True}
CONFIG_FIELDS = tuple(DEFAULT_CONFIG)
ROOM_FIELDS = ("name", "config")
INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class Fault:
    name: str
    breaks: str
    flagged_by: frozenset[str]
    wrap: Wrap | None = None
    options: tuple[str, ...] = ()
    """Options the suite needs to see it (a fault only `--exclusive` can tell)."""

    def server(self) -> ASGIApp:
        """The faulty server: the reference with this fault."""
        return RoomsApi(self.name) if self.wrap is None else self.wrap(RoomsApi())


def fault(
    name: str,
    breaks: str,
    *flagged_by: str,
    wrap: Wrap | None = None,
    options: tuple[str, ...] = (),
) -> Fault:
    return Fault(name, breaks, frozenset(flagged_by), wrap, options)


# --- thin ASGI layers over the correct reference ------------------------------------------


async def problem(send: Send, status: int, detail: str) -> None:
    titles = {400: "Bad Request", 422: "Unprocessable Content", 500: "Internal Server Error"}
    body = {"type": "about:blank", "title": titles[status], "status": status, "detail": detail}
    await send_json(send, status, [(b"content-type", b"application/problem+json")], body)


async def send_json(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: Any) -> None:
    content = json.dumps(body).encode()
    kept = [(name, value) for name, value in headers if name.lower() != b"content-length"]
    kept.append((b"content-length", str(len(content)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": kept})
    await send({"type": "http.response.body", "body": content})


def answering(when: Callable[[Scope], bool], status: int, detail: str) -> Wrap:
    """Answer the requests `when` picks with a problem of `status`, without the reference."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and when(scope):
                await problem(send, status, detail)
            else:
                await app(scope, receive, send)

        return faulty

    return wrap


Change = Callable[[Scope, int, list[tuple[bytes, bytes]], Any], tuple[int, Any] | None]


async def body_of(receive: Receive) -> bytes:
    """The request's whole body."""
    raw = b""
    while True:
        message = await receive()
        raw += message.get("body", b"")
        if not message.get("more_body"):
            return raw


def replaying(raw: bytes, receive: Receive) -> Receive:
    """`receive` that gives `raw` as the whole body, then waits on the connection."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return replay


async def answer_of(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    """The reference's answer, held: its start message and its whole body."""
    start: Message = {}
    chunks: list[bytes] = []

    async def held(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        else:
            chunks.append(message.get("body", b""))

    await app(scope, receive, held)
    return start, b"".join(chunks)


def rewriting(change: Change) -> Wrap:
    """Pass the reference's JSON answers through `change`, which gives a new status and body
    or None to leave the answer alone."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            start, raw = await answer_of(app, scope, receive)
            headers = list(start.get("headers", []))
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            changed = None if body is None else change(scope, start["status"], headers, body)
            if changed is None:
                await send(start)
                await send({"type": "http.response.body", "body": raw})
            else:
                await send_json(send, changed[0], headers, changed[1])

        return faulty

    return wrap


def reading(change: Callable[[Scope, Any], Any]) -> Wrap:
    """Pass JSON request bodies through `change` before the reference reads them."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["method"] not in ("POST", "PATCH"):
                await app(scope, receive, send)
                return
            raw = await body_of(receive)
            with suppress(ValueError):  # not JSON: the reference says so
                raw = json.dumps(change(scope, json.loads(raw))).encode()
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(raw)).encode()))
            await app({**scope, "headers": headers}, replaying(raw, receive), send)

        return faulty

    return wrap


def query_integer(scope: Scope, name: str) -> int | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name, [])
    return int(values[-1]) if values and re.fullmatch(r"[0-9]{1,30}", values[-1]) else None


def is_list(scope: Scope) -> bool:
    return scope["method"] == "GET" and scope["path"] == "/api/v1/rooms"


def offset_past_int32(scope: Scope) -> bool:
    offset = query_integer(scope, "offset")
    return is_list(scope) and offset is not None and offset > INT32_MAX


def get_in_whole_seconds(scope: Scope, status: int, headers: Any, body: Any) -> Any:
    if scope["method"] != "GET" or not ROOM_PATH.match(scope["path"]) or status != 200:
        return None
    return status, {**body, "created_at": body["created_at"][:19] + "Z"}


def list_counts_the_host(scope: Scope, status: int, headers: Any, body: Any) -> Any:
    if not is_list(scope) or status != 200:
        return None
    rooms = [
        {**room, "participant_count": room["participant_count"] + 1}
        if room["status"] == "active"
        else room
        for room in body["rooms"]
    ]
    return status, {**body, "rooms": rooms}


def list_errors_422(scope: Scope, status: int, headers: Any, body: Any) -> Any:
    if not is_list(scope) or status != 400:
        return None
    return 422, {**body, "status": 422, "title": "Unprocessable Content"}


def unknown_config_dropped(scope: Scope, body: Any) -> Any:
    if not isinstance(body, dict) or not isinstance(body.get("config"), dict):
        return body
    config = {key: value for key, value in body["config"].items() if key in CONFIG_FIELDS}
    return {**body, "config": config}


def config_filled_with_defaults(scope: Scope, body: Any) -> Any:
    if scope["method"] != "PATCH" or not isinstance(body, dict):
        return body
    if not isinstance(body.get("config"), dict):
        return body
    return {**body, "config": {**DEFAULT_CONFIG, **body["config"]}}


def malformed_id(scope: Scope) -> bool:
    found = ROOM_PATH.match(scope["path"]) or re.match(
        r"^/api/v1/rooms/([^/]+)/end$", scope["path"]
    )
    return found is not None and not re.fullmatch(r"room_[A-Za-z0-9]+", found[1])


# --- near misses (test_near_miss.py) -------------------------------------------------------

BOOLEAN_SPELLINGS = {"true": True, "false": False, "1": True, "0": False, 1: True, 0: False}


def leniently(value: Any, kind: type) -> Any:
    """What a lenient parser (an ORM's type coercion) makes of a value for a field of `kind`."""
    if kind is bool and not isinstance(value, bool) and value in BOOLEAN_SPELLINGS:
        return BOOLEAN_SPELLINGS[value]
    if kind is int and isinstance(value, float):
        return int(value)
    if kind is int and isinstance(value, str) and re.fullmatch(r"[0-9]+(\.0*)?", value):
        return int(float(value))
    return value


def update_coerces_types(scope: Scope, body: Any) -> Any:
    if scope["method"] != "PATCH" or not isinstance(body, dict):
        return body
    body = {
        key: value for key, value in body.items() if value is not None or key not in ROOM_FIELDS
    }
    config = body.get("config")
    if isinstance(config, dict):
        kinds = {"max_participants": int, "recording_enabled": bool, "chat_enabled": bool}
        body["config"] = {
            key: leniently(value, kinds.get(key, object))
            for key, value in config.items()
            if value is not None or key not in kinds
        }
    return body


def json_with_parameters(scope: Scope) -> bool:
    """A body whose Content-Type is a JSON type other than the bare `application/json`."""
    if scope["method"] not in ("POST", "PATCH"):
        return False
    media = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
    return media != "application/json" and ("json" in media.lower())


def renamed(change: Callable[[str], str], methods: tuple[str, ...]) -> Callable[[Scope, Any], Any]:
    """A request-body change that passes a string `name` through `change`."""

    def read(scope: Scope, body: Any) -> Any:
        if scope["method"] not in methods or not isinstance(body, dict):
            return body
        if not isinstance(body.get("name"), str):
            return body
        return {**body, "name": change(body["name"])}

    return read


def without_four_byte(name: str) -> str:
    """As a `utf8` (3-byte) MySQL column stores it: every character past U+FFFF a `?`."""
    return "".join("?" if ord(char) > 0xFFFF else char for char in name)


def counted_in_bytes(name: str) -> str:
    """A VARCHAR(200) of bytes: a name over 200 bytes is refused (made empty, which the
    reference refuses with a 400)."""
    return "" if len(name.encode()) > 200 else name


def ids_case_insensitive(app: ASGIApp) -> ASGIApp:
    """Room ids looked up whatever their case (a collation that ignores case)."""
    assert isinstance(app, RoomsApi)

    async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
        found = re.match(r"^/api/v1/rooms/([^/]+)(/end)?$", scope.get("path", ""))
        if scope["type"] == "http" and found:
            real = next((key for key in app.rooms if key.lower() == found[1].lower()), found[1])
            path = f"/api/v1/rooms/{real}{found[2] or ''}"
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await app(scope, receive, send)

    return faulty


# --- races (test_concurrency.py): a window between a read and the write that uses it ------

RACE_WINDOW_S = 0.005
"""How long a racy server waits between reading the state and writing from what it read (a
database round trip): long enough for a concurrent request to come in between."""


def room_request(scope: Scope, method: str, end: bool = False) -> str | None:
    """The room id of a `method` request to a room (or to its end), else None."""
    if scope["type"] != "http" or scope["method"] != method:
        return None
    found = re.match(r"^/api/v1/rooms/([^/]+)(/end)?$", scope.get("path", ""))
    return found[1] if found and bool(found[2]) == end else None


def racing(
    before: Callable[[RoomsApi, str], Any],
    after: Callable[[RoomsApi, str, Any], None],
    method: str,
    *,
    end: bool = False,
) -> Wrap:
    """A read-modify-write with a window: `before` reads the room's state, the server waits,
    `after` puts back what it read (a write from a stale read), then the reference answers."""

    def wrap(app: ASGIApp) -> ASGIApp:
        assert isinstance(app, RoomsApi)

        async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
            room_id = room_request(scope, method, end)
            if room_id is not None and room_id in app.rooms:
                seen = before(app, room_id)
                await asyncio.sleep(RACE_WINDOW_S)
                after(app, room_id, seen)
            await app(scope, receive, send)

        return faulty

    return wrap


def copy_of(app: RoomsApi, room_id: str) -> dict[str, Any]:
    room = app.rooms[room_id]
    return {**room, "config": dict(room["config"])}


def stale_room_written(app: RoomsApi, room_id: str, seen: dict[str, Any]) -> None:
    """The update then merges its changes into the room as it was read."""
    if room_id in app.rooms:
        app.rooms[room_id] = seen


def status_of(app: RoomsApi, room_id: str) -> str:
    return str(app.rooms[room_id]["status"])


def ended_as_read(app: RoomsApi, room_id: str, seen: str) -> None:
    """End checked `active` before the window: it ends the room again, whoever ended it."""
    if seen == "active" and room_id in app.rooms:
        app.rooms[room_id]["status"] = "active"
        app.rooms[room_id]["ended_at"] = None


PENDING_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("pending", default=None)


class CountedIds(RoomsApi):
    """Ids that count up, the next one read before the insert (`MAX(id) + 1`)."""

    def new_id(self) -> str:
        return PENDING_ID.get() or super().new_id()


def ids_counted_before_insert(_: ASGIApp) -> ASGIApp:
    app = CountedIds(choices=Choices(sequential_ids=True))

    async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == "/api/v1/rooms"
        ):
            number = len(app.issued) + 1
            await asyncio.sleep(RACE_WINDOW_S)
            token = PENDING_ID.set(f"room_{number:06d}")
            try:
                await app(scope, receive, send)
            finally:
                PENDING_ID.reset(token)
            return
        await app(scope, receive, send)

    return faulty


def total_counted_later(app: ASGIApp) -> ASGIApp:
    """List reads the page, then counts the rooms in a second query (no transaction)."""
    assert isinstance(app, RoomsApi)

    async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_list(scope):
            await app(scope, receive, send)
            return
        start, raw = await answer_of(app, scope, receive)
        await asyncio.sleep(RACE_WINDOW_S)
        body = json.loads(raw)
        if start["status"] == 200:
            body["total"] = len(app.rooms)
        await send_json(send, start["status"], list(start.get("headers", [])), body)

    return faulty


# --- the suite alone on the server (test_exclusive.py) -------------------------------------

KEPT_ROOMS = 60
GHOST_EVERY = 25


def keeps_newest_rooms(app: ASGIApp) -> ASGIApp:
    """A store that holds at most KEPT_ROOMS rooms and silently drops the oldest."""
    assert isinstance(app, RoomsApi)

    async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] == "POST" and is_rooms(scope):
            for room in app.order()[: max(0, len(app.rooms) - KEPT_ROOMS)]:
                del app.rooms[room["id"]]

    return faulty


def ghost_rooms(app: ASGIApp) -> ASGIApp:
    """Every GHOST_EVERY-th create inserts the room twice (a retried insert that was not
    idempotent): a room no client created, under another id."""
    assert isinstance(app, RoomsApi)
    creates = itertools.count(1)

    async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] == "POST" and is_rooms(scope):
            newest = app.order()[-1] if app.rooms else None
            if newest is not None and next(creates) % GHOST_EVERY == 0:
                app.add({**newest, "id": app.new_id(), "config": dict(newest["config"])})

    return faulty


def is_rooms(scope: Scope) -> bool:
    return bool(scope["path"] == "/api/v1/rooms")


# --- sequences (test_reference_model.py) ------------------------------------------------------


def refused_update_half_applied(app: ASGIApp) -> ASGIApp:
    """An update refused with a 400 still stores the `name` it carried (the handler wrote the
    fields it had checked before it met the wrong one)."""
    assert isinstance(app, RoomsApi)

    async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
        room_id = room_request(scope, "PATCH")
        if room_id is None:
            await app(scope, receive, send)
            return
        raw = await body_of(receive)
        status = 0

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await app(scope, replaying(raw, receive), watched)
        with suppress(ValueError):
            body = json.loads(raw)
            name = body.get("name") if isinstance(body, dict) else None
            if status == 400 and room_id in app.rooms and isinstance(name, str) and name:
                app.rooms[room_id]["name"] = name[:200]

    return faulty


SCHEMA = "response-schema"

FAULTS = (
    fault("default-recording-on", "create defaults recording_enabled to true", "create-defaults"),
    fault("create-trims-name", "create strips spaces around the name", "create-echoes"),
    fault(
        "new-room-has-participants",
        "a new room has participant_count 1",
        "create-new-room",
        "get-equals-create",
    ),
    fault("location-missing", "create sends no Location", "documented-headers", "create-location"),
    fault("location-wrong-id", "Location names another room", "create-location"),
    fault("id-reused", "ids count the rooms, so a delete frees one", "id-unique", SCHEMA),
    fault("id-pattern-wrong", "ids look like room-1a2b3c4d", SCHEMA, "documented-status"),
    fault(
        "patch-resets-config",
        "update resets config it was not sent",
        "patch-merges-config",
        "patch-empty",
    ),
    fault("patch-moves-created-at", "update moves created_at", "created-at-fixed"),
    fault("patch-not-persisted", "update answers but does not store", "patch-persists"),
    fault("empty-patch-400", "an empty update is refused", "patch-empty", "valid-accepted"),
    fault("patch-ended-allowed", "an ended room can be updated", "patch-ended-409"),
    fault(
        "read-only-accepted",
        "update ignores id, status and the other server fields",
        "read-only-fields",
        "invalid-rejected",
    ),
    fault("delete-hides-only", "a deleted room can still be read", "delete-permanent"),
    fault(
        "delete-keeps-total",
        "total counts every room ever created",
        "delete-permanent",
        "list-total",
    ),
    fault("end-without-ended-at", "end sets no ended_at", "end-marks-ended", SCHEMA),
    fault("end-resets-config", "end resets config to the defaults", "end-marks-ended"),
    fault("end-twice-200", "a second end answers 200", "end-twice-409", "documented-status"),
    fault("end-twice-moves-ended-at", "a second end moves ended_at", "end-twice-409"),
    fault(
        "ended-before-created",
        "ended_at is a second before created_at",
        "ended-at-order",
        "end-marks-ended",
    ),
    fault(
        "ended-not-listed", "ended rooms leave List", "end-stays", "list-total", "delete-permanent"
    ),
    fault("total-is-page-size", "total counts the page", "list-total"),
    fault("offset-ignored", "List always starts at the first room", "list-pages", "list-total"),
    fault("newest-first", "List puts the newest room first", "list-order", "list-pages"),
    fault("limit-not-echoed", "List always answers limit 20", "list-echoes-paging"),
    fault("default-limit-10", "List's default limit is 10", "list-echoes-paging"),
    fault(
        "offset-past-end-400",
        "an offset past the end is a 400",
        "list-offset-past-end",
        "valid-accepted",
    ),
    fault(
        "unknown-field-accepted",
        "create ignores unknown fields",
        "invalid-rejected",
        "closed-request-bodies",
        "read-only-fields",
    ),
    fault(
        "name-201-accepted",
        "names of 201 characters are accepted",
        "invalid-rejected",
        "name-characters",
    ),
    fault("max-participants-0-accepted", "max_participants 0 is accepted", "invalid-rejected"),
    fault("text-plain-accepted", "a text/plain body is read as JSON", "not-json-415"),
    fault("malformed-json-500", "malformed JSON is a 500", "no-5xx", "malformed-json-400"),
    fault(
        "error-not-problem-json",
        "errors are application/json",
        "media-types",
        "problem-details",
    ),
    fault("problem-status-mismatch", "every problem says status 400", "problem-details"),
    fault(
        "unknown-id-200-null",
        "an unknown id is a 200 with null",
        "unknown-id-404",
        "delete-permanent",
        SCHEMA,
    ),
    fault("no-allow-header", "a 405 without Allow", "paths-and-methods", "documented-headers"),
    fault("204-with-type", "a 204 has a Content-Type", "media-types"),
    fault("active-has-ended-at", "active rooms carry ended_at: null", SCHEMA, "create-new-room"),
    fault("extra-field", "rooms carry an undocumented owner field", SCHEMA),
    fault(
        "get-no-participant-count",
        "Get and List leave out participant_count",
        SCHEMA,
        "create-new-room",
    ),
    fault("timestamps-not-utc", "timestamps end in +02:00", SCHEMA),
    # The reference behind a thin layer (see above): rules no fault above is caught by first.
    fault(
        "get-whole-seconds",
        "Get reads created_at from a column of whole seconds",
        "get-equals-create",
        wrap=rewriting(get_in_whole_seconds),
    ),
    fault(
        "patch-replaces-config",
        "an update's config replaces the room's, the defaults filling the fields left out",
        "patch-merges-config",
        wrap=reading(config_filled_with_defaults),
    ),
    fault(
        "list-counts-the-host",
        "List counts the host as a participant of active rooms",
        "list-shows-rooms",
        wrap=rewriting(list_counts_the_host),
    ),
    fault(
        "config-drops-unknown-fields",
        "unknown fields inside config are dropped, not refused",
        "closed-request-bodies",
        "invalid-rejected",
        wrap=reading(unknown_config_dropped),
    ),
    fault(
        "malformed-id-400",
        "an id that is not room_ and letters or digits is a 400, not a 404",
        "unknown-id-404",
        wrap=answering(malformed_id, 400, "The id is malformed."),
    ),
    fault(
        "list-errors-422",
        "a List with a bad limit or offset is a 422, as FastAPI answers",
        "documented-status",
        wrap=rewriting(list_errors_422),
    ),
    fault(
        "offset-32-bit-400",
        "stores offset in 32 bits: a valid offset past 2**31 - 1 is refused",
        "valid-accepted",
        wrap=answering(offset_past_int32, 400, "offset is out of range."),
    ),
    fault(
        "offset-32-bit-500",
        "stores offset in 32 bits: an offset past 2**31 - 1 overflows, a 500",
        "no-5xx",
        "documented-status",
        wrap=answering(offset_past_int32, 500, "integer overflow"),
    ),
    fault(
        "update-coerces-types",
        'update coerces types as an ORM does: null is left out, "5" and 100.5 are integers, '
        '"true" and 1 booleans',
        "wrong-type-400",
        "invalid-rejected",
        "reference-model",
        wrap=reading(update_coerces_types),
    ),
    fault(
        "json-parameters-415",
        "only a bare application/json is JSON: a charset, another case or a +json type is a 415",
        "json-media-types",
        wrap=answering(json_with_parameters, 415, "The body must be application/json."),
    ),
    fault(
        "names-lose-4-byte-characters",
        "names are stored in 3-byte UTF-8: each character past U+FFFF becomes ?",
        "name-characters",
        "create-echoes",
        "patch-merges-config",
        wrap=reading(renamed(without_four_byte, ("POST", "PATCH"))),
    ),
    fault(
        "update-trims-name",
        "update strips spaces around the name",
        "name-characters",
        "patch-merges-config",
        "reference-model",
        wrap=reading(renamed(str.strip, ("PATCH",))),
    ),
    fault(
        "name-counted-in-bytes",
        "a name's bound is 200 bytes, not 200 characters",
        "name-characters",
        "valid-accepted",
        wrap=reading(renamed(counted_in_bytes, ("POST", "PATCH"))),
    ),
    fault(
        "ids-case-insensitive",
        "ids are looked up whatever their case",
        "near-id-404",
        wrap=ids_case_insensitive,
    ),
    fault(
        "lost-update",
        "update reads the room, waits on the database, then writes its changes over what it "
        "read: a concurrent update is lost",
        "linearizable",
        wrap=racing(copy_of, stale_room_written, "PATCH"),
    ),
    fault(
        "ended-twice",
        "end checks that the room is active, then ends it: two ends at once both answer 200",
        "linearizable",
        wrap=racing(status_of, ended_as_read, "POST", end=True),
    ),
    fault(
        "duplicate-ids",
        "ids count up, the next one read before the insert: two creates at once get one id",
        "linearizable",
        "id-unique",
        wrap=ids_counted_before_insert,
    ),
    fault(
        "total-counted-later",
        "List reads its page, then counts the rooms in another query: page and total disagree",
        "linearizable",
        "list-total",
        wrap=total_counted_later,
    ),
    fault(
        "drops-old-rooms",
        f"the store keeps the newest {KEPT_ROOMS} rooms and silently drops older ones",
        "rooms-stay",
        "exclusive-total",
        wrap=keeps_newest_rooms,
        options=("--exclusive",),
    ),
    fault(
        "ghost-rooms",
        f"every {GHOST_EVERY}th create inserts the room twice, under two ids (a retried insert)",
        "exclusive-total",
        wrap=ghost_rooms,
        options=("--exclusive",),
    ),
    fault(
        "refused-update-half-applied",
        "an update refused with a 400 still stores the name it carried",
        "reference-model",
        wrap=refused_update_half_applied,
    ),
)
