"""Schemas reduced to what they mean, so refactors and version upgrades compare equal.

A `Shape` is a schema with every `$ref` followed (by `rooms_spec.Spec`), every
`allOf` merged, `oneOf`/`anyOf` siblings pushed into the branches, and every
annotation (description, example, examples, title, ...) dropped. Two specs that
differ only by `$ref` versus inline, a split into `allOf`, key order or prose
give equal shapes. A schema that refers to itself stops at a `recursive` marker.

The spellings OpenAPI 3.0 and 3.1 have for one meaning become one:

- `nullable: true` (3.0), `type: [T, "null"]` (3.1) and a `{type: "null"}`
  branch of a `oneOf`/`anyOf` are all `nullable` (a 3.1 document's `nullable`
  is not a keyword of 3.1, and means nothing there);
- `exclusiveMinimum: true` beside `minimum` (3.0) and `exclusiveMinimum: 5`
  (3.1) are one exclusive bound, and on an integer every bound is inclusive
  (`exclusiveMinimum: 0` is `minimum: 1`);
- `const: x` is `enum: [x]`; an integer's `int32`/`int64` format is the range
  it implies; a `oneOf` of one branch is that branch;
- in 3.1 a `$ref`'s sibling keywords apply too (an `allOf` of both), in 3.0
  they are ignored, as each version says.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable
from typing import Any

from rooms_spec import Spec, SpecError

Shape = dict[str, Any]

LOWER_BOUNDS = ("minimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "maxLength", "maxItems", "maxProperties")
EXCLUSIVE = {"minimum": "exclusiveMinimum", "maximum": "exclusiveMaximum"}
_KEPT_AS_IS = ("format", "pattern", "multipleOf")
_BRANCHES = ("oneOf", "anyOf")
_FLAGS = ("readOnly", "writeOnly")
_SCHEMAS = "#/components/schemas/"
NULL_ONLY: Shape = {"type": frozenset(), "nullable": True}
"""The shape of `{type: "null"}`: nothing but null."""


def enum_value(value: Any) -> str:
    """An enum member as text, the same however the YAML spelled it."""
    return json.dumps(value, sort_keys=True)


def is_openapi_31(spec: Spec) -> bool:
    return str(spec.document.get("openapi", "")).startswith("3.1")


def shape_of(schema: Any, spec: Spec) -> Shape:
    """The meaning of `schema` (which may be a `$ref`) inside `spec`."""
    return _Shaper(spec).shape(schema, ())


class _Shaper:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.openapi_31 = is_openapi_31(spec)

    def shape(self, schema: Any, refs: tuple[str, ...]) -> Shape:
        """`refs` are the `$ref`s followed to get here: meeting one again is recursion."""
        if schema is False:
            return {"type": frozenset()}  # 3.1: no value at all
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        parts: list[Shape] = []
        if isinstance(ref, str):
            if ref in refs:
                return {"recursive": ref}
            parts.append(self.shape(self.spec.resolve(schema), (*refs, ref)))
            if not self.openapi_31:
                return parts[0]  # 3.0: "this object cannot be extended with additional properties"
        parts.append(self._own(schema, refs))
        parts += [self.shape(part, refs) for part in schema.get("allOf", [])]
        return settle(merge_all(parts))

    def _own(self, schema: dict[str, Any], refs: tuple[str, ...]) -> Shape:
        """The schema's own keywords, without `allOf`."""
        shape: Shape = {}
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            shape["type"] = frozenset(str(name) for name in types) - {"null"}
            if "null" in types:
                shape["nullable"] = True
        if schema.get("nullable") is True and not self.openapi_31:
            shape["nullable"] = True
        if "enum" in schema:
            shape["enum"] = frozenset(enum_value(value) for value in schema["enum"])
        if "const" in schema:
            const = frozenset({enum_value(schema["const"])})
            shape["enum"] = shape["enum"] & const if "enum" in shape else const
        for key in (*_KEPT_AS_IS, *LOWER_BOUNDS, *UPPER_BOUNDS):
            if key in schema:
                shape[key] = schema[key]
        _exclusive_bounds(schema, shape)
        for flag in _FLAGS:
            if schema.get(flag) is True:
                shape[flag] = True
        if "properties" in schema:
            shape["properties"] = {
                name: self.shape(value, refs) for name, value in schema["properties"].items()
            }
        if schema.get("required"):
            shape["required"] = frozenset(schema["required"])
        extra = schema.get("additionalProperties", True)
        if schema.get("unevaluatedProperties") is False:
            extra = False  # after allOf is merged, nothing is left unevaluated but extras
        if extra is not True:
            shape["additionalProperties"] = (
                extra if isinstance(extra, bool) else self.shape(extra, refs)
            )
        if "items" in schema:
            shape["items"] = self.shape(schema["items"], refs)
        if "not" in schema:
            shape["not"] = self.shape(schema["not"], refs)
        for key in _BRANCHES:
            if key in schema:
                shape[key] = tuple(self.shape(branch, refs) for branch in schema[key])
                tags = self._discriminator(schema, schema[key], shape[key], refs)
                if tags is not None:
                    shape["discriminator"] = tags
        return shape

    def _discriminator(
        self,
        schema: dict[str, Any],
        branches: list[Any],
        shaped: tuple[Shape, ...],
        refs: tuple[str, ...],
    ) -> Any:
        """(property, {(value, branch index)}): which tag value picks which branch.

        Explicit `mapping` entries first, each to the branch that is its `$ref`
        (or, for an inlined branch, that means the same), then, for every
        branch that is a `$ref` to a component no entry names, the component's
        name: the value a client sends is a name only when no mapping gives one.
        """
        discriminator = schema.get("discriminator")
        if not isinstance(discriminator, dict) or "propertyName" not in discriminator:
            return None
        written = [branch.get("$ref") if isinstance(branch, dict) else None for branch in branches]
        values: dict[str, int] = {}
        mapping = discriminator.get("mapping")
        mapping = mapping if isinstance(mapping, dict) else {}
        targets = {
            str(value): str(target) if str(target).startswith("#") else _SCHEMAS + str(target)
            for value, target in mapping.items()
        }
        for value, target in targets.items():
            values[value] = self._branch_of(target, written, shaped, refs)
        for index, branch_ref in enumerate(written):
            if not isinstance(branch_ref, str) or not branch_ref.startswith(_SCHEMAS):
                continue
            if branch_ref not in targets.values():
                values.setdefault(branch_ref.removeprefix(_SCHEMAS), index)
        return (str(discriminator["propertyName"]), frozenset(values.items()))

    def _branch_of(
        self, ref: str, written: list[Any], shaped: tuple[Shape, ...], refs: tuple[str, ...]
    ) -> int:
        """The branch a mapping target picks: by its `$ref`, else by meaning; -1 if none."""
        if ref in written:
            return written.index(ref)
        try:
            target = self.shape({"$ref": ref}, refs)
        except SpecError:
            return -1
        return shaped.index(target) if target in shaped else -1


