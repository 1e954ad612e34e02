"""How much Hypothesis may do for one check: the run's examples, seed and fail-fast, in one
place for the behaviour checks and the state machine alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import hypothesis

from .target import Target

T = TypeVar("T", bound=Callable[..., Any])


def hypothesis_settings(target: Target, **overrides: Any) -> hypothesis.settings:
    """Settings for tests that talk to a live server: no deadline, no example database.

    Fail-fast skips shrinking: the first failing example is reported as found.
    """
    phases = [hypothesis.Phase.explicit, hypothesis.Phase.generate]
    if not target.fail_fast:
        phases.append(hypothesis.Phase.shrink)
    options: dict[str, Any] = {
        "max_examples": target.max_examples,
        "deadline": None,
        "database": None,
        "phases": phases,
        "report_multiple_bugs": False,
        "suppress_health_check": list(hypothesis.HealthCheck),
        "print_blob": False,
    }
    return hypothesis.settings(**{**options, **overrides})


def seeded(target: Target, test: T) -> T:
    """`test` with the run's seed (given with --seed N, or drawn for the run and printed)."""
    return hypothesis.seed(target.seed)(test)


def driven(target: Target, **strategies: Any) -> Callable[[Callable[..., None]], Callable]:
    """`@given(**strategies)` with the run's settings and seed."""

    def decorate(test: Callable[..., None]) -> Callable:
        return seeded(target, hypothesis_settings(target)(hypothesis.given(**strategies)(test)))

    return decorate
