"""How a violation reads, in one place: the terminal report, JUnit's failure text and the text of
the error a check raises are all this rendering of the same `Violation` (the plugin wraps it as
a pytest report; other reports can read the violation's data).

    [end-twice-409] Ending twice is a 409 and leaves `ended_at` unchanged.
      broken: Get after a second end: differs in ended_at: ...
      reproduce (in order):
        curl -i -X POST http://127.0.0.1:4010/api/v1/rooms ...    # -> 201
        curl -i -X GET http://127.0.0.1:4010/api/v1/rooms/room_x    # -> 200  <- here
      response:
        HTTP 200
        ...

A failure Schemathesis found shows its own account (its checks, the response, its curl line)
under the rules it breaks, after the steps that led to it when there were several (a stateful
sequence, or rooms made earlier that it used).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .violation import Violation

SEEN_ONCE = "(seen once: the same example passed when Hypothesis repeated it)"


def render(violation: Violation) -> str:
    lines = [str(rule) for rule in violation.rules]
    if violation.broken:
        lines.append(f"  broken: {violation.broken}")
    steps = (*violation.setup, *violation.steps)
    culprit = None if violation.culprit is None else violation.culprit + len(violation.setup)
    if steps and (not violation.account or len(steps) > 1):
        lines.append("  reproduce (in order):")
        for index, step in enumerate(steps):
            marker = "  <- here" if index == culprit else ""
            lines.append(f"    {step.curl()}    # -> {step.status}{marker}")
    if violation.response is not None and not violation.account:
        lines.append("  response:")
        lines += [f"    {line}" for line in violation.response.response_text().splitlines()]
    if violation.account:
        lines.append(violation.account)
    lines += violation.notes
    if violation.seen_once:
        lines.append(SEEN_ONCE)
    return "\n".join(lines)


def headline(violation: Violation) -> str:
    """The violation in one line: the rules it breaks and what broke (JUnit's message)."""
    text = " ".join(str(rule) for rule in violation.rules)
    return f"{text} broken: {violation.broken}" if violation.broken else text
