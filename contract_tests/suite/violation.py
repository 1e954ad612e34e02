"""A broken rule as data: which rules, what broke, the exchanges that reproduce it and the
response that broke it, or, for a failure Schemathesis found, its own account (with its curl
line). Built where a check fails or a test's error is read, rendered once (`render.py`), and
carried as JSON to wherever a report is written (the terminal, JUnit, an xdist controller).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from .exchange import Exchange
from .rules import RULES, ContractRule

E = TypeVar("E", bound=BaseException)


@dataclass(frozen=True)
class Violation:
    """What a failed check reports; `culprit` indexes `steps`, the exchange that broke it."""

    rules: tuple[ContractRule, ...]
    broken: str = ""
    steps: tuple[Exchange, ...] = ()
    culprit: int | None = None
    account: str = ""
    """Schemathesis' own account of a failure it found: its checks, the response, its curl."""
    notes: tuple[str, ...] = ()
    seen_once: bool = False
    """Hypothesis repeated the example and it passed: the answer depended on timing or state."""
    test: str = ""
    """The test that found it (its pytest node id)."""
    layer: str = ""
    """`behaviour`, `schema` or `stateful`."""
    arguments: dict[str, Any] | None = None
    """A behaviour check's drawn arguments, as data (`failure.encode`): replay runs it again."""
    setup: tuple[Exchange, ...] = ()
    """Creates of rooms the steps use but did not create themselves (made earlier in the run)."""

    @property
    def response(self) -> Exchange | None:
        return None if self.culprit is None else self.steps[self.culprit]

    def as_data(self) -> dict[str, Any]:
        return {
            "rules": [{"id": rule.id, "quote": rule.quote} for rule in self.rules],
            "broken": self.broken,
            "steps": [step.as_data() for step in self.steps],
            "culprit": self.culprit,
            "account": self.account,
            "notes": list(self.notes),
            "seen_once": self.seen_once,
            "test": self.test,
            "layer": self.layer,
            "arguments": self.arguments,
            "setup": [step.as_data() for step in self.setup],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Violation:
        return cls(
            rules=tuple(
                RULES.get(r["id"], ContractRule(r["id"], r["quote"])) for r in data["rules"]
            ),
            broken=data["broken"],
            steps=tuple(Exchange.from_data(step) for step in data["steps"]),
            culprit=data["culprit"],
            account=data["account"],
            notes=tuple(data["notes"]),
            seen_once=data["seen_once"],
            test=data.get("test", ""),
            layer=data.get("layer", ""),
            arguments=data.get("arguments"),
            setup=tuple(Exchange.from_data(step) for step in data.get("setup", ())),
        )


class ContractViolation(AssertionError):
    """A check found a broken rule; `violation` says which and how to reproduce it."""

    def __init__(self, violation: Violation) -> None:
        from .render import render

        super().__init__(render(violation))
        self.violation = violation


def find(error: BaseException, kind: type[E]) -> E | None:
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
