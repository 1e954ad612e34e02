"""The coverage matrix as the terminal shows it at the end of every run: each rule, the requests
it judged for each operation, and the rules no request exercised.

    rule                     list create    get update    end delete  other
    create-echoes               .    412      .      .      .      .      .
    ...
    not exercised: documented-headers
"""

from __future__ import annotations

import re

from .run_record import FAILED, NOT_EXERCISED, PASSED, RunRecord

SHORT = re.compile(r"Rooms?$")


def short(operation_id: str) -> str:
    """`createRoom` as a column heads it: `create`."""
    return SHORT.sub("", operation_id) or operation_id


def matrix_lines(record: RunRecord) -> list[str]:
    width = max(len(rule.rule.id) for rule in record.rules) + 2
    heads = [short(operation) for operation in record.operations]
    column = max(6, *(len(head) for head in heads)) + 1
    lines = ["rule".ljust(width) + "".join(head.rjust(column) for head in heads) + "  verdict"]
    for rule in record.rules:
        cells = "".join(
            (str(rule.by_operation[operation]) if rule.by_operation[operation] else ".").rjust(
                column
            )
            for operation in record.operations
        )
        verdict = "FAILED" if rule.verdict == FAILED else rule.verdict
        lines.append(rule.rule.id.ljust(width) + cells + f"  {verdict}")
    return lines


def summary_line(record: RunRecord) -> str:
    """`2,321 requests sent in 21.3 s; 36 rules: 35 passed, 1 failed` (no count that is 0)."""
    counts = [
        f"{record.count(verdict)} {verdict}"
        for verdict in (PASSED, FAILED, NOT_EXERCISED)
        if record.count(verdict)
    ]
    return (
        f"{record.requests:,} requests sent in {record.seconds:.1f} s; "
        f"{len(record.rules)} rules: {', '.join(counts)}"
    )
