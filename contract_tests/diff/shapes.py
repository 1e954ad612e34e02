"""Schemas reduced to what they mean, so refactors compare equal.

A `Shape` is a schema with every `$ref` followed (by `rooms_spec.Spec`), every
`allOf` merged, `oneOf`/`anyOf` siblings pushed into the branches, and every
annotation (description, example, title, ...) dropped. Two specs that differ
only by `$ref` versus inline, a split into `allOf`, key order or prose give
equal shapes. A schema that refers to itself stops at a `recursive` marker.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

from rooms_spec import Spec

Shape = dict[str, Any]

LOWER_BOUNDS = ("minimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "maxLength", "maxItems", "maxProperties")
EXCLUSIVE = {"minimum": "exclusiveMinimum", "maximum": "exclusiveMaximum"}
_KEPT_AS_IS = ("format", "pattern", "multipleOf")
_BRANCHES = ("oneOf", "anyOf")


def enum_value(value: Any) -> str:
    """An enum member as text, the same however the YAML spelled it."""
    return json.dumps(value, sort_keys=True)


def shape_of(schema: Any, spec: Spec) -> Shape:
    """The meaning of `schema` (which may be a `$ref`) inside `spec`."""
    return _Shaper(spec).shape(schema, ())


class _Shaper:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def shape(self, schema: Any, refs: tuple[str, ...]) -> Shape:
        """`refs` are the `$ref`s followed to get here: meeting one again is recursion."""
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in refs:
                return {"recursive": ref}
            return self.shape(self.spec.resolve(schema), (*refs, ref))
        parts = [self._own(schema, refs)]
        parts += [self.shape(part, refs) for part in schema.get("allOf", [])]
        return merge_all(parts)

    def _own(self, schema: dict[str, Any], refs: tuple[str, ...]) -> Shape:
        """The schema's own keywords, without `allOf`."""
        shape: Shape = {}
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            shape["type"] = frozenset(types)
        if schema.get("nullable"):
            shape["nullable"] = True
        if "enum" in schema:
            shape["enum"] = frozenset(enum_value(value) for value in schema["enum"])
        for key in (*_KEPT_AS_IS, *LOWER_BOUNDS, *UPPER_BOUNDS):
            if key in schema:
                shape[key] = schema[key]
        _integer_format_as_bounds(shape)
        for key, flag in EXCLUSIVE.items():
            if schema.get(flag) and key in schema:
                shape[flag] = True
        if "properties" in schema:
            shape["properties"] = {
                name: self.shape(value, refs) for name, value in schema["properties"].items()
            }
        if schema.get("required"):
            shape["required"] = frozenset(schema["required"])
        extra = schema.get("additionalProperties", True)
        if extra is not True:
            shape["additionalProperties"] = (
                extra if isinstance(extra, bool) else self.shape(extra, refs)
            )
        if "items" in schema:
            shape["items"] = self.shape(schema["items"], refs)
        for key in _BRANCHES:
            if key in schema:
                shape[key] = tuple(self.shape(branch, refs) for branch in schema[key])
        return shape


# What `format: int32` and `int64` mean for an integer: a range, nothing else.
INTEGER_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _integer_format_as_bounds(shape: Shape) -> None:
    """An integer's int32/int64 format becomes the bounds it implies, so the format a
    spec adds to an integer already bounded within its range is not a change (and one
    that does narrow the range shows as the bound it sets)."""
    span = INTEGER_RANGES.get(shape.get("format", ""))
    if span is None or shape.get("type") != frozenset({"integer"}):
        return
    del shape["format"]
    low, high = span
    if shape.get("minimum", low - 1) < low:
        shape["minimum"] = low
        shape.pop("exclusiveMinimum", None)
    if shape.get("maximum", high + 1) > high:
        shape["maximum"] = high
        shape.pop("exclusiveMaximum", None)


def merge_all(parts: list[Shape]) -> Shape:
    """`allOf` of `parts`: one shape, with any `oneOf`/`anyOf` distributed over the rest."""
    branch_lists = {key: [part.pop(key) for part in parts if key in part] for key in _BRANCHES}
    base = _merged(parts)
    for key, lists in branch_lists.items():
        if not lists:
            continue
        combos = [_merged(combo) for combo in itertools.product(*lists)]
        if len(combos) == 1:
            base = merge(base, combos[0])
        else:
            base[key] = tuple(merge(dict(base), combo) for combo in combos)
    if any(key in base for key in _BRANCHES):
        return {key: base[key] for key in _BRANCHES if key in base}
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
    return merged


def _merge_key(key: str, left: Any, right: Any) -> Any:
    if key in ("type", "enum"):
        return left & right
    if key in ("required",):
        return left | right
    if key == "nullable":
        return left and right
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
