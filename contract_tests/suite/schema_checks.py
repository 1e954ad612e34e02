"""Contract rules that hold for every response, run by Schemathesis beside its own checks: each
is a judge of `judge.py` on the exchange Schemathesis had.

Registering a check is global to the process, so only the suite's modules import this one.
A check returns True when it does not apply (Schemathesis' "skipped") and None when it judged the
response and found it right: the coverage matrix counts the judged ones (`schema.record_checks`).
"""

from __future__ import annotations

from collections.abc import Callable

import schemathesis
from schemathesis import Case, CheckContext, Response

from . import judge
from .exchange import Exchange
from .rules import CREATE_LOCATION, ENDED_AT_ORDER, MEDIA_TYPES, PROBLEM_DETAILS, ContractRule
from .schema import exchange_of
from .violation import ContractViolation, Violation

SKIPPED = True


def _judged(
    rule: ContractRule,
    applies: Callable[[Exchange], bool],
    judged: Callable[[Exchange], str | None],
    response: Response,
) -> bool | None:
    """Schemathesis shows the response and its curl line; the violation names the rule."""
    exchange = exchange_of(response)
    if not applies(exchange):
        return SKIPPED
    problem = judged(exchange)
    if problem:
        raise ContractViolation(Violation((rule,), problem))
    return None


@schemathesis.check
def problem_details(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx body is problem+json whose `status` is the HTTP code, with title and detail."""
    return _judged(
        PROBLEM_DETAILS, lambda ex: 400 <= ex.status < 500, judge.problem_details, response
    )


@schemathesis.check
def no_content(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 204 has no body and no `Content-Type`."""
    return _judged(MEDIA_TYPES, lambda ex: ex.status == 204, judge.no_content, response)


@schemathesis.check
def created_room_location(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 201 from create carries `Location` naming the new room."""
    return _judged(
        CREATE_LOCATION,
        lambda ex: ex.status == 201 and ex.method == "POST",
        judge.location,
        response,
    )


@schemathesis.check
def ended_after_created(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every room with an `ended_at` ended no earlier than it was created."""
    return _judged(ENDED_AT_ORDER, _has_ended_rooms, judge.ended_after_created, response)


def _has_ended_rooms(exchange: Exchange) -> bool:
    return b'"ended_at"' in exchange.body
