"""The Schemathesis schema of the target, and the hooks that keep a shared server safe: one
notes every room Schemathesis creates, so the suite can delete it; two keep Schemathesis'
updates, ends and deletes away from rooms the suite did not create (the spec's example id
`room_abc123` may well exist)."""

from __future__ import annotations

import re
import secrets
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import orjson
from schemathesis import Case, HookContext, Response

from ._schemathesis import Hooks, Schema, is_stateful, load_schema
from .client import LEDGER
from .target import current

MUTATING = {"updateRoom", "endRoom", "deleteRoom"}
ROOM_ID = re.compile(r"^room_[A-Za-z0-9]{6,32}$")


@cache
def suite_schema() -> Schema:
    """The session target's schema, loaded once for all the suite's modules."""
    return load_schema(current(), Hooks(record_rooms, spare_generated, spare_listed))


def is_foreign(operation: Any, path_parameters: dict[str, Any] | None) -> bool:
    """An update, end or delete of a well-formed id the suite did not create: it could be
    someone's room. Malformed ids cannot name a room; ids from links are the suite's own."""
    room_id = (path_parameters or {}).get("id")
    return (
        operation is not None
        and operation.definition.raw.get("operationId") in MUTATING
        and isinstance(room_id, str)
        and ROOM_ID.match(room_id) is not None
        and room_id not in LEDGER.created
    )


def spare_generated(
    context: HookContext, path_parameters: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Generated data (fuzzing, stateful) never names a foreign room."""
    if is_foreign(context.operation, path_parameters):
        return {**(path_parameters or {}), "id": unassigned_id()}
    return path_parameters


def spare_listed(context: HookContext, case: Case, kwargs: dict[str, Any]) -> None:
    """Examples and coverage cases (not generated through hooks) never name one either.

    Stateful cases are left alone: an id changed here would look to Schemathesis as if it
    came from a link."""
    if not is_stateful(case) and is_foreign(case.operation, case.path_parameters):
        case.path_parameters = {**case.path_parameters, "id": unassigned_id()}


def unassigned_id() -> str:
    return "room_" + secrets.token_hex(16)


def record_rooms(context: HookContext, case: Case, response: Response) -> None:
    """Keep the ledger of created rooms current for every request Schemathesis sends."""
    request_url = response.request.url or ""
    try:
        body = orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        body = None
    LEDGER.record(case.method.upper(), urlsplit(request_url).path, response.status_code, body)
