"""The rules that one answer shows kept or broken, judged on an `Exchange` (and the steps before
it): what Schemathesis' checks and the suite's own per-response checks find, said again where
no Schemathesis run is going on. The per-response checks of the schema layer are these
(`schema_checks.py`), and replay judges a failure Schemathesis found with them (`replay.py`).

Each judge returns what is wrong, or None when the rule holds (or does not apply).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from .exchange import Exchange
from .journal import OTHER, Operations, created_id, path_pattern
from .rules import (
    CREATE_LOCATION,
    DELETE_PERMANENT,
    DOCUMENTED_HEADERS,
    DOCUMENTED_STATUS,
    ENDED_AT_ORDER,
    GET_EQUALS_CREATE,
    INVALID_REJECTED,
    MEDIA_TYPES,
    NO_5XX,
    PATHS_AND_METHODS,
    PROBLEM_DETAILS,
    RESPONSE_SCHEMA,
    VALID_ACCEPTED,
    ContractRule,
)

if TYPE_CHECKING:
    from rooms_spec import Spec
    from rooms_spec.validators import Validators

PROBLEM_JSON = "application/problem+json"
# Schemathesis' defaults for negative and positive data (`config/_checks.py`, 4.32.5).
REJECTED = {400, 401, 403, 404, 405, 406, 409, 415, 422, 428, 429}
ACCEPTED_4XX = {401, 403, 404, 409, 429}


class Context:
    """The spec and the target an answer is judged against."""

    def __init__(self, spec: Spec, base_url: str) -> None:
        self.spec = spec
        self.base_url = base_url
        self.operations = Operations(spec, base_url)

    @property
    def validators(self) -> Validators:
        return _validators(self.spec)

    def operation(self, exchange: Exchange) -> str:
        return self.operations.of(exchange.method, exchange.url)

    def responses(self, exchange: Exchange) -> dict[str, Any]:
        operation = self.operation(exchange)
        if operation == OTHER:
            return {}
        return self.spec.operations[operation].responses

    def documented(self, exchange: Exchange) -> dict[str, Any] | None:
        responses = self.responses(exchange)
        node = responses.get(str(exchange.status), responses.get("default"))
        return None if node is None else self.spec.follow(node)[0]


@cache
def _validators(spec: Spec) -> Validators:
    from rooms_spec.validators import Validators

    return Validators(spec)


# --- every answer ----------------------------------------------------------------------------


def problem_details(exchange: Exchange) -> str | None:
    if not 400 <= exchange.status < 500:
        return None
    if exchange.media_type != PROBLEM_JSON:
        return f"a {exchange.status} is {exchange.media_type or '(no Content-Type)'!r}"
    body = exchange.json()
    if not isinstance(body, dict) or body.get("status") != exchange.status:
        got = body.get("status") if isinstance(body, dict) else body
        return f"a {exchange.status} whose problem `status` is {got!r}"
    return None


def no_content(exchange: Exchange) -> str | None:
    if exchange.status != 204:
        return None
    content_type = exchange.header("content-type")
    if exchange.body or content_type:
        return f"a 204 with Content-Type {content_type!r} and {len(exchange.body)} body bytes"
    return None


def location(exchange: Exchange) -> str | None:
    """A 201 from create names the new room in `Location`."""
    room_id = created_id(exchange)
    if exchange.status != 201 or exchange.method != "POST" or room_id is None:
        return None
    header = exchange.header("location")
    want = urljoin(exchange.url.split("?", 1)[0].rstrip("/") + "/", room_id)
    got = urljoin(exchange.url, header) if header else None
    return None if got == want else f"Location {header!r} does not name {want}"


def ended_after_created(exchange: Exchange) -> str | None:
    body = exchange.json()
    rooms = body.get("rooms") if isinstance(body, dict) and "rooms" in body else [body]
    for item in rooms if isinstance(rooms, list) else []:
        if not isinstance(item, dict) or "ended_at" not in item:
            continue
        try:
            in_order = datetime.fromisoformat(item["ended_at"]) >= datetime.fromisoformat(
                item["created_at"]
            )
        except (KeyError, TypeError, ValueError):
            continue  # the schema checks report malformed timestamps
        if not in_order:
            return (
                f"room {item.get('id')} ended at {item['ended_at']}, "
                f"before it was created at {item['created_at']}"
            )
    return None


# --- against the spec ------------------------------------------------------------------------


def server_error(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    return f"a {exchange.status}" if exchange.status >= 500 else None


def documented_status(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    responses = context.responses(exchange)
    if not responses or str(exchange.status) in responses or "default" in responses:
        return None
    return f"{exchange.status} is not documented (documented: {', '.join(responses)})"


def media_type(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    problem = no_content(exchange)
    node = context.documented(exchange)
    if problem or node is None or exchange.status == 204:
        return problem
    content = node.get("content") or {}
    if content and exchange.media_type not in content:
        return f"Content-Type {exchange.media_type or '(none)'!r}; documented: {', '.join(content)}"
    return None


def headers(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    node = context.documented(exchange)
    for name, header in ((node or {}).get("headers") or {}).items():
        header = context.spec.follow(header)[0]
        if header.get("required") and exchange.header(name) is None:
            return f"the {exchange.status} has no {name} header"
    return None


def response_schema(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    operation = context.operation(exchange)
    if operation == OTHER or not exchange.body:
        return None
    validator = context.validators.response(operation, exchange.status, exchange.media_type)
    if validator is None:
        return None
    body = exchange.json()
    if body is None:
        return "the body is not JSON"
    found = validator.violations(body)
    return "; ".join(str(violation) for violation in found[:3]) if found else None


def rejected(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    """The request was invalid (Schemathesis generated it so): it must be refused."""
    if exchange.status in REJECTED or exchange.status >= 500:
        return None
    return f"invalid data accepted: {exchange.status}"


def accepted(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    """The request was valid: it must not be refused as invalid."""
    if exchange.status < 400 or exchange.status in ACCEPTED_4XX or exchange.status >= 500:
        return None
    return f"valid data refused: {exchange.status}"


def paths_and_methods(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    if context.operation(exchange) != OTHER:
        return None
    path = exchange.path.removeprefix(context.operations.base_path)
    for template in context.spec.document.get("paths", {}):
        if path_pattern(template).fullmatch(path):
            allowed = set(context.spec.methods_of(template))
            header = exchange.header("allow") or ""
            allow = {part.strip().upper() for part in header.split(",") if part.strip()}
            extra = allow - allowed - {"HEAD", "OPTIONS"}  # a server may rightly add these
            if exchange.status != 405 or not allowed <= allow or extra:
                return f"{exchange.status} with Allow {exchange.header('allow')!r}"
            return None
    return None if exchange.status == 404 else f"an unknown path answered {exchange.status}"


def use_after_free(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    deleted = {step.path for step in before if step.method == "DELETE" and step.status == 204}
    if exchange.path in deleted and exchange.status != 404:
        return f"the room was deleted, yet it answered {exchange.status}"
    return None


def available(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    made = {created_id(step) for step in before} - {None}
    room = exchange.path.rstrip("/").rsplit("/", 1)[-1]
    if exchange.method == "GET" and room in made and exchange.status == 404:
        return "the room was created, yet Get answered 404"
    return None


def _per_response(judge: Callable[[Exchange], str | None]) -> Judge:
    def on(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
        return judge(exchange)

    return on


Judge = Callable[[Context, Exchange, list[Exchange]], str | None]
JUDGES: dict[ContractRule, tuple[Judge, ...]] = {
    NO_5XX: (server_error,),
    DOCUMENTED_STATUS: (documented_status,),
    MEDIA_TYPES: (media_type,),
    DOCUMENTED_HEADERS: (headers,),
    RESPONSE_SCHEMA: (response_schema,),
    INVALID_REJECTED: (rejected,),
    VALID_ACCEPTED: (accepted,),
    PATHS_AND_METHODS: (paths_and_methods,),
    DELETE_PERMANENT: (use_after_free,),
    GET_EQUALS_CREATE: (available,),
    PROBLEM_DETAILS: (_per_response(problem_details),),
    CREATE_LOCATION: (_per_response(location),),
    ENDED_AT_ORDER: (_per_response(ended_after_created),),
}


def judge(
    context: Context, rule: ContractRule, exchange: Exchange, before: list[Exchange]
) -> str | None:
    """What the answer breaks of `rule`; None when it keeps it. KeyError for a rule one answer
    cannot show (a behaviour rule: replay runs its check again instead)."""
    for one in JUDGES[rule]:
        problem = one(context, exchange, before)
        if problem:
            return problem
    return None
