"""`POST /_mock/verify`: did the app make the calls it should have, as WireMock's verify.

    {"operation": "createRoom", "body": {"name": "CS101"}, "status": 201, "times": 1}

A request matches when it is for the operation (or the method and path), its body
holds the given body as a subset (objects may have more fields; everything else is
equal) and its status is the one given. The count holds for `times` (exactly),
`at_least` and `at_most`; with none of them, at least once. When it does not hold,
the answer lists what matched and the near misses: requests to the same operation or
path that differ, each with how.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rooms_spec import Spec
from rooms_spec.json_text import as_json
from rooms_spec.pointer import join
from rooms_spec.validators import Validators, Violation

from .journal import MATCH_PROPERTIES, Entry, path_matches, status_matcher, status_matches
from .routes import RouteTable

MAX_COUNT = 1_000_000
SHOWN = 20  # requests listed in an answer, at most
NEAR_MISSES = 5
_ABSENT: Any = object()

WHOLE = {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}
VERIFY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **MATCH_PROPERTIES,
        "body": {},
        "status": {
            "anyOf": [
                {"type": "integer", "minimum": 100, "maximum": 599},
                {"type": "string", "pattern": "^[1-5]xx$"},
            ]
        },
        "times": WHOLE,
        "at_least": WHOLE,
        "at_most": WHOLE,
    },
}


class VerifyError(ValueError):
    """A verify request that cannot be read; `violations` lists what is wrong."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(str(violation) for violation in violations))
        self.violations = violations


@dataclass(frozen=True)
class Expectation:
    operation: str | None
    method: str | None
    path: str | None
    body: Any  # _ABSENT when not given
    status: str | None  # "201" or "2xx"
    at_least: int
    at_most: int | None

    @classmethod
    def parse(cls, document: Any, spec: Spec, validators: Validators) -> Expectation:
        violations = validators.compile(VERIFY_SCHEMA).violations(document)
        if violations:
            raise VerifyError(violations)
        if not {"operation", "method", "path"} & set(document):
            message = "give an operation, or a method and a path, to match requests by"
            raise VerifyError([Violation("body", "", message)])
        operation = document.get("operation")
        if operation is not None and operation not in spec.operations:
            known = ", ".join(spec.operations)
            message = f"{as_json(operation)} is not an operation of the spec ({known})"
            raise VerifyError([Violation("body", "/operation", message)])
        times = document.get("times")
        if times is not None and ({"at_least", "at_most"} & set(document)):
            message = "give times, or at_least and at_most, not both"
            raise VerifyError([Violation("body", "/times", message)])
        at_least = times if times is not None else document.get("at_least")
        at_most = times if times is not None else document.get("at_most")
        if at_least is None:
            at_least = 0 if at_most is not None else 1
        if at_most is not None and at_least > at_most:
            raise VerifyError([Violation("body", "/at_least", "is greater than at_most")])
        status = document.get("status")
        method = document.get("method")
        return cls(
            operation=operation,
            method=method.upper() if method else None,
            path=document.get("path"),
            body=document.get("body", _ABSENT),
            status=None if status is None else next(iter(status_matcher(str(status)))),
            at_least=at_least,
            at_most=at_most,
        )

    def wanted(self) -> str:
        """`exactly 1`, `at least 2`, `at most 0`, `from 1 to 3`."""
        if self.at_most is None:
            return f"at least {self.at_least}"
        if self.at_least == self.at_most:
            return f"exactly {self.at_least}"
        if self.at_least == 0:
            return f"at most {self.at_most}"
        return f"from {self.at_least} to {self.at_most}"

    def described(self) -> str:
        parts = [self.operation or "", self.method or "", self.path or ""]
        target = " ".join(part for part in parts if part)
        if self.body is not _ABSENT:
            target += f" with a body holding {as_json(self.body, 120)}"
        if self.status is not None:
            target += f" answered {self.status}"
        return target

    def holds_for(self, count: int) -> bool:
        return count >= self.at_least and (self.at_most is None or count <= self.at_most)

    def differences(self, entry: Entry) -> list[str]:
        """How `entry` differs from what is expected; empty when it matches."""
        found: list[str] = []
        if self.operation is not None and entry.operation != self.operation:
            found.append(f"operation: {entry.operation or 'none'}, expected {self.operation}")
        if self.method is not None and entry.method != self.method:
            found.append(f"method: {entry.method}, expected {self.method}")
        if self.path is not None and not path_matches(self.path, entry.path):
            found.append(f"path: {entry.path}, expected {self.path}")
        if self.body is not _ABSENT:
            found.extend(
                f"body {difference}"
                for difference in subset_differences(self.body, entry.request_value())
            )
        if self.status is not None and not status_matches({self.status}, entry.status):
            got = "no answer" if entry.status is None else str(entry.status)
            why = "; ".join(str(violation) for violation in entry.violations()[:3])
            found.append(f"status: {got}{f' ({why})' if why else ''}, expected {self.status}")
        return found

    def related(self, entry: Entry, operation_of_path: str | None) -> bool:
        """Is `entry` about the same thing (the operation, or the path), to be a near miss?"""
        operation = self.operation or operation_of_path
        if operation is not None and entry.operation == operation:
            return True
        return self.path is not None and path_matches(self.path, entry.path)


