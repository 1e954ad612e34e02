"""The three ways `diff` writes its findings: text, JSON, and Markdown for a pull request."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from .rules import LEVELS, Change

_MARKS = {"breaking": "BREAKING", "warning": "WARNING", "compatible": "ok"}
_ICONS = {"breaking": ":x:", "warning": ":warning:", "compatible": ":white_check_mark:"}


def summary(changes: list[Change]) -> str:
    """`2 breaking, 1 warning, 3 compatible` (or that there is nothing to report)."""
    if not changes:
        return "No API changes."
    counts = Counter(change.level for change in changes)
    return ", ".join(f"{counts[level]} {level}" for level in LEVELS if counts[level])


def as_text(changes: list[Change]) -> str:
    lines = [f"{_MARKS[change.level]:<8} [{change.rule}] {change.message}" for change in changes]
    return "\n".join([*lines, summary(changes)]) + "\n"


def as_json(changes: list[Change]) -> str:
    return json.dumps([change.as_dict() for change in changes], indent=2) + "\n"


def as_markdown(changes: list[Change]) -> str:
    breaking = any(change.level == "breaking" for change in changes)
    verdict = "**Breaking API changes.**" if breaking else "**No breaking API changes.**"
    lines = ["### API changes", "", f"{verdict} {summary(changes)}", ""]
    if changes:
        lines += ["| | Rule | Operation | Change |", "|---|---|---|---|"]
        lines += [
            f"| {_ICONS[c.level]} {c.level} | `{c.rule}` | `{c.operation}` | {_cell(c)} |"
            for c in changes
        ]
    return "\n".join(lines) + "\n"


def _cell(change: Change) -> str:
    """The message without the repeated operation, safe inside a table cell."""
    message = change.message.removeprefix(f"{change.operation}: ")
    return message.replace("|", "\\|").replace("\n", " ")


FORMATS: dict[str, Callable[[list[Change]], str]] = {
    "text": as_text,
    "json": as_json,
    "markdown": as_markdown,
}
