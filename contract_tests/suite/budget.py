"""How much Hypothesis may do for one check: the run's examples, seed and fail-fast, in one
place for the behaviour checks and the state machine alike; and how much a check weighs, so
the runner starts the heaviest first (`pool.py`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import hypothesis

from .journal import example
from .target import Target

T = TypeVar("T", bound=Callable[..., Any])
WEIGHT = "rooms_contract_weight"
"""The attribute of a test function that says how long it runs, relative to the others."""


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


def weighted(weight: int) -> Callable[[T], T]:
    """Mark a test as `weight` times as long as a plain one (its requests, one after another)."""

    def mark(test: T) -> T:
        setattr(test, WEIGHT, weight)
        return test

    return mark


def weight_of(test: Any) -> int:
    return int(getattr(test, WEIGHT, 1))


def driven(
    target: Target, weight: int = 1, **strategies: Any
) -> Callable[[Callable[..., None]], Callable]:
    """`@given(**strategies)` with the run's settings and seed; each example's drawn arguments
    are kept in the thread's scope (a failure saves them for replay)."""

    def decorate(test: Callable[..., None]) -> Callable:
        @functools.wraps(test)
        def recorded(*args: Any, **kwargs: Any) -> None:
            with example() as scope:
                if scope is not None:
                    scope.arguments = {k: v for k, v in kwargs.items() if k in strategies}
                test(*args, **kwargs)

        given = hypothesis.given(**strategies)(recorded)
        return weighted(weight)(seeded(target, hypothesis_settings(target)(given)))

    return decorate
