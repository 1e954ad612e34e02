"""Compare two shapes of one schema, from the side of the client that sends or reads it.

A constraint that gets tighter ("narrowed") breaks clients that send values;
one that gets looser ("widened") breaks clients that read them. Each
constraint is one small function with the rule ids of its effects beside it,
gathered in `CONSTRAINTS`; the walk over properties, items and `oneOf`
branches is written once, in `compare_shapes`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal, NamedTuple

from .difference import Difference
from .patterns import compare_patterns
from .shapes import EXCLUSIVE, LOWER_BOUNDS, UPPER_BOUNDS, Shape

Side = Literal["request", "response"]
Effect = Literal["narrowed", "widened", "changed", "undecided"]


@dataclass(frozen=True)
class Site:
    """Where in an operation a schema sits, and which way its values travel."""

    side: Side
    operation: str
    owner: str  # "request body", "response 200", "query parameter `limit`"
    pointer: str
    whole: str = ""  # how to name the value itself, when not `owner`: "response 200 body"
    field: str = ""

    def describe(self) -> str:
        return f"{self.owner} field `{self.field}`" if self.field else self.whole or self.owner

    def child(self, name: str, pointer: str) -> Site:
        joiner = "." if self.field and name and not name.startswith("[") else ""
        return replace(self, field=f"{self.field}{joiner}{name}", pointer=self.pointer + pointer)

    def report(self, rule_id: str, what: str) -> Difference:
        return Difference(rule_id, self.operation, "#" + self.pointer, f"{self.describe()} {what}")


# --- constraints: each says how one keyword moved, as (effect, words) pairs ---

Verdicts = list[tuple[Effect, str]]


class Effects(NamedTuple):
    """The rule each way a constraint can move falls under, on one side.

    `undecided` is for a change the diff cannot judge (two regexes too hard to
    compare); a constraint that is always decided leaves it out.
    """

    narrowed: str
    widened: str
    changed: str
    undecided: str = ""


@dataclass(frozen=True)
class Constraint:
    """One keyword family, and the rule of each of its effects, per side."""

    compare: Callable[[Shape, Shape], Verdicts]
    request: Effects
    response: Effects

    def rule(self, side: Side, effect: Effect) -> str:
        effects: Effects = getattr(self, side)
        return str(getattr(effects, effect) or effects.changed)


REQUEST_TYPE_CHANGED = "request-type-changed"
REQUEST_TYPE_WIDENED = "request-type-widened"
RESPONSE_TYPE_CHANGED = "response-type-changed"
RESPONSE_TYPE_NARROWED = "response-type-narrowed"


def _types(old: Shape, new: Shape) -> Verdicts:
    before, after = _widen_integer(old.get("type")), _widen_integer(new.get("type"))
    if before == after:
        return []
    words = f"changed type from {_names(old.get('type'))} to {_names(new.get('type'))}"
    if after is None or (before is not None and before <= after):
        return [("widened", words)]
    if before is None or after <= before:
        return [("narrowed", words)]
    return [("changed", words)]


def _widen_integer(types: frozenset[str] | None) -> frozenset[str] | None:
    """`number` includes `integer`: compare types as the sets of values they allow."""
    if types is None:
        return None
    return types | {"integer"} if "number" in types else types


def _names(types: frozenset[str] | None) -> str:
    if types is None:
        return "any"
    return "/".join(sorted(types)) if types else "null"


TYPES = Constraint(
    _types,
    request=Effects(REQUEST_TYPE_CHANGED, REQUEST_TYPE_WIDENED, REQUEST_TYPE_CHANGED),
    response=Effects(RESPONSE_TYPE_NARROWED, RESPONSE_TYPE_CHANGED, RESPONSE_TYPE_CHANGED),
)


REQUEST_ENUM_NARROWED = "request-enum-narrowed"
REQUEST_ENUM_WIDENED = "request-enum-widened"
RESPONSE_ENUM_NARROWED = "response-enum-narrowed"
RESPONSE_ENUM_VALUE_ADDED = "response-enum-value-added"


def _enum(old: Shape, new: Shape) -> Verdicts:
    before, after = old.get("enum"), new.get("enum")
    if before == after:
        return []
    if before is None:
        return [("narrowed", f"is now restricted to {_values(after)}")]
    if after is None:
        return [("widened", f"is no longer restricted to {_values(before)}")]
    verdicts: Verdicts = []
    if before - after:
        verdicts.append(("narrowed", f"no longer allows {_values(before - after)}"))
    if after - before:
        verdicts.append(("widened", f"now allows {_values(after - before)}"))
    return verdicts


def _values(values: frozenset[str] | None) -> str:
    return ", ".join(sorted(values or ()))


ENUM = Constraint(
    _enum,
    request=Effects(REQUEST_ENUM_NARROWED, REQUEST_ENUM_WIDENED, REQUEST_ENUM_NARROWED),
    response=Effects(RESPONSE_ENUM_NARROWED, RESPONSE_ENUM_VALUE_ADDED, RESPONSE_ENUM_VALUE_ADDED),
)


REQUEST_BOUNDS_NARROWED = "request-bounds-narrowed"
REQUEST_BOUNDS_WIDENED = "request-bounds-widened"
RESPONSE_BOUNDS_NARROWED = "response-bounds-narrowed"
RESPONSE_BOUNDS_WIDENED = "response-bounds-widened"


def _bounds(old: Shape, new: Shape) -> Verdicts:
    verdicts: Verdicts = []
    for key in (*LOWER_BOUNDS, *UPPER_BOUNDS):
        before, after = _bound(old, key), _bound(new, key)
        if before == after:
            continue
        lower = key in LOWER_BOUNDS
        if before is None or after is None:
            tighter = before is None
        else:
            tighter = after > before if lower else after < before
        words = f"{key} {_bound_text(before)} -> {_bound_text(after)}"
        verdicts.append(("narrowed" if tighter else "widened", f"changed {words}"))
    if old.get("multipleOf") != new.get("multipleOf"):
        verdicts.append(("changed", f"changed multipleOf to {new.get('multipleOf', 'none')}"))
    return verdicts


def _bound(shape: Shape, key: str) -> tuple[float, float] | None:
    """A bound as a sortable pair; an exclusive bound sits just inside the inclusive one."""
    if key not in shape:
        return None
    exclusive = key in EXCLUSIVE and shape.get(EXCLUSIVE[key])
    nudge = (1 if key in LOWER_BOUNDS else -1) if exclusive else 0
    return (shape[key], nudge)


def _bound_text(bound: tuple[float, float] | None) -> str:
    if bound is None:
        return "none"
    return f"{bound[0]}{' (exclusive)' if bound[1] else ''}"


BOUNDS = Constraint(
    _bounds,
    request=Effects(REQUEST_BOUNDS_NARROWED, REQUEST_BOUNDS_WIDENED, REQUEST_BOUNDS_NARROWED),
    response=Effects(RESPONSE_BOUNDS_NARROWED, RESPONSE_BOUNDS_WIDENED, RESPONSE_BOUNDS_WIDENED),
)


def _keyword(name: str, *, only_presence: bool = False) -> Callable[[Shape, Shape], Verdicts]:
    """A keyword such as `format` whose presence restricts values: added narrows.

    With `only_presence`, a value that changes is left to another constraint.
    """

    def compare(old: Shape, new: Shape) -> Verdicts:
        before, after = old.get(name), new.get(name)
        if before == after or (only_presence and None not in (before, after)):
            return []
        if before is None:
            return [("narrowed", f"gained {name} {json.dumps(after)}")]
        if after is None:
            return [("widened", f"lost {name} {json.dumps(before)}")]
        return [("changed", f"changed {name} from {json.dumps(before)} to {json.dumps(after)}")]

    compare.__name__ = f"_{name}"
    return compare


REQUEST_PATTERN_CHANGED = "request-pattern-changed"
REQUEST_PATTERN_REMOVED = "request-pattern-removed"
RESPONSE_PATTERN_ADDED = "response-pattern-added"
RESPONSE_PATTERN_CHANGED = "response-pattern-changed"

PATTERN = Constraint(
    _keyword("pattern", only_presence=True),
    request=Effects(REQUEST_PATTERN_CHANGED, REQUEST_PATTERN_REMOVED, REQUEST_PATTERN_CHANGED),
    response=Effects(RESPONSE_PATTERN_ADDED, RESPONSE_PATTERN_CHANGED, RESPONSE_PATTERN_CHANGED),
)


REQUEST_PATTERN_NARROWED = "request-pattern-narrowed"
REQUEST_PATTERN_WIDENED = "request-pattern-widened"
REQUEST_PATTERN_UNDECIDED = "request-pattern-undecided"
RESPONSE_PATTERN_NARROWED = "response-pattern-narrowed"
RESPONSE_PATTERN_WIDENED = "response-pattern-widened"
RESPONSE_PATTERN_UNDECIDED = "response-pattern-undecided"

_RELATION_WORDS = {
    "narrowed": "accepts fewer strings",
    "widened": "accepts more strings",
    "changed": "accepts other strings",
    "undecided": "cannot be compared by the strings it accepts",
}


def _pattern_language(old: Shape, new: Shape) -> Verdicts:
    """Two patterns, compared by the strings they accept: equal languages are no change."""
    before, after = old.get("pattern"), new.get("pattern")
    if before is None or after is None or before == after:
        return []
    relation = compare_patterns(str(before), str(after))
    if relation == "same":
        return []
    words = f"changed pattern from {json.dumps(before)} to {json.dumps(after)}"
    return [(relation, f"{words}, which {_RELATION_WORDS[relation]}")]


PATTERN_LANGUAGE = Constraint(
    _pattern_language,
    request=Effects(
        REQUEST_PATTERN_NARROWED,
        REQUEST_PATTERN_WIDENED,
        REQUEST_PATTERN_CHANGED,
        REQUEST_PATTERN_UNDECIDED,
    ),
    response=Effects(
        RESPONSE_PATTERN_NARROWED,
        RESPONSE_PATTERN_WIDENED,
        RESPONSE_PATTERN_CHANGED,
        RESPONSE_PATTERN_UNDECIDED,
    ),
)


REQUEST_FORMAT_CHANGED = "request-format-changed"
REQUEST_FORMAT_REMOVED = "request-format-removed"
RESPONSE_FORMAT_ADDED = "response-format-added"
RESPONSE_FORMAT_CHANGED = "response-format-changed"

FORMAT = Constraint(
    _keyword("format"),
    request=Effects(REQUEST_FORMAT_CHANGED, REQUEST_FORMAT_REMOVED, REQUEST_FORMAT_CHANGED),
    response=Effects(RESPONSE_FORMAT_ADDED, RESPONSE_FORMAT_CHANGED, RESPONSE_FORMAT_CHANGED),
)


REQUEST_BECAME_NOT_NULLABLE = "request-became-not-nullable"
REQUEST_BECAME_NULLABLE = "request-became-nullable"
RESPONSE_BECAME_NOT_NULLABLE = "response-became-not-nullable"
RESPONSE_BECAME_NULLABLE = "response-became-nullable"


def _nullable(old: Shape, new: Shape) -> Verdicts:
    before, after = bool(old.get("nullable")), bool(new.get("nullable"))
    if before == after:
        return []
    return [("widened", "became nullable")] if after else [("narrowed", "is no longer nullable")]


NULLABLE = Constraint(
    _nullable,
    request=Effects(REQUEST_BECAME_NOT_NULLABLE, REQUEST_BECAME_NULLABLE, REQUEST_BECAME_NULLABLE),
    response=Effects(
        RESPONSE_BECAME_NOT_NULLABLE, RESPONSE_BECAME_NULLABLE, RESPONSE_BECAME_NULLABLE
    ),
)


REQUEST_OBJECT_CLOSED = "request-object-closed"
REQUEST_OBJECT_OPENED = "request-object-opened"
RESPONSE_OBJECT_CLOSED = "response-object-closed"
RESPONSE_OBJECT_OPENED = "response-object-opened"


def _closed(old: Shape, new: Shape) -> Verdicts:
    if _is_closed(old) == _is_closed(new) or not _is_object(old) or not _is_object(new):
        return []
    if _is_closed(old):
        return [("widened", "now allows fields it does not list")]
    return [("narrowed", "no longer allows fields it does not list")]


def _is_object(shape: Shape) -> bool:
    return "properties" in shape or "object" in shape.get("type", ())


def _is_closed(shape: Shape) -> bool:
    return shape.get("additionalProperties", True) is False


CLOSED = Constraint(
    _closed,
    request=Effects(REQUEST_OBJECT_CLOSED, REQUEST_OBJECT_OPENED, REQUEST_OBJECT_CLOSED),
    response=Effects(RESPONSE_OBJECT_CLOSED, RESPONSE_OBJECT_OPENED, RESPONSE_OBJECT_OPENED),
)

REQUEST_NOT_ADDED = "request-not-added"
REQUEST_NOT_REMOVED = "request-not-removed"
REQUEST_NOT_CHANGED = "request-not-changed"
RESPONSE_NOT_ADDED = "response-not-added"
RESPONSE_NOT_REMOVED = "response-not-removed"
RESPONSE_NOT_CHANGED = "response-not-changed"


def _not(old: Shape, new: Shape) -> Verdicts:
    """`not` excludes values: gaining one narrows, losing one widens, changing one is both."""
    before, after = old.get("not"), new.get("not")
    if before == after:
        return []
    if before is None:
        return [("narrowed", "gained a `not` schema, which excludes values")]
    if after is None:
        return [("widened", "lost its `not` schema, which excluded values")]
    return [("changed", "changed its `not` schema: it excludes other values")]


NOT = Constraint(
    _not,
    request=Effects(REQUEST_NOT_ADDED, REQUEST_NOT_REMOVED, REQUEST_NOT_CHANGED),
    response=Effects(RESPONSE_NOT_ADDED, RESPONSE_NOT_REMOVED, RESPONSE_NOT_CHANGED),
)

CONSTRAINTS: tuple[Constraint, ...] = (
    TYPES,
    ENUM,
    BOUNDS,
    PATTERN,
    PATTERN_LANGUAGE,
    FORMAT,
    NULLABLE,
    CLOSED,
    NOT,
)


# --- the walk ---


def compare_shapes(old: Shape, new: Shape, site: Site) -> Iterator[Difference]:
    """Every change between two shapes at `site`, then inside their fields and items."""
    if old == new:
        return
    if "recursive" in old or "recursive" in new:
        return
    if _branches(old) or _branches(new):
        yield from _compare_branches(old, new, site)
        return
    type_changed = False
    for constraint in CONSTRAINTS:
        for effect, words in constraint.compare(old, new):
            type_changed |= constraint is TYPES and effect == "changed"
            yield site.report(constraint.rule(site.side, effect), words)
    if type_changed:
        return  # what is inside a value of another type is no longer comparable
    yield from _compare_properties(old, new, site)
    if "items" in old and "items" in new:
        yield from compare_shapes(old["items"], new["items"], site.child("[]", "/items"))


REQUEST_PROPERTY_ADDED_REQUIRED = "request-property-added-required"
REQUEST_PROPERTY_ADDED_OPTIONAL = "request-property-added-optional"
REQUEST_PROPERTY_BECAME_REQUIRED = "request-property-became-required"
REQUEST_PROPERTY_BECAME_OPTIONAL = "request-property-became-optional"
REQUEST_PROPERTY_REMOVED = "request-property-removed"
REQUEST_PROPERTY_REMOVED_FROM_OPEN_OBJECT = "request-property-removed-from-open-object"
RESPONSE_PROPERTY_REMOVED = "response-property-removed"
RESPONSE_PROPERTY_BECAME_OPTIONAL = "response-property-became-optional"
RESPONSE_PROPERTY_BECAME_REQUIRED = "response-property-became-required"
RESPONSE_PROPERTY_ADDED = "response-property-added"
RESPONSE_PROPERTY_ADDED_TO_CLOSED_OBJECT = "response-property-added-to-closed-object"

_BECAME_OPTIONAL = {
    "request": REQUEST_PROPERTY_BECAME_OPTIONAL,
    "response": RESPONSE_PROPERTY_BECAME_OPTIONAL,
}
_BECAME_REQUIRED = {
    "request": REQUEST_PROPERTY_BECAME_REQUIRED,
    "response": RESPONSE_PROPERTY_BECAME_REQUIRED,
}


REQUEST_PROPERTY_BECAME_READ_ONLY = "request-property-became-read-only"
RESPONSE_PROPERTY_BECAME_WRITE_ONLY = "response-property-became-write-only"

_HIDDEN_BY = {"request": "readOnly", "response": "writeOnly"}
"""The flag that takes a field out of one side: read-only fields are not sent,
write-only fields are not returned."""


def _compare_properties(old: Shape, new: Shape, site: Site) -> Iterator[Difference]:
    """Fields as the side sees them: a read-only field is no field of a request."""
    hidden = _HIDDEN_BY[site.side]
    before, after = _seen(old, hidden), _seen(new, hidden)
    was_required = old.get("required", frozenset()) & set(before)
    now_required = new.get("required", frozenset()) & set(after)
    for name in before:
        at = site.child(name, f"/properties/{name}")
        if name not in after:
            yield _property_gone(site, at, new, name)
            continue
        yield from compare_shapes(before[name], after[name], at)
        if name in was_required and name not in now_required:
            yield at.report(_BECAME_OPTIONAL[site.side], "is no longer required")
        if name not in was_required and name in now_required:
            yield at.report(_BECAME_REQUIRED[site.side], "is now required")
    for name in after:
        if name not in before:
            required = name in now_required
            if name in old.get("properties", {}):
                rule, what = _flag_dropped(site.side, required)
            else:
                rule, what = _property_added(site.side, old, required)
            yield site.child(name, f"/properties/{name}").report(rule, what)


def _flag_dropped(side: Side, required: bool) -> tuple[str, str]:
    """A field this side did not see and now does: listed all along, so even a closed
    object allowed it; a request must now send it only if it is required."""
    if side == "response":
        return RESPONSE_PROPERTY_ADDED, "is no longer write-only"
    if required:
        return REQUEST_PROPERTY_ADDED_REQUIRED, "is no longer read-only, and is required"
    return REQUEST_PROPERTY_ADDED_OPTIONAL, "is no longer read-only"


def _seen(shape: Shape, hidden: str) -> dict[str, Shape]:
    properties: dict[str, Shape] = shape.get("properties", {})
    return {name: field for name, field in properties.items() if not field.get(hidden)}


def _property_gone(site: Site, at: Site, new: Shape, name: str) -> Difference:
    """A field this side no longer sees: removed, or flagged out of this side."""
    if name in new.get("properties", {}):
        if site.side == "request":
            return at.report(REQUEST_PROPERTY_BECAME_READ_ONLY, "became read-only")
        return at.report(RESPONSE_PROPERTY_BECAME_WRITE_ONLY, "became write-only")
    return at.report(_property_removed(site.side, new), "was removed")


def _property_removed(side: Side, new: Shape) -> str:
    """A field clients send may go only from an open object, which ignores it now."""
    if side == "response":
        return RESPONSE_PROPERTY_REMOVED
    return (
        REQUEST_PROPERTY_REMOVED if _is_closed(new) else REQUEST_PROPERTY_REMOVED_FROM_OPEN_OBJECT
    )


def _property_added(side: Side, old: Shape, required: bool) -> tuple[str, str]:
    """The rule and the words for a new field: required matters to senders, closed to readers."""
    if side == "request" and required:
        return REQUEST_PROPERTY_ADDED_REQUIRED, "was added as required"
    if side == "request":
        return REQUEST_PROPERTY_ADDED_OPTIONAL, "was added"
    if _is_closed(old):
        return RESPONSE_PROPERTY_ADDED_TO_CLOSED_OBJECT, "was added to a closed object"
    return RESPONSE_PROPERTY_ADDED, "was added"


def _branches(shape: Shape) -> tuple[Shape, ...]:
    return shape.get("oneOf") or shape.get("anyOf") or ()


REQUEST_VARIANT_REMOVED = "request-variant-removed"
REQUEST_VARIANT_ADDED = "request-variant-added"
RESPONSE_VARIANT_ADDED = "response-variant-added"
RESPONSE_VARIANT_REMOVED = "response-variant-removed"

_VARIANT_REMOVED = {"request": REQUEST_VARIANT_REMOVED, "response": RESPONSE_VARIANT_REMOVED}
_VARIANT_ADDED = {"request": REQUEST_VARIANT_ADDED, "response": RESPONSE_VARIANT_ADDED}


def _compare_branches(old: Shape, new: Shape, site: Site) -> Iterator[Difference]:
    """Pair `oneOf`/`anyOf` branches by meaning, then compare each pair."""
    before, after = list(_branches(old) or (old,)), list(_branches(new) or (new,))
    pairs, removed, added = pair_branches(before, after)
    for a, b in pairs:
        yield from compare_shapes(before[a], after[b], site.child("", f"/oneOf/{b}"))
    for index in removed:
        what = f"lost the variant {_variant_name(before[index])}"
        yield site.report(_VARIANT_REMOVED[site.side], what)
    for index in added:
        what = f"gained the variant {_variant_name(after[index])}"
        yield site.report(_VARIANT_ADDED[site.side], what)
    yield from _compare_discriminators(old, new, dict(pairs), site)


def pair_branches(
    before: list[Shape], after: list[Shape]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Match old branches to new ones: equal first, then by tag values, then by position.

    Returns the (old index, new index) pairs, the old branches left, the new ones left.
    """
    pairs: list[tuple[int, int]] = []
    left, right = list(range(len(before))), list(range(len(after)))
    matchers: tuple[Callable[[int, int], Any], ...] = (
        lambda a, b: before[a] == after[b],
        lambda a, b: _tags(before[a]) and _tags(before[a]) == _tags(after[b]),
        lambda a, b: len(left) == len(right),
    )
    for matches in matchers:
        for a in list(left):
            found = next((b for b in right if matches(a, b)), None)
            if found is not None:
                pairs.append((a, found))
                left.remove(a)
                right.remove(found)
    return pairs, left, right


