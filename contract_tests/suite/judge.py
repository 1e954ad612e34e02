"""The rules that one answer shows kept or broken, judged on an `Exchange` (and the steps before
it): what Schemathesis' checks and the suite's own per-response checks find, said again where
no Schemathesis run is going on. The per-response checks of the schema layer are these
(`schema_checks.py`), and replay judges a failure Schemathesis found with them (`replay.py`).

Each judge returns what is wrong, or None when the rule holds (or does not apply). Those of one
answer alone live in the spec layer (`rooms_spec.answer_rules`), shared with the mock's proxy;
here they are bound to the suite's target, beside the judges that need the steps before.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from rooms_spec import answer_rules as shared
from rooms_spec.answer_rules import (
    Documented,
    ended_after_created,
    location,
    no_content,
    problem_details,
)

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

__all__ = ["ended_after_created", "location", "no_content", "problem_details"]


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

    def documented(self, exchange: Exchange) -> Documented:
        """What the spec says of the operation `exchange` is for."""
        operation = self.operation(exchange)
        return shared.documented(
            self.spec, self.validators, None if operation == OTHER else operation
        )


@cache
def _validators(spec: Spec) -> Validators:
    from rooms_spec.validators import Validators

    return Validators(spec)


# --- against the spec ------------------------------------------------------------------------


def server_error(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    return shared.server_error(exchange)


def documented_status(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    return shared.documented_status(context.documented(exchange), exchange)


def media_type(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    return shared.media_type(context.documented(exchange), exchange)


def headers(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    return shared.headers(context.documented(exchange), exchange)


def response_schema(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    return shared.response_schema(context.documented(exchange), exchange)


def rejected(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    """The request was invalid (Schemathesis generated it so): it must be refused."""
    return shared.rejected(exchange)


def accepted(context: Context, exchange: Exchange, before: list[Exchange]) -> str | None:
    """The request was valid: it must not be refused as invalid."""
    return shared.accepted(exchange)


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
