"""Compare two shapes of one schema, from the side of the client that sends or reads it.

A constraint that gets tighter ("narrowed") breaks clients that send values;
one that gets looser ("widened") breaks clients that read them. Each
constraint is one small function in `CONSTRAINTS`; the walk over properties,
items and `oneOf` branches is written once, in `compare_shapes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

from .diff_rules import Change, change
from .diff_schema import EXCLUSIVE, LOWER_BOUNDS, UPPER_BOUNDS, Shape

Side = Literal["request", "response"]
Effect = Literal["narrowed", "widened", "changed"]


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

    def report(self, rule_id: str, what: str) -> Change:
        return change(rule_id, self.operation, "#" + self.pointer, f"{self.describe()} {what}")


# --- constraints: each says how one keyword moved, as (effect, words) pairs ---

Verdicts = list[tuple[Effect, str]]


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
    return "/".join(sorted(types)) if types else "any"


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


def _keyword(name: str) -> Callable[[Shape, Shape], Verdicts]:
    """A keyword such as `pattern` whose presence restricts values: added narrows."""

    def compare(old: Shape, new: Shape) -> Verdicts:
        before, after = old.get(name), new.get(name)
        if before == after:
            return []
        if before is None:
            return [("narrowed", f"gained {name} {after!r}")]
        if after is None:
            return [("widened", f"lost {name} {before!r}")]
        return [("changed", f"changed {name} from {before!r} to {after!r}")]

    compare.__name__ = f"_{name}"
    return compare


def _nullable(old: Shape, new: Shape) -> Verdicts:
    before, after = bool(old.get("nullable")), bool(new.get("nullable"))
    if before == after:
        return []
    return [("widened", "became nullable")] if after else [("narrowed", "is no longer nullable")]


def _closed(old: Shape, new: Shape) -> Verdicts:
    before = old.get("additionalProperties", True) is not False
    after = new.get("additionalProperties", True) is not False
    if before == after or not _is_object(old) or not _is_object(new):
        return []
    if after:
        return [("widened", "now allows fields it does not list")]
    return [("narrowed", "no longer allows fields it does not list")]


@dataclass(frozen=True)
class Constraint:
    """One keyword family and the rule each effect maps to, per side."""

    compare: Callable[[Shape, Shape], Verdicts]
    request: dict[Effect, str]
    response: dict[Effect, str]


def _rules(request: tuple[str, str, str], response: tuple[str, str, str]) -> dict[str, Any]:
    """Rule ids per side, given as (narrowed, widened, changed)."""
    effects: tuple[Effect, ...] = ("narrowed", "widened", "changed")
    return {
        "request": dict(zip(effects, request, strict=True)),
        "response": dict(zip(effects, response, strict=True)),
    }


CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint(
        _types,
        **_rules(
            ("request-type-changed", "request-type-widened", "request-type-changed"),
            ("response-type-narrowed", "response-type-changed", "response-type-changed"),
        ),
    ),
    Constraint(
        _enum,
        **_rules(
            ("request-enum-narrowed", "request-enum-widened", "request-enum-narrowed"),
            ("response-enum-narrowed", "response-enum-value-added", "response-enum-value-added"),
        ),
    ),
    Constraint(
        _bounds,
        **_rules(
            ("request-bounds-narrowed", "request-bounds-widened", "request-bounds-narrowed"),
            ("response-bounds-narrowed", "response-bounds-widened", "response-bounds-widened"),
        ),
    ),
    Constraint(
        _keyword("pattern"),
        **_rules(
            ("request-pattern-changed", "request-pattern-removed", "request-pattern-changed"),
            ("response-pattern-added", "response-pattern-changed", "response-pattern-changed"),
        ),
    ),
    Constraint(
        _keyword("format"),
        **_rules(
            ("request-format-changed", "request-format-removed", "request-format-changed"),
            ("response-format-added", "response-format-changed", "response-format-changed"),
        ),
    ),
    Constraint(
        _nullable,
        **_rules(
            ("request-became-not-nullable", "request-became-nullable", "request-became-nullable"),
            (
                "response-became-not-nullable",
                "response-became-nullable",
                "response-became-nullable",
            ),
        ),
    ),
    Constraint(
        _closed,
        **_rules(
            ("request-object-closed", "request-object-opened", "request-object-closed"),
            ("response-object-closed", "response-object-opened", "response-object-opened"),
        ),
    ),
)


# --- the walk ---


def compare_shapes(old: Shape, new: Shape, site: Site) -> Iterator[Change]:
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
        rules: dict[Effect, str] = getattr(constraint, site.side)
        for effect, words in constraint.compare(old, new):
            type_changed |= constraint.compare is _types and effect == "changed"
            yield site.report(rules[effect], words)
    if type_changed:
        return  # what is inside a value of another type is no longer comparable
    yield from _compare_properties(old, new, site)
    if "items" in old and "items" in new:
        yield from compare_shapes(old["items"], new["items"], site.child("[]", "/items"))


def _is_object(shape: Shape) -> bool:
    return "properties" in shape or "object" in shape.get("type", ())


def _compare_properties(old: Shape, new: Shape, site: Site) -> Iterator[Change]:
    before, after = old.get("properties", {}), new.get("properties", {})
    was_required, now_required = old.get("required", frozenset()), new.get("required", frozenset())
    request = site.side == "request"
    for name in before:
        at = site.child(name, f"/properties/{name}")
        if name not in after:
            if request:
                closed = new.get("additionalProperties", True) is False
                rule = (
                    "request-property-removed"
                    if closed
                    else ("request-property-removed-from-open-object")
                )
                yield at.report(rule, "was removed")
            else:
                yield at.report("response-property-removed", "was removed")
            continue
        yield from compare_shapes(before[name], after[name], at)
        side = "request" if request else "response"
        if name in was_required and name not in now_required:
            yield at.report(f"{side}-property-became-optional", "is no longer required")
        if name not in was_required and name in now_required:
            yield at.report(f"{side}-property-became-required", "is now required")
    for name in after:
        if name in before:
            continue
        at = site.child(name, f"/properties/{name}")
        if request:
            required = name in now_required
            rule = (
                "request-property-added-required"
                if required
                else ("request-property-added-optional")
            )
            yield at.report(rule, "was added" + (" as required" if required else ""))
        else:
            closed = old.get("additionalProperties", True) is False
            rule = (
                "response-property-added-to-closed-object"
                if closed
                else ("response-property-added")
            )
            yield at.report(rule, "was added" + (" to a closed object" if closed else ""))


def _branches(shape: Shape) -> tuple[Shape, ...]:
    return shape.get("oneOf") or shape.get("anyOf") or ()


def _compare_branches(old: Shape, new: Shape, site: Site) -> Iterator[Change]:
    """Pair `oneOf`/`anyOf` branches by meaning, then compare each pair."""
    before, after = list(_branches(old) or (old,)), list(_branches(new) or (new,))
    pairs, removed, added = pair_branches(before, after)
    for index, (left, right) in pairs:
        yield from compare_shapes(left, right, site.child("", f"/oneOf/{index}"))
    for index in removed:
        rule = "request-variant-removed" if site.side == "request" else "response-variant-removed"
        yield site.report(rule, f"lost the variant {_variant_name(before[index])}")
    for index in added:
        rule = "request-variant-added" if site.side == "request" else "response-variant-added"
        yield site.report(rule, f"gained the variant {_variant_name(after[index])}")


def pair_branches(
    before: list[Shape], after: list[Shape]
) -> tuple[list[tuple[int, tuple[Shape, Shape]]], list[int], list[int]]:
    """Match old branches to new ones: equal first, then by tag values, then by position."""
    pairs: list[tuple[int, tuple[Shape, Shape]]] = []
    left, right = list(range(len(before))), list(range(len(after)))
    for matches in (
        lambda a, b: before[a] == after[b],
        lambda a, b: _tags(before[a]) and _tags(before[a]) == _tags(after[b]),
        lambda a, b: len(left) == len(right),
    ):
        for a in list(left):
            found = next((b for b in right if matches(a, b)), None)
            if found is not None:
                pairs.append((found, (before[a], after[found])))
                left.remove(a)
                right.remove(found)
    return pairs, left, right


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
    return "with fields " + ", ".join(sorted(shape.get("properties", {}))) or "(any)"