REQUEST_DISCRIMINATOR_PROPERTY_CHANGED = "request-discriminator-property-changed"
REQUEST_DISCRIMINATOR_VALUE_REMOVED = "request-discriminator-value-removed"
REQUEST_DISCRIMINATOR_VALUE_ADDED = "request-discriminator-value-added"
REQUEST_DISCRIMINATOR_MAPPING_CHANGED = "request-discriminator-mapping-changed"
RESPONSE_DISCRIMINATOR_PROPERTY_CHANGED = "response-discriminator-property-changed"
RESPONSE_DISCRIMINATOR_VALUE_REMOVED = "response-discriminator-value-removed"
RESPONSE_DISCRIMINATOR_VALUE_ADDED = "response-discriminator-value-added"
RESPONSE_DISCRIMINATOR_MAPPING_CHANGED = "response-discriminator-mapping-changed"


class DiscriminatorRules(NamedTuple):
    property_changed: str
    value_removed: str
    value_added: str
    mapping_changed: str


_DISCRIMINATOR = {
    "request": DiscriminatorRules(
        REQUEST_DISCRIMINATOR_PROPERTY_CHANGED,
        REQUEST_DISCRIMINATOR_VALUE_REMOVED,
        REQUEST_DISCRIMINATOR_VALUE_ADDED,
        REQUEST_DISCRIMINATOR_MAPPING_CHANGED,
    ),
    "response": DiscriminatorRules(
        RESPONSE_DISCRIMINATOR_PROPERTY_CHANGED,
        RESPONSE_DISCRIMINATOR_VALUE_REMOVED,
        RESPONSE_DISCRIMINATOR_VALUE_ADDED,
        RESPONSE_DISCRIMINATOR_MAPPING_CHANGED,
    ),
}


