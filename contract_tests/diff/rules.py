"""Every kind of change `diff` reports, in one table: its id, its level, what it means for clients.

The ids follow oasdiff's where one of its rules covers the same ground, and,
as in oasdiff, each id is a constant beside the check that finds it
(`operation_changes.py`, `shape_changes.py`, `security_changes.py`); this
table is the one place that judges them, family by family. The level is
judged from the client's side: a request the old spec allowed must still be
accepted, and a response a client built on the old spec can read must still
be all it gets. `warning` marks changes that break only clients which
validate responses strictly, or that the diff cannot decide; they are listed
but do not fail the build unless `--fail-on warning` is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from . import operation_changes as ops
from . import security_changes as security
from . import shape_changes as shapes
from .difference import Difference

Level = Literal["breaking", "warning", "compatible"]
LEVELS: tuple[Level, ...] = ("breaking", "warning", "compatible")
Family = Literal["paths", "parameters", "request", "response", "headers", "security"]
FAMILIES: tuple[Family, ...] = ("paths", "parameters", "request", "response", "headers", "security")
"""oasdiff's families of rules, the map of what a diff must cover."""


@dataclass(frozen=True)
class DiffRule:
    """A kind of change between two specs, and what it means for existing clients."""

    id: str
    family: Family
    level: Level
    consequence: str


def _family(family: Family, *rules: tuple[str, Level, str]) -> list[DiffRule]:
    return [DiffRule(rule_id, family, level, consequence) for rule_id, level, consequence in rules]


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

_SENT = "requests that were valid may now be rejected"
_READ = "clients that read it may break"
_FINE = "existing clients are unaffected"
_STRICT = "clients that validate responses strictly will reject it"
_UNKNOWN = "clients may get values they cannot handle"
_UNDECIDED = "the diff cannot tell whether the new pattern accepts more or fewer strings; check it"
_AUTH = "requests that were accepted may now get a 401 or 403"

