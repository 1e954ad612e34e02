"""Layer 1, the schema: every operation with Schemathesis, positive and negative data, the
examples, coverage and fuzzing phases, and every built-in check plus the contract's own."""

from __future__ import annotations

from schemathesis import Case

from contract_tests.suite import schema_checks  # noqa: F401  (registers the contract's checks)
from contract_tests.suite.schema import suite_schema

schema = suite_schema()


@schema.parametrize()
def test_operation(case: Case) -> None:
    case.call_and_validate()