def _exclusive_bounds(schema: dict[str, Any], shape: Shape) -> None:
    """Both spellings of an exclusive bound as one: the bound, and a flag that it is exclusive."""
    for key, flag in EXCLUSIVE.items():
        value = schema.get(flag)
        if value is True and key in schema:
            shape[flag] = True
        elif isinstance(value, int | float) and not isinstance(value, bool):
            inclusive = shape.get(key)
            lower = key == "minimum"
            if inclusive is None or (value >= inclusive if lower else value <= inclusive):
                shape[key], shape[flag] = value, True


# What `format: int32` and `int64` mean for an integer: a range, nothing else.
INTEGER_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def settle(shape: Shape) -> Shape:
    """The last steps of the normal form, once `allOf` is merged: integer bounds, lone branches."""
    if shape.get("type") == frozenset({"integer"}):
        _integer_format_as_bounds(shape)
        _integer_bounds_inclusive(shape)
    return _simplify_branches(shape)


def _integer_format_as_bounds(shape: Shape) -> None:
    """An integer's int32/int64 format becomes the bounds it implies, so the format a
    spec adds to an integer already bounded within its range is not a change (and one
    that does narrow the range shows as the bound it sets)."""
    span = INTEGER_RANGES.get(shape.get("format", ""))
    if span is None:
        return
    del shape["format"]
    low, high = span
    if shape.get("minimum", low - 1) < low:
        shape["minimum"] = low
        shape.pop("exclusiveMinimum", None)
    if shape.get("maximum", high + 1) > high:
        shape["maximum"] = high
        shape.pop("exclusiveMaximum", None)


def _integer_bounds_inclusive(shape: Shape) -> None:
    """On an integer, `exclusiveMinimum: 0` and `minimum: 0.5` both mean `minimum: 1`."""
    for key, flag in EXCLUSIVE.items():
        value = shape.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        exclusive = bool(shape.pop(flag, False))
        if key == "minimum":
            shape[key] = math.floor(value) + 1 if exclusive else math.ceil(value)
        else:
            shape[key] = math.ceil(value) - 1 if exclusive else math.floor(value)


