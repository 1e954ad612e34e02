"""How a failure reads: the broken rule first, then how to reproduce it and what came back.

Behaviour checks raise `ContractViolation`, whose text already has all three. Schemathesis'
failures carry their curl line and response; here they get the rule they break in front.
"""

from __future__ import annotations

from schemathesis.core.failures import FailureGroup

from .rules import SCHEMATHESIS_FAILURES, ContractViolation, rule

REPEATED_PASSED = "(seen once: the same example passed when Hypothesis repeated it)"


def is_transport_error(error: BaseException) -> bool:
    """The server did not answer (refused, reset, timed out): not a broken rule."""
    import httpx
    import requests

    return isinstance(error, httpx.TransportError | requests.ConnectionError | requests.Timeout)


def one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}"


def find(error: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first `kind` in `error`, also inside the groups Hypothesis raises for a failure it
    could not repeat (the server's answer depended on timing or on state)."""
    if isinstance(error, kind):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = find(inner, kind)
            if found is not None:
                return found
    return None


def rules_of(group: FailureGroup) -> list[str]:
    """The rules a Schemathesis failure breaks, in its order, each once."""
    found: list[str] = []
    for failure in group.exceptions:
        custom = getattr(failure, "exception", None)
        if isinstance(custom, ContractViolation):
            rule_id = custom.rule.id
        else:
            rule_id = SCHEMATHESIS_FAILURES.get(failure.code, "documented-status")
        if rule_id not in found:
            found.append(rule_id)
    return found


def describe(error: BaseException) -> str | None:
    """The report of a failed check, or None for an error the suite does not know."""
    if is_transport_error(error):
        return f"the target did not answer: {one_line(error)}"
    found = find(error, ContractViolation) or find(error, FailureGroup)
    if isinstance(found, ContractViolation):
        notes = [  # Hypothesis' own "Failing test case" note would show empty arguments
            note
            for note in getattr(found, "__notes__", [])
            if note.strip() and not note.startswith("Failing test case")
        ]
        text = "\n".join([str(found), *notes])
    elif isinstance(found, FailureGroup):
        broken = [str(rule(rule_id)) for rule_id in rules_of(found)]
        text = "\n".join([*broken, found.message.strip()])
    else:
        return None
    return text if found is error else f"{text}\n{REPEATED_PASSED}"
