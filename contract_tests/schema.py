"""The Schemathesis schema of the target: the spec, the target's URL and headers, the run's
budget, and two hooks that keep a shared server safe: one notes every room Schemathesis
creates, so the suite can delete it; one keeps Schemathesis' updates, ends and deletes away
from rooms the suite did not create (the spec's example id `room_abc123` may well exist)."""

from __future__ import annotations

import re
import secrets
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import orjson
import schemathesis
from schemathesis import Case, HookContext, Response
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.schemas import OpenApiSchema

from .client import LEDGER
from .target import Target, current


def schemathesis_config(target: Target) -> SchemathesisConfig:
    settings: dict[str, Any] = {
        "generation": {
            "mode": "all",
            "max-examples": target.max_examples,
            "database": "none",
            "no-shrink": target.fail_fast,
        },
        # Links come from the spec only: inferred ones may read list output, whose content
        # depends on server state, and make the state machine flaky.
        "phases": {"stateful": {"inference": {"algorithms": []}}},
    }
    if target.seed is not None:
        settings["seed"] = target.seed
    return SchemathesisConfig.from_dict(settings)


@cache
def suite_schema() -> OpenApiSchema:
    """The session target's schema, loaded once for all the suite's modules."""
    return load_schema(current())


def load_schema(target: Target) -> OpenApiSchema:
    schema = schemathesis.openapi.from_path(target.spec, config=schemathesis_config(target))
    schema.config.update(
        base_url=target.base_url,
        headers=dict(target.headers),
        request_timeout=target.request_timeout,
    )
    schema.hooks.register_hook_with_name(record_rooms, "after_call")
    schema.hooks.register_hook_with_name(spare_generated, "map_path_parameters")
    return schema


MUTATING = {"updateRoom", "endRoom", "deleteRoom"}
ROOM_ID = re.compile(r"^room_[A-Za-z0-9]{6,32}$")


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


@schemathesis.hook("before_call")
def spare_listed(context: HookContext, case: Case, kwargs: dict[str, Any]) -> None:
    """Examples and coverage cases (not generated through hooks) never name one either.

    Stateful cases are left alone: an id changed here would look to Schemathesis as if it
    came from a link."""
    stateful = case.meta is not None and case.meta.phase.name == TestPhase.STATEFUL
    if not stateful and is_foreign(case.operation, case.path_parameters):
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