RULES: dict[str, DiffRule] = {
    rule.id: rule
    for rule in (
        *_family(
            "paths",
            (ops.PATH_REMOVED, "breaking", "clients that call it get a 404"),
            (ops.PATH_ADDED, "compatible", _FINE),
            (ops.OPERATION_REMOVED, "breaking", "clients that call it get a 405"),
            (ops.OPERATION_ADDED, "compatible", _FINE),
            (
                ops.OPERATION_ID_CHANGED,
                "breaking",
                "generated clients and links that name it break",
            ),
            (ops.OPERATION_ID_ADDED, "compatible", _FINE),
        ),
        *_family(
            "parameters",
            (
                ops.REQUEST_PARAMETER_REMOVED,
                "breaking",
                "clients that send it are ignored or rejected",
            ),
            (ops.REQUEST_PARAMETER_RENAMED, "breaking", "clients that send the old name break"),
            (
                ops.REQUEST_PARAMETER_LOCATION_CHANGED,
                "breaking",
                "clients send it where it is no longer read",
            ),
            (ops.REQUEST_PARAMETER_ADDED_REQUIRED, "breaking", "clients that omit it are rejected"),
            (ops.REQUEST_PARAMETER_ADDED_OPTIONAL, "compatible", _FINE),
            (
                ops.REQUEST_PARAMETER_BECAME_REQUIRED,
                "breaking",
                "clients that omit it are rejected",
            ),
            (ops.REQUEST_PARAMETER_BECAME_OPTIONAL, "compatible", _FINE),
            (
                ops.REQUEST_PARAMETER_STYLE_CHANGED,
                "breaking",
                "clients write the value in a form the server no longer reads",
            ),
            (
                ops.REQUEST_PARAMETER_EXPLODE_CHANGED,
                "breaking",
                "clients write the values in a form the server no longer reads",
            ),
            (
                ops.REQUEST_PARAMETER_ALLOW_RESERVED_REMOVED,
                "breaking",
                "clients that send reserved characters unencoded are misread",
            ),
            (ops.REQUEST_PARAMETER_ALLOW_RESERVED_ADDED, "compatible", _FINE),
        ),
        *_family(
            "request",
            (ops.REQUEST_BODY_ADDED_REQUIRED, "breaking", "clients that send none are rejected"),
            (ops.REQUEST_BODY_ADDED_OPTIONAL, "compatible", _FINE),
            (ops.REQUEST_BODY_BECAME_REQUIRED, "breaking", "clients that send none are rejected"),
            (ops.REQUEST_BODY_BECAME_OPTIONAL, "compatible", _FINE),
            (ops.REQUEST_BODY_REMOVED, "breaking", "clients that send one may be rejected"),
            (ops.REQUEST_MEDIA_TYPE_CHANGED, "breaking", "clients that send the old type break"),
            (ops.REQUEST_MEDIA_TYPE_REMOVED, "breaking", "clients that send it are rejected"),
            (ops.REQUEST_MEDIA_TYPE_ADDED, "compatible", _FINE),
            # what clients send, in bodies and parameters alike
            (shapes.REQUEST_TYPE_CHANGED, "breaking", _SENT),
            (shapes.REQUEST_TYPE_WIDENED, "compatible", _FINE),
            (shapes.REQUEST_ENUM_NARROWED, "breaking", _SENT),
            (shapes.REQUEST_ENUM_WIDENED, "compatible", _FINE),
            (shapes.REQUEST_BOUNDS_NARROWED, "breaking", _SENT),
            (shapes.REQUEST_BOUNDS_WIDENED, "compatible", _FINE),
            (shapes.REQUEST_PATTERN_CHANGED, "breaking", _SENT),
            (shapes.REQUEST_PATTERN_REMOVED, "compatible", _FINE),
            (shapes.REQUEST_PATTERN_NARROWED, "breaking", _SENT),
            (shapes.REQUEST_PATTERN_WIDENED, "compatible", _FINE),
            (shapes.REQUEST_PATTERN_UNDECIDED, "warning", _UNDECIDED),
            (shapes.REQUEST_FORMAT_CHANGED, "breaking", _SENT),
            (shapes.REQUEST_FORMAT_REMOVED, "compatible", _FINE),
            (shapes.REQUEST_BECAME_NOT_NULLABLE, "breaking", _SENT),
            (shapes.REQUEST_BECAME_NULLABLE, "compatible", _FINE),
            (shapes.REQUEST_NOT_ADDED, "breaking", _SENT),
            (shapes.REQUEST_NOT_REMOVED, "compatible", _FINE),
            (shapes.REQUEST_NOT_CHANGED, "breaking", _SENT),
            (
                shapes.REQUEST_OBJECT_CLOSED,
                "breaking",
                "clients that send other fields are rejected",
            ),
            (shapes.REQUEST_OBJECT_OPENED, "compatible", _FINE),
            (
                shapes.REQUEST_PROPERTY_ADDED_REQUIRED,
                "breaking",
                "clients that omit it are rejected",
            ),
            (shapes.REQUEST_PROPERTY_ADDED_OPTIONAL, "compatible", _FINE),
            (
                shapes.REQUEST_PROPERTY_BECAME_REQUIRED,
                "breaking",
                "clients that omit it are rejected",
            ),
            (shapes.REQUEST_PROPERTY_BECAME_OPTIONAL, "compatible", _FINE),
            (
                shapes.REQUEST_PROPERTY_REMOVED,
                "breaking",
                "the object is closed, so clients that send it are rejected",
            ),
            (
                shapes.REQUEST_PROPERTY_REMOVED_FROM_OPEN_OBJECT,
                "compatible",
                "the object is open, so it is ignored",
            ),
            (
                shapes.REQUEST_PROPERTY_BECAME_READ_ONLY,
                "breaking",
                "clients that send it may be rejected; a read-only field is not sent",
            ),
            (shapes.REQUEST_VARIANT_REMOVED, "breaking", _SENT),
            (shapes.REQUEST_VARIANT_ADDED, "compatible", _FINE),
            (
                shapes.REQUEST_DISCRIMINATOR_PROPERTY_CHANGED,
                "breaking",
                "clients tag their values with the old property",
            ),
            (shapes.REQUEST_DISCRIMINATOR_VALUE_REMOVED, "breaking", _SENT),
            (shapes.REQUEST_DISCRIMINATOR_VALUE_ADDED, "compatible", _FINE),
            (
                shapes.REQUEST_DISCRIMINATOR_MAPPING_CHANGED,
                "breaking",
                "values clients send are read as another variant",
            ),
        ),
        *_family(
            "response",
            (ops.SUCCESS_STATUS_CHANGED, "breaking", "clients that check the status break"),
            (ops.SUCCESS_STATUS_REMOVED, "breaking", "clients that expect it break"),
            (ops.SUCCESS_STATUS_ADDED, "warning", "clients may get a status they do not handle"),
            (ops.ERROR_STATUS_ADDED, "compatible", _FINE),
            (ops.ERROR_STATUS_REMOVED, "compatible", _FINE),
            (ops.RESPONSE_MEDIA_TYPE_CHANGED, "breaking", "clients that parse the old type break"),
            (ops.RESPONSE_MEDIA_TYPE_REMOVED, "breaking", "clients that ask for it break"),
            (ops.RESPONSE_MEDIA_TYPE_ADDED, "compatible", _FINE),
            # what clients read, in bodies and headers alike
            (shapes.RESPONSE_TYPE_CHANGED, "breaking", _READ),
            (shapes.RESPONSE_TYPE_NARROWED, "compatible", _FINE),
            (
                shapes.RESPONSE_ENUM_VALUE_ADDED,
                "warning",
                "clients that switch on the value may not handle it",
            ),
            (shapes.RESPONSE_ENUM_NARROWED, "compatible", _FINE),
            (shapes.RESPONSE_BOUNDS_WIDENED, "breaking", _UNKNOWN),
            (shapes.RESPONSE_BOUNDS_NARROWED, "compatible", _FINE),
            (shapes.RESPONSE_PATTERN_CHANGED, "breaking", _UNKNOWN),
            (shapes.RESPONSE_PATTERN_ADDED, "compatible", _FINE),
            (shapes.RESPONSE_PATTERN_WIDENED, "breaking", _UNKNOWN),
            (shapes.RESPONSE_PATTERN_NARROWED, "compatible", _FINE),
            (shapes.RESPONSE_PATTERN_UNDECIDED, "warning", _UNDECIDED),
            (
                shapes.RESPONSE_FORMAT_CHANGED,
                "breaking",
                "clients may get values they cannot parse",
            ),
            (shapes.RESPONSE_FORMAT_ADDED, "compatible", _FINE),
            (
                shapes.RESPONSE_BECAME_NULLABLE,
                "breaking",
                "clients may get a null they cannot handle",
            ),
            (shapes.RESPONSE_BECAME_NOT_NULLABLE, "compatible", _FINE),
            (shapes.RESPONSE_NOT_ADDED, "compatible", _FINE),
            (shapes.RESPONSE_NOT_REMOVED, "breaking", _UNKNOWN),
            (shapes.RESPONSE_NOT_CHANGED, "breaking", _UNKNOWN),
            (shapes.RESPONSE_OBJECT_OPENED, "warning", _STRICT),
            (shapes.RESPONSE_OBJECT_CLOSED, "compatible", _FINE),
            (shapes.RESPONSE_PROPERTY_REMOVED, "breaking", _READ),
            (shapes.RESPONSE_PROPERTY_BECAME_OPTIONAL, "breaking", _READ),
            (shapes.RESPONSE_PROPERTY_BECAME_REQUIRED, "compatible", _FINE),
            (
                shapes.RESPONSE_PROPERTY_BECAME_WRITE_ONLY,
                "breaking",
                "clients that read it no longer get it",
            ),
            (shapes.RESPONSE_PROPERTY_ADDED, "compatible", _FINE),
            (shapes.RESPONSE_PROPERTY_ADDED_TO_CLOSED_OBJECT, "warning", _STRICT),
            (
                shapes.RESPONSE_VARIANT_ADDED,
                "breaking",
                "clients may get a shape they do not know",
            ),
            (shapes.RESPONSE_VARIANT_REMOVED, "compatible", _FINE),
            (
                shapes.RESPONSE_DISCRIMINATOR_PROPERTY_CHANGED,
                "breaking",
                "clients that dispatch on the old property break",
            ),
            (
                shapes.RESPONSE_DISCRIMINATOR_VALUE_ADDED,
                "breaking",
                "clients that dispatch on the tag get one they do not know",
            ),
            (shapes.RESPONSE_DISCRIMINATOR_VALUE_REMOVED, "compatible", _FINE),
            (
                shapes.RESPONSE_DISCRIMINATOR_MAPPING_CHANGED,
                "breaking",
                "clients read the value as the wrong variant",
            ),
        ),
        *_family(
            "headers",
            (ops.RESPONSE_HEADER_REMOVED, "breaking", _READ),
            (ops.RESPONSE_HEADER_BECAME_OPTIONAL, "breaking", _READ),
            (ops.RESPONSE_HEADER_BECAME_REQUIRED, "compatible", _FINE),
            (ops.RESPONSE_HEADER_ADDED, "compatible", _FINE),
        ),
        *_family(
            "security",
            (
                security.SECURITY_PUBLIC_ACCESS_REMOVED,
                "breaking",
                "clients that call without credentials get a 401",
            ),
            (security.SECURITY_SCOPE_ADDED, "breaking", "tokens granted the old scopes get a 403"),
            (security.SECURITY_SCHEME_ADDED, "breaking", _AUTH),
            (security.SECURITY_SCHEME_CHANGED, "breaking", _AUTH),
            (security.SECURITY_ALTERNATIVE_REMOVED, "breaking", _AUTH),
            (security.SECURITY_PUBLIC_ACCESS_ADDED, "compatible", _FINE),
            (security.SECURITY_SCOPE_REMOVED, "compatible", _FINE),
            (security.SECURITY_SCHEME_REMOVED, "compatible", _FINE),
            (security.SECURITY_ALTERNATIVE_ADDED, "compatible", _FINE),
        ),
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
