"""Layer 1, the schema: every operation with Schemathesis, positive and negative data, the
examples, coverage and fuzzing phases, and every built-in check plus the contract's own.

Each case goes over this thread's keep-alive session; a room a case creates is deleted when its
case is done, so the room set stays small for the checks that read List meanwhile."""

from __future__ import annotations

from schemathesis import Case

from contract_tests.suite import schema_checks  # noqa: F401  (registers the contract's checks)
from contract_tests.suite.client import SWEEPER
from contract_tests.suite.journal import example
from contract_tests.suite.schema import http_session, sending, suite_schema
from contract_tests.suite.target import current

target = current()
schema = suite_schema()


@schema.parametrize()
def test_operation(case: Case) -> None:
    with example() as scope:
        try:
            with sending(case):
                case.call_and_validate(session=http_session())
        finally:
            if scope is not None:
                SWEEPER.clear(target, scope.rooms)
