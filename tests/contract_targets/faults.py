"""The faulty servers of the self-test: each breaks one rule of the contract, and the suite must
flag it with one of the rules it names (several can see the same fault first).

Most are the reference server with a fault of its own (`RoomsApi(name)`); the last few are the
correct reference behind a thin ASGI layer that breaks one rule on the way in or out, each
one a rule no fault above is caught by first (a fail-fast run stops at its first finding).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.contract_targets.reference import RoomsApi

Wrap = Callable[[ASGIApp], ASGIApp]
ROOM_PATH = re.compile(r"^/api/v1/rooms/(?P<id>[^/]+)$")
DEFAULT_CONFIG = {"max_participants": 100, "recording_enabled": False, "chat_enabled": True}
CONFIG_FIELDS = tuple(DEFAULT_CONFIG)
INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class Fault:
    name: str
    breaks: str
    flagged_by: frozenset[str]
    wrap: Wrap | None = None

    def server(self) -> ASGIApp:
        """The faulty server: the reference with this fault."""
        return RoomsApi(self.name) if self.wrap is None else self.wrap(RoomsApi())


def fault(name: str, breaks: str, *flagged_by: str, wrap: Wrap | None = None) -> Fault:
    return Fault(name, breaks, frozenset(flagged_by), wrap)


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


def rewriting(change: Change) -> Wrap:
    """Pass the reference's JSON answers through `change`, which gives a new status and body
    or None to leave the answer alone."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            start: Message = {}
            chunks: list[bytes] = []

            async def held(message: Message) -> None:
                nonlocal start
                if message["type"] == "http.response.start":
                    start = message
                    return
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                raw = b"".join(chunks)
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

            await app(scope, receive, held)

        return faulty

    return wrap


def reading(change: Callable[[Scope, Any], Any]) -> Wrap:
    """Pass JSON request bodies through `change` before the reference reads them."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["method"] not in ("POST", "PATCH"):
                await app(scope, receive, send)
                return
            raw = b""
            while True:
                message = await receive()
                raw += message.get("body", b"")
                if not message.get("more_body"):
                    break
            with suppress(ValueError):  # not JSON: the reference says so
                raw = json.dumps(change(scope, json.loads(raw))).encode()
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(raw)).encode()))
            sent = False

            async def replay() -> Message:
                nonlocal sent
                if sent:
                    return await receive()
                sent = True
                return {"type": "http.request", "body": raw, "more_body": False}

            await app({**scope, "headers": headers}, replay, send)

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
    fault("name-201-accepted", "names of 201 characters are accepted", "invalid-rejected"),
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
)
