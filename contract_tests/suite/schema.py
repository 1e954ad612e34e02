"""The Schemathesis schema of the target, and the hooks that keep a shared server safe and the
run's record whole: one notes every exchange Schemathesis has (the journal, the rooms it
creates, so the suite can delete them), one notes which rule each of its checks judged, and two
keep Schemathesis' updates, ends and deletes away from rooms the suite did not create (the
spec's example id `room_abc123` may well exist).

Schemathesis opens a new connection for every request unless it is given a session; the suite
gives each thread one (`http_session`), so every layer keeps its connections alive.
"""

from __future__ import annotations

import http.cookiejar
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import cache
from typing import Any

import requests
from schemathesis import Case, HookContext, Response

from ._schemathesis import Hooks, Schema, is_stateful, load_schema
from .client import LEDGER, moves_rooms
from .exchange import Exchange
from .gate import ROOMS, check_stop
from .journal import JOURNAL, current_scope
from .rules import rule_of_check
from .target import current

MUTATING = {"updateRoom", "endRoom", "deleteRoom"}
ROOM_ID = re.compile(r"^room_[A-Za-z0-9]{6,32}$")
MAX_PENDING = 64


@cache
def suite_schema() -> Schema:
    """The session target's schema, loaded once for all the suite's modules."""
    hooks = Hooks(
        after_call=record_exchange,
        map_path_parameters=spare_generated,
        before_call=before_call,
        after_validate=record_checks,
    )
    return load_schema(current(), hooks)


_sessions = threading.local()
_all_sessions: list[requests.Session] = []


def http_session() -> requests.Session:
    """This thread's keep-alive session for Schemathesis' requests (cookies refused: each
    request stands alone, as Schemathesis sends it without a session)."""
    session: requests.Session | None = getattr(_sessions, "session", None)
    if session is None:
        session = requests.Session()
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        _sessions.session = session
        _all_sessions.append(session)
    return session


def close_sessions() -> None:
    while _all_sessions:
        _all_sessions.pop().close()


@contextmanager
def sending(case: Case) -> Iterator[None]:
    """A create or a delete waits while a check holds the room set still (`gate.py`)."""
    with ROOMS.changing() if moves_rooms(case.method.upper(), case.path) else nullcontext():
        yield


def is_foreign(operation: Any, path_parameters: dict[str, Any] | None) -> bool:
    """An update, end or delete of a well-formed id the suite did not create: it could be
    someone's room. Malformed ids cannot name a room; ids from links are the suite's own."""
    room_id = (path_parameters or {}).get("id")
    return (
        operation is not None
        and operation.definition.raw.get("operationId") in MUTATING
        and isinstance(room_id, str)
        and ROOM_ID.match(room_id) is not None
        and room_id not in LEDGER.snapshot()[0]
    )


def spare_generated(
    context: HookContext, path_parameters: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Generated data (fuzzing, stateful) never names a foreign room."""
    if is_foreign(context.operation, path_parameters):
        return {**(path_parameters or {}), "id": unassigned_id()}
    return path_parameters


def before_call(context: HookContext, case: Case, kwargs: dict[str, Any]) -> None:
    """Stop when the run stops; and examples and coverage cases (not generated through hooks)
    never name a foreign room either.

    Stateful cases are left alone: an id changed here would look to Schemathesis as if it
    came from a link."""
    check_stop()
    if not is_stateful(case) and is_foreign(case.operation, case.path_parameters):
        case.path_parameters = {**case.path_parameters, "id": unassigned_id()}


def unassigned_id() -> str:
    return "room_" + secrets.token_hex(16)


def exchange_of(response: Response) -> Exchange:
    """What Schemathesis sent and got, as the suite keeps every exchange."""
    request = response.request
    body = request.body
    return Exchange(
        method=str(request.method or "GET").upper(),
        url=str(request.url or ""),
        request_headers=tuple((str(k), str(v)) for k, v in request.headers.items()),
        request_body=body.encode() if isinstance(body, str) else _bytes_or_none(body),
        status=response.status_code,
        headers=tuple(
            (name, value) for name, values in response.headers.items() for value in values
        ),
        body=response.content,
        started=time.time() - response.elapsed,
        elapsed=response.elapsed,
    )


def _bytes_or_none(body: object) -> bytes | None:
    """A prepared body is bytes or None for everything Schemathesis sends (no streams)."""
    return bytes(body) if isinstance(body, bytes | bytearray) else None


_exchanges = threading.local()


def record_exchange(context: HookContext, case: Case, response: Response) -> None:
    """Keep the journal and the ledger of created rooms current for every request
    Schemathesis sends."""
    exchange = exchange_of(response)
    JOURNAL.sent(exchange)
    made, gone = LEDGER.record(exchange)
    scope = current_scope()
    if scope is not None:
        if made is not None:
            scope.rooms.add(made)
        scope.rooms.discard(gone or "")
    pending: dict[int, tuple[Response, Exchange]] = _exchanges.__dict__.setdefault("pending", {})
    if len(pending) > MAX_PENDING:  # answers no check looked at (sent by a check itself)
        pending.clear()
    pending[id(response)] = (response, exchange)


def record_checks(context: HookContext, case: Case, response: Response, results: list[Any]) -> None:
    """Each check Schemathesis ran on this response judged its rule; a failed one marks the
    exchange that broke it."""
    pending: dict[int, tuple[Response, Exchange]] = _exchanges.__dict__.setdefault("pending", {})
    kept = pending.pop(id(response), None)
    exchange = kept[1] if kept is not None and kept[0] is response else exchange_of(response)
    failed = False
    for result in results:
        JOURNAL.judged(rule_of_check(result.name).id, exchange)
        failed = failed or result.failure is not None
    scope = current_scope()
    if failed and scope is not None:
        scope.culprit = exchange.serial
