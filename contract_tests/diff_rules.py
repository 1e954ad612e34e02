"""Every kind of change `diff` reports: a stable id, a level, and what it means for clients.

The ids follow oasdiff's where one of its rules covers the same ground. The
level is judged from the client's side: a request the old spec allowed must
still be accepted, and a response a client built on the old spec can read must
still be all it gets. `warning` marks changes that break only clients which
validate responses strictly; they are listed but do not fail the build unless
`--fail-on warning` is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["breaking", "warning", "compatible"]
LEVELS: tuple[Level, ...] = ("breaking", "warning", "compatible")


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    consequence: str


@dataclass(frozen=True)
class Change:
    """One difference between the specs, in words a reviewer understands."""

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

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        # Paths and operations
        Rule("path-removed", "breaking", "clients that call it get a 404"),
        Rule("path-added", "compatible", _FINE),
        Rule("operation-removed", "breaking", "clients that call it get a 405"),
        Rule("operation-added", "compatible", _FINE),
        Rule("operation-id-changed", "breaking", "generated clients and links that name it break"),
        Rule("operation-id-added", "compatible", _FINE),
        # Statuses and media types
        Rule("success-status-changed", "breaking", "clients that check the status break"),
        Rule("success-status-removed", "breaking", "clients that expect it break"),
        Rule("success-status-added", "warning", "clients may get a status they do not handle"),
        Rule("error-status-added", "compatible", _FINE),
        Rule("error-status-removed", "compatible", _FINE),
        Rule("response-media-type-changed", "breaking", "clients that parse the old type break"),
        Rule("response-media-type-removed", "breaking", "clients that ask for it break"),
        Rule("response-media-type-added", "compatible", _FINE),
        Rule("request-media-type-changed", "breaking", "clients that send the old type break"),
        Rule("request-media-type-removed", "breaking", "clients that send it are rejected"),
        Rule("request-media-type-added", "compatible", _FINE),
        Rule("response-header-removed", "breaking", _READ),
        Rule("response-header-became-optional", "breaking", _READ),
        Rule("response-header-added", "compatible", _FINE),
        # Request bodies and parameters
        Rule("request-body-added-required", "breaking", "clients that send none are rejected"),
        Rule("request-body-added-optional", "compatible", _FINE),
        Rule("request-body-became-required", "breaking", "clients that send none are rejected"),
        Rule("request-body-became-optional", "compatible", _FINE),
        Rule("request-body-removed", "breaking", "clients that send one may be rejected"),
        Rule(
            "request-parameter-removed", "breaking", "clients that send it are ignored or rejected"
        ),
        Rule("request-parameter-renamed", "breaking", "clients that send the old name break"),
        Rule("request-parameter-added-required", "breaking", "clients that omit it are rejected"),
        Rule("request-parameter-added-optional", "compatible", _FINE),
        Rule("request-parameter-became-required", "breaking", "clients that omit it are rejected"),
        Rule("request-parameter-became-optional", "compatible", _FINE),
        # What clients send (request bodies and parameters)
        Rule("request-type-changed", "breaking", _SENT),
        Rule("request-type-widened", "compatible", _FINE),
        Rule("request-enum-narrowed", "breaking", _SENT),
        Rule("request-enum-widened", "compatible", _FINE),
        Rule("request-bounds-narrowed", "breaking", _SENT),
        Rule("request-bounds-widened", "compatible", _FINE),
        Rule("request-pattern-changed", "breaking", _SENT),
        Rule("request-pattern-removed", "compatible", _FINE),
        Rule("request-format-changed", "breaking", _SENT),
        Rule("request-format-removed", "compatible", _FINE),
        Rule("request-became-not-nullable", "breaking", _SENT),
        Rule("request-became-nullable", "compatible", _FINE),
        Rule("request-object-closed", "breaking", "clients that send other fields are rejected"),
        Rule("request-object-opened", "compatible", _FINE),
        Rule("request-property-added-required", "breaking", "clients that omit it are rejected"),
        Rule("request-property-added-optional", "compatible", _FINE),
        Rule("request-property-became-required", "breaking", "clients that omit it are rejected"),
        Rule("request-property-became-optional", "compatible", _FINE),
        Rule(
            "request-property-removed",
            "breaking",
            "the object is closed, so clients that send it are rejected",
        ),
        Rule(
            "request-property-removed-from-open-object",
            "compatible",
            "the object is open, so it is ignored",
        ),
        Rule("request-variant-removed", "breaking", _SENT),
        Rule("request-variant-added", "compatible", _FINE),
        # What clients read (response bodies and headers)
        Rule("response-type-changed", "breaking", _READ),
        Rule("response-type-narrowed", "compatible", _FINE),
        Rule(
            "response-enum-value-added",
            "warning",
            "clients that switch on the value may not handle it",
        ),
        Rule("response-enum-narrowed", "compatible", _FINE),
        Rule("response-bounds-widened", "breaking", "clients may get values they cannot handle"),
        Rule("response-bounds-narrowed", "compatible", _FINE),
        Rule("response-pattern-changed", "breaking", "clients may get values they cannot handle"),
        Rule("response-pattern-added", "compatible", _FINE),
        Rule("response-format-changed", "breaking", "clients may get values they cannot parse"),
        Rule("response-format-added", "compatible", _FINE),
        Rule("response-became-nullable", "breaking", "clients may get a null they cannot handle"),
        Rule("response-became-not-nullable", "compatible", _FINE),
        Rule("response-object-opened", "warning", _STRICT),
        Rule("response-object-closed", "compatible", _FINE),
        Rule("response-property-removed", "breaking", _READ),
        Rule("response-property-became-optional", "breaking", _READ),
        Rule("response-property-became-required", "compatible", _FINE),
        Rule("response-property-added", "compatible", _FINE),
        Rule("response-property-added-to-closed-object", "warning", _STRICT),
        Rule("response-variant-added", "breaking", "clients may get a shape they do not know"),
        Rule("response-variant-removed", "compatible", _FINE),
    )
}


def change(rule_id: str, operation: str, location: str, what: str) -> Change:
    """A `Change` of rule `rule_id`; `what` says what changed, the rule says what it means."""
    rule = RULES[rule_id]
    prefix = f"{operation}: " if operation else ""
    return Change(rule.id, rule.level, operation, location, f"{prefix}{what}; {rule.consequence}")
