"""A failed test read as a `Violation`: the rule a check raised, or the rules a Schemathesis
failure breaks with Schemathesis' own account of it; `render.py` writes it."""

from __future__ import annotations

from dataclasses import replace

from ._schemathesis import found_in
from .rules import ContractRule, rule_of_failure
from .violation import ContractViolation, Violation, find


def violation_of(error: BaseException) -> Violation | None:
    """The violation a failed test raised, or None for an error the suite does not know."""
    raised = find(error, ContractViolation)
    if raised is not None:
        notes = (  # Hypothesis' own "Failing test case" note would show empty arguments
            note
            for note in getattr(raised, "__notes__", [])
            if note.strip() and not note.startswith("Failing test case")
        )
        return replace(raised.violation, notes=tuple(notes), seen_once=raised is not error)
    found = found_in(error)
    if found is None:
        return None
    rules: list[ContractRule] = []
    for code, exception in found.failures:
        custom = exception.violation.rules if isinstance(exception, ContractViolation) else ()
        for rule in custom or (rule_of_failure(code),):
            if rule not in rules:
                rules.append(rule)
    return Violation(tuple(rules), account=found.account, seen_once=found.group is not error)


def no_answer(error: BaseException) -> str | None:
    """The target did not answer (refused, reset, timed out): not a broken rule, one line."""
    import httpx
    import requests

    if not isinstance(error, httpx.TransportError | requests.ConnectionError | requests.Timeout):
        return None
    return f"the target did not answer: {type(error).__name__}: {' '.join(str(error).split())}"