def _compare_discriminators(
    old: Shape, new: Shape, moved: dict[int, int], site: Site
) -> Iterator[Difference]:
    """Tag values by meaning: which branch each picks, not which `$ref` names it.

    `moved` maps each old branch to the new branch it was paired with, so a
    component renamed behind an explicit mapping is no change, and a value
    that now picks another branch is one.
    """
    before, after = old.get("discriminator"), new.get("discriminator")
    if before is None or after is None:
        return
    rules = _DISCRIMINATOR[site.side]
    (old_name, old_values), (new_name, new_values) = before, after
    if old_name != new_name:
        what = f"discriminator changed from `{old_name}` to `{new_name}`"
        yield site.report(rules.property_changed, what)
        return
    was, now = dict(old_values), dict(new_values)
    for value, index in sorted(was.items()):
        tag = f"the `{old_name}` value {json.dumps(value)}"
        if value not in now:
            yield site.report(rules.value_removed, f"no longer takes {tag}")
        elif index >= 0 and now[value] >= 0 and moved.get(index) != now[value]:
            yield site.report(rules.mapping_changed, f"now reads {tag} as another variant")
    for value in sorted(set(now) - set(was)):
        what = f"now takes the `{new_name}` value {json.dumps(value)}"
        yield site.report(rules.value_added, what)


def _tags(shape: Shape) -> frozenset[tuple[str, str]]:
    """The single-value enums of a branch's fields: what tells branches apart."""
    return frozenset(
        (name, next(iter(field["enum"])))
        for name, field in shape.get("properties", {}).items()
        if len(field.get("enum", ())) == 1
    )


def _variant_name(shape: Shape) -> str:
    tags = _tags(shape)
    if tags:
        return " ".join(f"{name}={value}" for name, value in sorted(tags))
    fields = ", ".join(sorted(shape.get("properties", {})))
    return f"with fields {fields}" if fields else "(any)"
