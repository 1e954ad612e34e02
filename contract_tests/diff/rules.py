"""Every kind of change `diff` reports, in one table: its id, its level, what it means for clients.

The ids follow oasdiff's where one of its rules covers the same ground, and,
as in oasdiff, each id is a constant beside the check that finds it
(`operation_changes.py`, `shape_changes.py`); this table is the one place that
judges them. The level is judged from the client's side: a request the old
spec allowed must still be accepted, and a response a client built on the old
spec can read must still be all it gets. `warning` marks changes that break
only clients which validate responses strictly; they are listed but do not
fail the build unless `--fail-on warning` is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from . import operation_changes, shape_changes
from .difference import Difference

Level = Literal["breaking", "warning", "compatible"]
LEVELS: tuple[Level, ...] = ("breaking", "warning", "compatible")


@dataclass(frozen=True)
class DiffRule:
    """A kind of change between two specs, and what it means for existing clients."""

    id: str
    level: Level
    consequence: str


@dataclass(frozen=True)
class Change:
    """One difference between the specs, judged, in words a reviewer understands."""

    rule: str
    level: Level
    operation: str
    location: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "level": self.level,
            "operation": self.operation,
            "location": self.location,
            "message": self.message,
        }


_SENT = "requests that were valid may now be rejected"
_READ = "clients that read it may break"
_FINE = "existing clients are unaffected"
_STRICT = "clients that validate responses strictly will reject it"

RULES: dict[str, DiffRule] = {
    rule.id: rule
    for rule in (
        # Paths and operations
        DiffRule(operation_changes.PATH_REMOVED, "breaking", "clients that call it get a 404"),
        DiffRule(operation_changes.PATH_ADDED, "compatible", _FINE),
        DiffRule(operation_changes.OPERATION_REMOVED, "breaking", "clients that call it get a 405"),
        DiffRule(operation_changes.OPERATION_ADDED, "compatible", _FINE),
        DiffRule(
            operation_changes.OPERATION_ID_CHANGED,
            "breaking",
            "generated clients and links that name it break",
        ),
        DiffRule(operation_changes.OPERATION_ID_ADDED, "compatible", _FINE),
        # Statuses and media types
        DiffRule(
            operation_changes.SUCCESS_STATUS_CHANGED,
            "breaking",
            "clients that check the status break",
        ),
        DiffRule(
            operation_changes.SUCCESS_STATUS_REMOVED, "breaking", "clients that expect it break"
        ),
        DiffRule(
            operation_changes.SUCCESS_STATUS_ADDED,
            "warning",
            "clients may get a status they do not handle",
        ),
        DiffRule(operation_changes.ERROR_STATUS_ADDED, "compatible", _FINE),
        DiffRule(operation_changes.ERROR_STATUS_REMOVED, "compatible", _FINE),
        DiffRule(
            operation_changes.RESPONSE_MEDIA_TYPE_CHANGED,
            "breaking",
            "clients that parse the old type break",
        ),
        DiffRule(
            operation_changes.RESPONSE_MEDIA_TYPE_REMOVED,
            "breaking",
            "clients that ask for it break",
        ),
        DiffRule(operation_changes.RESPONSE_MEDIA_TYPE_ADDED, "compatible", _FINE),
        DiffRule(
            operation_changes.REQUEST_MEDIA_TYPE_CHANGED,
            "breaking",
            "clients that send the old type break",
        ),
        DiffRule(
            operation_changes.REQUEST_MEDIA_TYPE_REMOVED,
            "breaking",
            "clients that send it are rejected",
        ),
        DiffRule(operation_changes.REQUEST_MEDIA_TYPE_ADDED, "compatible", _FINE),
        DiffRule(operation_changes.RESPONSE_HEADER_REMOVED, "breaking", _READ),
        DiffRule(operation_changes.RESPONSE_HEADER_BECAME_OPTIONAL, "breaking", _READ),
        DiffRule(operation_changes.RESPONSE_HEADER_ADDED, "compatible", _FINE),
        # Request bodies and parameters
        DiffRule(
            operation_changes.REQUEST_BODY_ADDED_REQUIRED,
            "breaking",
            "clients that send none are rejected",
        ),
        DiffRule(operation_changes.REQUEST_BODY_ADDED_OPTIONAL, "compatible", _FINE),
        DiffRule(
            operation_changes.REQUEST_BODY_BECAME_REQUIRED,
            "breaking",
            "clients that send none are rejected",
        ),
        DiffRule(operation_changes.REQUEST_BODY_BECAME_OPTIONAL, "compatible", _FINE),
        DiffRule(
            operation_changes.REQUEST_BODY_REMOVED,
            "breaking",
            "clients that send one may be rejected",
        ),
        DiffRule(
            operation_changes.REQUEST_PARAMETER_REMOVED,
            "breaking",
            "clients that send it are ignored or rejected",
        ),
        DiffRule(
            operation_changes.REQUEST_PARAMETER_RENAMED,
            "breaking",
            "clients that send the old name break",
        ),
        DiffRule(
            operation_changes.REQUEST_PARAMETER_ADDED_REQUIRED,
            "breaking",
            "clients that omit it are rejected",
        ),
        DiffRule(operation_changes.REQUEST_PARAMETER_ADDED_OPTIONAL, "compatible", _FINE),
        DiffRule(
            operation_changes.REQUEST_PARAMETER_BECAME_REQUIRED,
            "breaking",
            "clients that omit it are rejected",
        ),
        DiffRule(operation_changes.REQUEST_PARAMETER_BECAME_OPTIONAL, "compatible", _FINE),
        # What clients send (request bodies and parameters)
        DiffRule(shape_changes.REQUEST_TYPE_CHANGED, "breaking", _SENT),
        DiffRule(shape_changes.REQUEST_TYPE_WIDENED, "compatible", _FINE),
        DiffRule(shape_changes.REQUEST_ENUM_NARROWED, "breaking", _SENT),
        DiffRule(shape_changes.REQUEST_ENUM_WIDENED, "compatible", _FINE),
        DiffRule(shape_changes.REQUEST_BOUNDS_NARROWED, "breaking", _SENT),
        DiffRule(shape_changes.REQUEST_BOUNDS_WIDENED, "compatible", _FINE),
        DiffRule(shape_changes.REQUEST_PATTERN_CHANGED, "breaking", _SENT),
        DiffRule(shape_changes.REQUEST_PATTERN_REMOVED, "compatible", _FINE),
        DiffRule(shape_changes.REQUEST_FORMAT_CHANGED, "breaking", _SENT),
        DiffRule(shape_changes.REQUEST_FORMAT_REMOVED, "compatible", _FINE),
        DiffRule(shape_changes.REQUEST_BECAME_NOT_NULLABLE, "breaking", _SENT),
        DiffRule(shape_changes.REQUEST_BECAME_NULLABLE, "compatible", _FINE),
        DiffRule(
            shape_changes.REQUEST_OBJECT_CLOSED,
            "breaking",
            "clients that send other fields are rejected",
        ),
        DiffRule(shape_changes.REQUEST_OBJECT_OPENED, "compatible", _FINE),
        DiffRule(
            shape_changes.REQUEST_PROPERTY_ADDED_REQUIRED,
            "breaking",
            "clients that omit it are rejected",
        ),
        DiffRule(shape_changes.REQUEST_PROPERTY_ADDED_OPTIONAL, "compatible", _FINE),
        DiffRule(
            shape_changes.REQUEST_PROPERTY_BECAME_REQUIRED,
            "breaking",
            "clients that omit it are rejected",
        ),
        DiffRule(shape_changes.REQUEST_PROPERTY_BECAME_OPTIONAL, "compatible", _FINE),
        DiffRule(
            shape_changes.REQUEST_PROPERTY_REMOVED,
            "breaking",
            "the object is closed, so clients that send it are rejected",
        ),
        DiffRule(
            shape_changes.REQUEST_PROPERTY_REMOVED_FROM_OPEN_OBJECT,
            "compatible",
            "the object is open, so it is ignored",
        ),
        DiffRule(shape_changes.REQUEST_VARIANT_REMOVED, "breaking", _SENT),
        DiffRule(shape_changes.REQUEST_VARIANT_ADDED, "compatible", _FINE),
        # What clients read (response bodies and headers)
        DiffRule(shape_changes.RESPONSE_TYPE_CHANGED, "breaking", _READ),
        DiffRule(shape_changes.RESPONSE_TYPE_NARROWED, "compatible", _FINE),
        DiffRule(
            shape_changes.RESPONSE_ENUM_VALUE_ADDED,
            "warning",
            "clients that switch on the value may not handle it",
        ),
        DiffRule(shape_changes.RESPONSE_ENUM_NARROWED, "compatible", _FINE),
        DiffRule(
            shape_changes.RESPONSE_BOUNDS_WIDENED,
            "breaking",
            "clients may get values they cannot handle",
        ),
        DiffRule(shape_changes.RESPONSE_BOUNDS_NARROWED, "compatible", _FINE),
        DiffRule(
            shape_changes.RESPONSE_PATTERN_CHANGED,
            "breaking",
            "clients may get values they cannot handle",
        ),
        DiffRule(shape_changes.RESPONSE_PATTERN_ADDED, "compatible", _FINE),
        DiffRule(
            shape_changes.RESPONSE_FORMAT_CHANGED,
            "breaking",
            "clients may get values they cannot parse",
        ),
        DiffRule(shape_changes.RESPONSE_FORMAT_ADDED, "compatible", _FINE),
        DiffRule(
            shape_changes.RESPONSE_BECAME_NULLABLE,
            "breaking",
            "clients may get a null they cannot handle",
        ),
        DiffRule(shape_changes.RESPONSE_BECAME_NOT_NULLABLE, "compatible", _FINE),
        DiffRule(shape_changes.RESPONSE_OBJECT_OPENED, "warning", _STRICT),
        DiffRule(shape_changes.RESPONSE_OBJECT_CLOSED, "compatible", _FINE),
        DiffRule(shape_changes.RESPONSE_PROPERTY_REMOVED, "breaking", _READ),
        DiffRule(shape_changes.RESPONSE_PROPERTY_BECAME_OPTIONAL, "breaking", _READ),
        DiffRule(shape_changes.RESPONSE_PROPERTY_BECAME_REQUIRED, "compatible", _FINE),
        DiffRule(shape_changes.RESPONSE_PROPERTY_ADDED, "compatible", _FINE),
        DiffRule(shape_changes.RESPONSE_PROPERTY_ADDED_TO_CLOSED_OBJECT, "warning", _STRICT),
        DiffRule(
            shape_changes.RESPONSE_VARIANT_ADDED,
            "breaking",
            "clients may get a shape they do not know",
        ),
        DiffRule(shape_changes.RESPONSE_VARIANT_REMOVED, "compatible", _FINE),
    )
}


def judge(differences: Iterable[Difference]) -> list[Change]:
    """The differences as changes, each reported once, breaking first."""
    found: dict[tuple[str, str, str], Change] = {}
    for difference in differences:
        rule = RULES[difference.rule]
        prefix = f"{difference.operation}: " if difference.operation else ""
        message = f"{prefix}{difference.what}; {rule.consequence}"
        change = Change(rule.id, rule.level, difference.operation, difference.location, message)
        found.setdefault((change.rule, change.operation, change.message), change)
    return sorted(
        found.values(),
        key=lambda item: (LEVELS.index(item.level), item.operation, item.location, item.message),
    )
