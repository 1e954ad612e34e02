"""What the proxy tells about the contract: the `Contract-Violations` header of one answer, and
the summary of a whole session (requests per operation, violations per rule) printed on stop.

The header is ASCII whatever the findings say (rule ids are ASCII; their messages, which may
quote a body, stay in the journal), and it is cut only between items, never inside one:

    Contract-Violations: 2; entry=17; rules=response-schema,create-location
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .journal import Finding

MAX_HEADER_BYTES = 512
"""Past this, the header lists no more rule ids and says how many it left out."""

SIDES = ("backend", "client")


def violations_header(findings: Sequence[Finding], entry_id: int | None) -> bytes:
    """`COUNT; entry=ID; rules=a,b` (`entry=none` with the journal off), at most
    MAX_HEADER_BYTES, cut between rule ids with `,+N` for those left out."""
    rules = list(dict.fromkeys(finding.rule for finding in findings))
    head = f"{len(findings)}; entry={'none' if entry_id is None else entry_id}; rules="
    shown: list[str] = []
    for index, rule in enumerate(rules):
        left = len(rules) - index - 1
        tail = f",+{left}" if left else ""
        if len(head) + len(",".join([*shown, rule])) + len(tail) > MAX_HEADER_BYTES:
            shown.append(f"+{len(rules) - index}")
            break
        shown.append(rule)
    return (head + ",".join(shown)).encode("ascii", "backslashreplace")


@dataclass
class Report:
    """Counts of one proxy session (bounded: one counter per operation, rule and side)."""

    requests: Counter[str] = field(default_factory=Counter)
    answered_by: Counter[str] = field(default_factory=Counter)
    violations: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)

    def seen(self, operation: str | None, answered_by: str, findings: Iterable[Finding]) -> None:
        self.requests[operation or "other"] += 1
        self.answered_by[answered_by] += 1
        for finding in findings:
            self.violations[(finding.side, finding.rule)] += 1

    def failed(self, status: int) -> None:
        """The proxy answered `status` itself: the backend could not be asked or read."""
        self.failures[str(status)] += 1

    def violations_by(self, side: str) -> int:
        return sum(count for (who, _rule), count in self.violations.items() if who == side)

    @property
    def total_violations(self) -> int:
        return sum(self.violations.values())

    def lines(self, backend: str) -> list[str]:
        """The summary, one line per fact, for stderr on stop."""
        total = sum(self.requests.values())
        answered = ", ".join(f"{who} {n}" for who, n in sorted(self.answered_by.items()))
        lines = [
            f"proxy summary: {total} request(s) to {backend}"
            + (f" (answered by {answered})" if answered else ""),
            f"  contract violations: {self.violations_by('backend')} by the backend, "
            f"{self.violations_by('client')} by clients",
        ]
        for operation, count in sorted(self.requests.items()):
            lines.append(f"  requests {operation}: {count}")
        for (side, rule), count in sorted(self.violations.items()):
            lines.append(f"  violations {rule} ({side}): {count}")
        for status, count in sorted(self.failures.items()):
            lines.append(f"  answered {status} by the proxy (backend failed): {count}")
        return lines