def subset_differences(expected: Any, actual: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Where `actual` does not hold `expected`: objects may have more members; arrays and
    scalars must be equal (array items compared the same way, position by position)."""
    where = join(list(path)) or "(whole)"
    if actual is _ABSENT:
        return [f"{where}: missing, expected {as_json(expected)}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: {as_json(actual)}, expected an object"]
        found: list[str] = []
        for key, value in expected.items():
            found.extend(subset_differences(value, actual.get(key, _ABSENT), (*path, key)))
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: {as_json(actual)}, expected {as_json(expected)}"]
        found = []
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            found.extend(subset_differences(want, got, (*path, str(index))))
        return found
    if isinstance(expected, bool) != isinstance(actual, bool) or expected != actual:  # true != 1
        return [f"{where}: {as_json(actual)}, expected {as_json(expected)}"]
    return []


@dataclass(frozen=True)
class Verdict:
    holds: bool
    body: dict[str, Any]


def verify(
    expectation: Expectation, entries: Iterable[Entry], routes: RouteTable, journal_size: int
) -> Verdict:
    """Count the matching entries; when the count is wrong, say what was seen instead."""
    seen = list(entries)
    matched = [entry for entry in seen if not expectation.differences(entry)]
    holds = expectation.holds_for(len(matched))
    summary = {
        "matched": len(matched),
        "expected": expectation.wanted(),
        "requests": [entry.summary() for entry in matched[-SHOWN:]],
    }
    if holds:
        return Verdict(True, summary)
    operation_of_path = None
    if expectation.path and "*" not in expectation.path and expectation.method:
        found = routes.match(expectation.path, expectation.method)
        operation_of_path = found.operation.operation_id if found and found.operation else None
    near: list[tuple[int, int, Entry, list[str]]] = []
    for entry in seen:
        differences = expectation.differences(entry)
        if differences and expectation.related(entry, operation_of_path):
            near.append((len(differences), -entry.id, entry, differences))
    near.sort(key=lambda item: (item[0], item[1]))
    one = expectation.at_most == 1 or (expectation.at_most is None and expectation.at_least == 1)
    detail = (
        f"Expected {expectation.wanted()} request{'' if one else 's'} for "
        f"{expectation.described()}; "
        f"{len(matched)} matched, of {len(seen)} in the journal (it keeps the last "
        f"{journal_size})."
    )
    body = {
        **summary,
        "detail": detail,
        "near_misses": [
            {"request": entry.summary(), "differences": differences}
            for _count, _newest, entry, differences in near[:NEAR_MISSES]
        ],
    }
    return Verdict(False, body)
