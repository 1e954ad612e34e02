"""Contract rules that hold for every response, run by Schemathesis beside its own checks.

Registering a check is global to the process, so only the suite's modules import this one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import orjson
import schemathesis
from schemathesis import Case, CheckContext, Response

from .rules import CREATE_LOCATION, ENDED_AT_ORDER, MEDIA_TYPES, PROBLEM_DETAILS, ContractRule
from .violation import ContractViolation, Violation


def _violation(rule: ContractRule, problem: str) -> ContractViolation:
    """Schemathesis shows the response and its curl line; the violation names the rule."""
    return ContractViolation(Violation((rule,), problem))


def _json(response: Response) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def _header(response: Response, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0] if values else None


@schemathesis.check
def problem_details(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx body is problem+json whose `status` is the HTTP code, with title and detail."""
    if not 400 <= response.status_code < 500:
        return None
    media_type = (_header(response, "content-type") or "").split(";", 1)[0].strip().lower()
    if media_type != "application/problem+json":
        raise _violation(PROBLEM_DETAILS, f"a {response.status_code} is {media_type!r}")
    body = _json(response)
    if not isinstance(body, dict) or body.get("status") != response.status_code:
        got = body.get("status") if isinstance(body, dict) else body
        raise _violation(
            PROBLEM_DETAILS, f"a {response.status_code} whose problem `status` is {got!r}"
        )
    return True


@schemathesis.check
def no_content(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 204 has no body and no `Content-Type`."""
    if response.status_code != 204:
        return None
    content_type = _header(response, "content-type")
    if response.content or content_type:
        raise _violation(
            MEDIA_TYPES,
            f"a 204 with Content-Type {content_type!r} and {len(response.content)} body bytes",
        )
    return True


@schemathesis.check
def created_room_location(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 201 from create carries `Location` naming the new room."""
    if response.status_code != 201 or case.operation.method.upper() != "POST":
        return None
    body = _json(response)
    room_id = body.get("id") if isinstance(body, dict) else None
    header = _header(response, "location")
    request_url = response.request.url or ""
    want = urljoin(request_url.rstrip("/") + "/", str(room_id))
    got = urljoin(request_url, header) if header else None
    if got != want:
        raise _violation(CREATE_LOCATION, f"Location {header!r} does not name {want}")
    return True


@schemathesis.check
def ended_after_created(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every room with an `ended_at` ended no earlier than it was created."""
    body = _json(response)
    rooms = body.get("rooms") if isinstance(body, dict) and "rooms" in body else [body]
    for item in rooms if isinstance(rooms, list) else []:
        if not isinstance(item, dict) or "ended_at" not in item:
            continue
        try:
            ended = datetime.fromisoformat(item["ended_at"])
            created = datetime.fromisoformat(item["created_at"])
            in_order = ended >= created
        except (KeyError, TypeError, ValueError):
            continue  # the schema checks report malformed timestamps
        if not in_order:
            raise _violation(
                ENDED_AT_ORDER,
                f"room {item.get('id')} ended at {item['ended_at']}, "
                f"before it was created at {item['created_at']}",
            )
    return True