def _simplify_branches(shape: Shape) -> Shape:
    """A `{type: "null"}` branch is `nullable` on the others; a lone branch is itself."""
    for key in _BRANCHES:
        branches = shape.get(key)
        if branches is None:
            continue
        kept = [index for index, branch in enumerate(branches) if branch != NULL_ONLY]
        if not kept:
            return dict(NULL_ONLY)
        nullable = len(kept) < len(branches)
        shape[key] = tuple(
            settle({**branches[index], "nullable": True} if nullable else branches[index])
            for index in kept
        )
        if nullable and "discriminator" in shape:
            name, values = shape["discriminator"]
            moved = {index: kept.index(index) for index in kept}
            shape["discriminator"] = (
                name,
                frozenset((value, moved.get(index, -1)) for value, index in values),
            )
        if len(kept) == 1 and set(shape) <= {key, "discriminator"}:
            return dict(shape[key][0])
        values = _one_enum(shape[key], disjoint=key == "oneOf")
        if values is not None and set(shape) == {key}:
            return values
    return shape


def _one_enum(branches: tuple[Shape, ...], *, disjoint: bool) -> Shape | None:
    """Branches that differ only in their enum are one enum: `anyOf: [{const: a}, {const: b}]`
    is `enum: [a, b]` (for `oneOf`, only if no value is in two branches)."""
    if not all("enum" in branch for branch in branches):
        return None
    rest = [{k: v for k, v in branch.items() if k != "enum"} for branch in branches]
    if any(other != rest[0] for other in rest):
        return None
    values = [branch["enum"] for branch in branches]
    union = frozenset().union(*values)
    if disjoint and len(union) != sum(len(value) for value in values):
        return None
    return {**rest[0], "enum": union}


def merge_all(parts: list[Shape]) -> Shape:
    """`allOf` of `parts`: one shape, with any `oneOf`/`anyOf` distributed over the rest.

    A discriminator stays with its branches only while they are the only branches:
    once combined with another `oneOf`, its indices mean nothing.
    """
    branch_lists = {key: [part.pop(key) for part in parts if key in part] for key in _BRANCHES}
    tags = [part.pop("discriminator") for part in parts if "discriminator" in part]
    lists = sum(len(found) for found in branch_lists.values())
    base = _merged(parts)
    for key, found in branch_lists.items():
        if not found:
            continue
        combos = [_merged(combo) for combo in itertools.product(*found)]
        if len(combos) == 1:
            base = merge(base, combos[0])
        else:
            base[key] = tuple(merge(dict(base), combo) for combo in combos)
    if any(key in base for key in _BRANCHES):
        kept = {key: base[key] for key in _BRANCHES if key in base}
        if lists == 1 and len(tags) == 1:
            kept["discriminator"] = tags[0]
        return kept
    return base


def _merged(parts: Iterable[Shape]) -> Shape:
    merged: Shape = {}
    for part in parts:
        merged = merge(merged, part)
    return merged


def merge(left: Shape, right: Shape) -> Shape:
    """Both shapes at once (what a value valid against each of them must be)."""
    merged = dict(left)
    for key, value in right.items():
        if key not in merged:
            merged[key] = value
        else:
            merged[key] = _merge_key(key, merged[key], value)
    if _refuses_null(left) or _refuses_null(right):
        merged.pop("nullable", None)
    return merged


def _refuses_null(shape: Shape) -> bool:
    """A part that names its types and not null: null breaks it, whatever the others say."""
    return "type" in shape and not shape.get("nullable")


def _merge_key(key: str, left: Any, right: Any) -> Any:
    if key in ("type", "enum"):
        return left & right
    if key in ("required",):
        return left | right
    if key == "nullable":
        return left and right
    if key in _FLAGS:
        return left or right
    if key in LOWER_BOUNDS:
        return max(left, right)
    if key in UPPER_BOUNDS:
        return min(left, right)
    if key == "properties":
        return {
            name: merge(left[name], right[name])
            if name in left and name in right
            else left.get(name, right.get(name))
            for name in {**left, **right}
        }
    if key == "additionalProperties":
        if left is False or right is False:
            return False
        return left if isinstance(left, dict) else right
    if key == "items":
        return merge(left, right)
    return left
