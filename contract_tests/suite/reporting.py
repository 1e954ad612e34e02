"""A failed test read as a `Violation`: the rule a check raised, or the rules a Schemathesis
failure breaks with Schemathesis' own account of it; `render.py` writes it."""

from __future__ import annotations

from dataclasses import replace

from ._schemathesis import found_in
from .failure import encode, setup_for
from .journal import JOURNAL, Scope
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
        return replace(
            raised.violation,
            notes=(*raised.violation.notes, *notes),  # the check's own notes kept
            seen_once=raised is not error,
        )
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


def with_scope(violation: Violation, test: str, layer: str, scope: Scope | None) -> Violation:
    """The violation with what replay needs: the test that found it, a behaviour check's
    drawn arguments, for a Schemathesis failure the steps of its example, and the creates of
    rooms those steps use that were made before them."""
    steps, culprit = violation.steps, violation.culprit
    arguments = None
    if scope is not None:
        if not steps and scope.failed_steps:
            steps, culprit = scope.failed_steps, scope.failed_culprit
        if scope.failed_arguments is not None:
            arguments = encode(scope.failed_arguments)
    return replace(
        violation,
        test=test,
        layer=layer,
        steps=steps,
        culprit=culprit,
        arguments=arguments,
        setup=setup_for(steps, JOURNAL.creates),
    )
