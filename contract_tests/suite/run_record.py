"""A finished run as data, the one input of every report: its summary (target, seed, spec version,
times, requests sent), every rule's verdict with the requests it judged per operation (the
coverage matrix), every test's outcome, the failures, and, when a report needs them, every
exchange. Built once on the controller at the end of the session (`plugin.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .exchange import Exchange
from .journal import OTHER, Journal
from .rules import EXCLUSIVE_TOTAL, LINEARIZABLE, ROOMS_STAY, RULES, ContractRule
from .target import Target
from .violation import Violation

PASSED, FAILED, NOT_EXERCISED = "passed", "failed", "not exercised"


@dataclass(frozen=True)
class TestResult:
    """One pytest test of the suite, as it ended."""

    nodeid: str
    layer: str
    outcome: str
    """passed, failed (a rule broken), error (no verdict: the target did not answer...) or
    skipped."""
    seconds: float
    text: str = ""
    violation: Violation | None = None

    @property
    def operation(self) -> str:
        """`POST /rooms` for a schema-layer test, else ""."""
        name = self.nodeid.rpartition("::")[2]
        return name.partition("[")[2].rstrip("]") if "[" in name else ""


@dataclass(frozen=True)
class RuleResult:
    rule: ContractRule
    verdict: str
    by_operation: dict[str, int]
    violations: tuple[Violation, ...]

    @property
    def requests(self) -> int:
        return sum(self.by_operation.values())


@dataclass
class RunRecord:
    target: str
    seed: int
    spec_title: str
    spec_version: str
    started: float
    finished: float
    requests: int
    operations: list[str]
    """The columns of the coverage matrix: the spec's operationIds, then `other`."""
    labels: dict[str, str]
    rules: list[RuleResult]
    tests: list[TestResult]
    exchanges: list[tuple[str, str, Exchange]] = field(default_factory=list)
    saved: dict[int, str] = field(default_factory=dict)
    """Where each failure (by its index in `failures`) was saved for replay."""

    @property
    def seconds(self) -> float:
        return self.finished - self.started

    @property
    def failures(self) -> list[Violation]:
        return [test.violation for test in self.tests if test.violation is not None]

    @property
    def errors(self) -> list[TestResult]:
        return [test for test in self.tests if test.outcome == "error"]

    def count(self, verdict: str) -> int:
        return sum(1 for rule in self.rules if rule.verdict == verdict)

    def not_exercised(self) -> list[str]:
        return [rule.rule.id for rule in self.rules if rule.verdict == NOT_EXERCISED]

    def summary(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "seed": self.seed,
            "spec": f"{self.spec_title} {self.spec_version}".strip(),
            "spec_version": self.spec_version,
            "started": self.started,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            "rules": len(self.rules),
            "passed": self.count(PASSED),
            "failed": self.count(FAILED),
            "not_exercised": self.count(NOT_EXERCISED),
            "tests": len(self.tests),
            "errors": len(self.errors),
        }


def rules_left_out(target: Target) -> set[str]:
    """The rules of layers this run leaves out: without `--exclusive` a run reads as it did
    before the layer was there, and so with `--race-clients 0`."""
    left: set[str] = set()
    if not target.exclusive:
        left |= {EXCLUSIVE_TOTAL.id, ROOMS_STAY.id}
    if not target.race_clients:
        left.add(LINEARIZABLE.id)
    return left


def build(
    target: Target, journal: Journal, tests: list[TestResult], started: float, finished: float
) -> RunRecord:
    info = target.spec.document.get("info", {})
    operations = (journal.operations.ids if journal.operations else []) + [OTHER]
    labels = dict(journal.operations.labels) if journal.operations else {}
    labels[OTHER] = "no operation (unknown path or method)"
    broken: dict[str, list[Violation]] = {}
    for violation in (test.violation for test in tests if test.violation is not None):
        for rule in violation.rules:
            broken.setdefault(rule.id, []).append(violation)
    results = []
    for rule_id, rule in RULES.items():
        if rule_id in rules_left_out(target):
            continue
        counts: dict[str, int] = dict(journal.judged_counts.get(rule_id, {}))
        by_operation = {operation: counts.get(operation, 0) for operation in operations}
        if rule_id in broken:
            verdict = FAILED
        elif any(by_operation.values()):
            verdict = PASSED
        else:
            verdict = NOT_EXERCISED
        results.append(RuleResult(rule, verdict, by_operation, tuple(broken.get(rule_id, ()))))
    return RunRecord(
        target=target.base_url,
        seed=target.seed,
        spec_title=str(info.get("title", "")),
        spec_version=str(info.get("version", "")),
        started=started,
        finished=finished,
        requests=journal.total,
        operations=operations,
        labels=labels,
        rules=results,
        tests=tests,
        exchanges=sorted(journal.entries, key=lambda entry: entry[2].started),
    )
