"""Compare two specs operation by operation.

Paths are matched by template (parameter names blanked), operations by method.
Each check in `OPERATION_CHECKS` looks at one aspect of a pair of matching
operations, with the ids of the rules it reports right above it; the schemas
they reach are compared by `compare_shapes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from rooms_spec import Operation, Spec
from rooms_spec.pointer import escape, join

from . import security_changes
from .difference import Difference
from .document import (
    OperationKey,
    Parameter,
    ParameterKey,
    operations_of,
    parameters_of,
    template_of,
)
from .shape_changes import Side, Site, compare_shapes
from .shapes import Shape, shape_of


@dataclass(frozen=True)
class Pair:
    """The same operation in the old and the new spec."""

    old_spec: Spec
    new_spec: Spec
    old: Operation
    new: Operation

    @property
    def label(self) -> str:
        return self.new.label

    def report(self, rule_id: str, pointer: str, what: str) -> Difference:
        return Difference(rule_id, self.label, "#" + pointer, what)

    def resolved(self, old: Any, new: Any) -> tuple[Any, Any]:
        """`old` read in the old spec and `new` in the new one, `$ref`s followed."""
        return self.old_spec.resolve(old), self.new_spec.resolve(new)

    def shapes(self, old_schema: Any, new_schema: Any) -> tuple[Shape, Shape]:
        """What a schema of the old operation and one of the new mean."""
        return shape_of(old_schema, self.old_spec), shape_of(new_schema, self.new_spec)

    def compare(self, old_schema: Any, new_schema: Any, site: Site) -> Iterator[Difference]:
        """The changes between a schema of the old operation and one of the new."""
        yield from compare_shapes(*self.shapes(old_schema, new_schema), site)


Check = Callable[[Pair], Iterator[Difference]]
OPERATION_CHECKS: list[Check] = []


def operation_check(check: Check) -> Check:
    """Register a check that compares one aspect of a pair of operations."""
    OPERATION_CHECKS.append(check)
    return check


operation_check(security_changes.security)


def differences(old: Spec, new: Spec) -> Iterator[Difference]:
    """Every difference from `old` to `new`, in document order, not yet judged."""
    before, after = operations_of(old), operations_of(new)
    yield from _paths_and_methods(before, after)
    for key in _common(before, after):
        pair = Pair(old, new, before[key], after[key])
        for check in OPERATION_CHECKS:
            yield from check(pair)


def _common(before: Iterable[Any], after: Iterable[Any]) -> list[Any]:
    """What both have, in the old order (so that reports do not depend on set order)."""
    kept = set(after)
    return [key for key in before if key in kept]


def _removed_added(before: Iterable[Any], after: Iterable[Any]) -> tuple[list[Any], list[Any]]:
    before, after = list(before), list(after)
    return [key for key in before if key not in after], [key for key in after if key not in before]


PATH_REMOVED = "path-removed"
PATH_ADDED = "path-added"
OPERATION_REMOVED = "operation-removed"
OPERATION_ADDED = "operation-added"


def _paths_and_methods(
    before: dict[OperationKey, Operation], after: dict[OperationKey, Operation]
) -> Iterator[Difference]:
    old_paths = {template_of(op.path): op.path for op in before.values()}
    new_paths = {template_of(op.path): op.path for op in after.values()}
    removed, added = _removed_added(old_paths, new_paths)
    for template in removed:
        path = old_paths[template]
        methods = ", ".join(method.upper() for method, t in before if t == template)
        where = "#" + join(("paths", path))
        yield Difference(PATH_REMOVED, path, where, f"the path ({methods}) was removed")
    for template in added:
        path = new_paths[template]
        yield Difference(PATH_ADDED, path, "#" + join(("paths", path)), "the path was added")
    removed, added = _removed_added(before, after)
    for key in removed:
        if key[1] in new_paths:
            op = before[key]
            yield Difference(
                OPERATION_REMOVED, op.label, "#" + op.pointer, "the operation was removed"
            )
    for key in added:
        if key[1] in old_paths:
            op = after[key]
            yield Difference(OPERATION_ADDED, op.label, "#" + op.pointer, "the operation was added")


OPERATION_ID_CHANGED = "operation-id-changed"
OPERATION_ID_ADDED = "operation-id-added"


@operation_check
def operation_id(pair: Pair) -> Iterator[Difference]:
    before, after = pair.old.operation_id, pair.new.operation_id
    if before == after:
        return
    at = pair.new.pointer + "/operationId"
    if before:
        became = f"operationId `{before}` became `{after or '(none)'}`"
        yield pair.report(OPERATION_ID_CHANGED, at, became)
    else:
        yield pair.report(OPERATION_ID_ADDED, at, f"operationId `{after}` was added")


REQUEST_PARAMETER_REMOVED = "request-parameter-removed"
REQUEST_PARAMETER_RENAMED = "request-parameter-renamed"
REQUEST_PARAMETER_LOCATION_CHANGED = "request-parameter-location-changed"
REQUEST_PARAMETER_ADDED_REQUIRED = "request-parameter-added-required"
REQUEST_PARAMETER_ADDED_OPTIONAL = "request-parameter-added-optional"
REQUEST_PARAMETER_BECAME_REQUIRED = "request-parameter-became-required"
REQUEST_PARAMETER_BECAME_OPTIONAL = "request-parameter-became-optional"


@operation_check
def parameters(pair: Pair) -> Iterator[Difference]:
    before = parameters_of(pair.old_spec, pair.old)
    after = parameters_of(pair.new_spec, pair.new)
    removed, added = _removed_added(before, after)
    common = [(key, key) for key in _common(before, after)]
    for old_key, new_key in _moves(before, after, removed, added):
        removed.remove(old_key)
        added.remove(new_key)
        old, new = before[old_key], after[new_key]
        moved = f"{old.label} moved to the {new.location}"
        yield pair.report(REQUEST_PARAMETER_LOCATION_CHANGED, new.pointer, moved)
        common.append((old_key, new_key))
    for old_key, new_key in _renames(pair, before, after, removed, added):
        removed.remove(old_key)
        added.remove(new_key)
        old, new = before[old_key], after[new_key]
        renamed = f"{old.label} was renamed to `{new.name}`"
        yield pair.report(REQUEST_PARAMETER_RENAMED, new.pointer, renamed)
    for key in removed:
        gone = before[key]
        yield pair.report(REQUEST_PARAMETER_REMOVED, gone.pointer, f"{gone.label} was removed")
    for key in added:
        new = after[key]
        if new.required:
            what = f"{new.label} was added as required"
            yield pair.report(REQUEST_PARAMETER_ADDED_REQUIRED, new.pointer, what)
        else:
            yield pair.report(
                REQUEST_PARAMETER_ADDED_OPTIONAL, new.pointer, f"{new.label} was added"
            )
    for old_key, new_key in common:
        old, new = before[old_key], after[new_key]
        if old.required != new.required:
            rule = (
                REQUEST_PARAMETER_BECAME_REQUIRED
                if new.required
                else REQUEST_PARAMETER_BECAME_OPTIONAL
            )
            state = "is now required" if new.required else "is no longer required"
            yield pair.report(rule, new.pointer, f"{new.label} {state}")
        if old.location == new.location:  # a move is reported, and changes the defaults
            yield from _serialisation(pair, old, new)
        site = Site("request", pair.label, new.label, new.pointer + "/schema")
        yield from pair.compare(old.schema, new.schema, site)


_MOVABLE = frozenset({"query", "header", "cookie"})
"""Where a parameter can move to without changing the path (or leaving OpenAPI)."""


def _moves(
    before: dict[ParameterKey, Parameter],
    after: dict[ParameterKey, Parameter],
    removed: list[ParameterKey],
    added: list[ParameterKey],
) -> Iterator[tuple[ParameterKey, ParameterKey]]:
    """A parameter that went from one place and came, by the same name, in another."""
    taken: set[ParameterKey] = set()
    for old_key in removed:
        old = before[old_key]
        for new_key in added:
            new = after[new_key]
            same_name = new.name.lower() == old.name.lower()
            if new_key in taken or not same_name or new.location == old.location:
                continue
            if not {old.location, new.location} <= _MOVABLE:
                continue
            taken.add(new_key)
            yield old_key, new_key
            break


def _renames(
    pair: Pair,
    before: dict[ParameterKey, Parameter],
    after: dict[ParameterKey, Parameter],
    removed: list[ParameterKey],
    added: list[ParameterKey],
) -> Iterator[tuple[ParameterKey, ParameterKey]]:
    """A parameter that went and one that came, in the same place with the same schema."""
    taken: set[ParameterKey] = set()
    for old_key in removed:
        old = before[old_key]
        for new_key in added:
            new = after[new_key]
            if new_key in taken or new.location != old.location:
                continue
            old_shape, new_shape = pair.shapes(old.schema, new.schema)
            if old_shape == new_shape:
                taken.add(new_key)
                yield old_key, new_key
                break


REQUEST_PARAMETER_STYLE_CHANGED = "request-parameter-style-changed"
REQUEST_PARAMETER_EXPLODE_CHANGED = "request-parameter-explode-changed"
REQUEST_PARAMETER_ALLOW_RESERVED_REMOVED = "request-parameter-allow-reserved-removed"
REQUEST_PARAMETER_ALLOW_RESERVED_ADDED = "request-parameter-allow-reserved-added"

_PRIMITIVES = frozenset({"string", "integer", "number", "boolean"})
_SAME_FOR_PRIMITIVES = frozenset({"form", "spaceDelimited", "pipeDelimited"})
"""Styles that write a single value the same way: they differ only for arrays."""


def _serialisation(pair: Pair, old: Parameter, new: Parameter) -> Iterator[Difference]:
    """How a client writes the value: a change here changes the bytes on the wire.

    For a single value (a string, a number) `explode` changes nothing, and
    neither does a move between `form`, `spaceDelimited` and `pipeDelimited`.
    """
    old_shape, new_shape = pair.shapes(old.schema, new.schema)
    primitive = all(
        shape.get("type") and shape["type"] <= _PRIMITIVES for shape in (old_shape, new_shape)
    )
    styles = {old.style, new.style}
    if old.style != new.style and not (primitive and styles <= _SAME_FOR_PRIMITIVES):
        what = f"{new.label} is now written in style {new.style} (was {old.style})"
        yield pair.report(REQUEST_PARAMETER_STYLE_CHANGED, new.pointer, what)
    elif old.explode != new.explode and not primitive:
        state = "exploded" if new.explode else "no longer exploded"
        yield pair.report(REQUEST_PARAMETER_EXPLODE_CHANGED, new.pointer, f"{new.label} is {state}")
    if old.allow_reserved and not new.allow_reserved:
        what = f"{new.label} no longer allows reserved characters unencoded"
        yield pair.report(REQUEST_PARAMETER_ALLOW_RESERVED_REMOVED, new.pointer, what)
    if new.allow_reserved and not old.allow_reserved:
        what = f"{new.label} now allows reserved characters unencoded"
        yield pair.report(REQUEST_PARAMETER_ALLOW_RESERVED_ADDED, new.pointer, what)


REQUEST_BODY_ADDED_REQUIRED = "request-body-added-required"
REQUEST_BODY_ADDED_OPTIONAL = "request-body-added-optional"
REQUEST_BODY_BECAME_REQUIRED = "request-body-became-required"
REQUEST_BODY_BECAME_OPTIONAL = "request-body-became-optional"
REQUEST_BODY_REMOVED = "request-body-removed"


@operation_check
def request_body(pair: Pair) -> Iterator[Difference]:
    before, after = pair.resolved(pair.old.request_body, pair.new.request_body)
    pointer = pair.new.pointer + "/requestBody"
    if before is None and after is None:
        return
    if after is None:
        at = pair.old.pointer + "/requestBody"
        yield pair.report(REQUEST_BODY_REMOVED, at, "the request body was removed")
        return
    required = bool(after.get("required"))
    if before is None:
        if required:
            what = "a request body was added as required"
            yield pair.report(REQUEST_BODY_ADDED_REQUIRED, pointer, what)
        else:
            yield pair.report(REQUEST_BODY_ADDED_OPTIONAL, pointer, "a request body was added")
        return
    if bool(before.get("required")) != required:
        rule = REQUEST_BODY_BECAME_REQUIRED if required else REQUEST_BODY_BECAME_OPTIONAL
        state = "is now required" if required else "is no longer required"
        yield pair.report(rule, pointer, f"the request body {state}")
    old, new = before.get("content", {}), after.get("content", {})
    yield from _content(pair, "request", old, new, pointer, "request body")


SUCCESS_STATUS_CHANGED = "success-status-changed"
SUCCESS_STATUS_REMOVED = "success-status-removed"
SUCCESS_STATUS_ADDED = "success-status-added"
ERROR_STATUS_ADDED = "error-status-added"
ERROR_STATUS_REMOVED = "error-status-removed"


@operation_check
def responses(pair: Pair) -> Iterator[Difference]:
    before, after = pair.old.responses, pair.new.responses
    pointer = pair.new.pointer + "/responses"
    yield from _statuses(pair, [str(s) for s in before], [str(s) for s in after], pointer)
    for status in _common(before, after):
        old, new = pair.resolved(before[status], after[status])
        old, new = old or {}, new or {}
        at, owner = f"{pointer}/{status}", f"response {status}"
        yield from _content(
            pair, "response", old.get("content", {}), new.get("content", {}), at, owner
        )
        yield from _headers(pair, old.get("headers", {}), new.get("headers", {}), at, owner)


def _is_success(status: str) -> bool:
    return status.startswith("2")


def _statuses(
    pair: Pair, before: list[str], after: list[str], pointer: str
) -> Iterator[Difference]:
    removed, added = _removed_added(before, after)
    old_success = [status for status in before if _is_success(status)]
    new_success = [status for status in after if _is_success(status)]
    if old_success and new_success and not set(old_success) & set(new_success):
        changed = f"from {', '.join(old_success)} to {', '.join(new_success)}"
        yield pair.report(SUCCESS_STATUS_CHANGED, pointer, f"the success status changed {changed}")
        removed = [status for status in removed if not _is_success(status)]
        added = [status for status in added if not _is_success(status)]
    for status in removed:
        rule = SUCCESS_STATUS_REMOVED if _is_success(status) else ERROR_STATUS_REMOVED
        yield pair.report(rule, f"{pointer}/{status}", f"the response {status} was removed")
    for status in added:
        rule = SUCCESS_STATUS_ADDED if _is_success(status) else ERROR_STATUS_ADDED
        yield pair.report(rule, f"{pointer}/{status}", f"the response {status} was added")


class MediaTypeRules(NamedTuple):
    """The rules of media types that change, go or come, on one side."""

    changed: str
    removed: str
    added: str


REQUEST_MEDIA_TYPE_CHANGED = "request-media-type-changed"
REQUEST_MEDIA_TYPE_REMOVED = "request-media-type-removed"
REQUEST_MEDIA_TYPE_ADDED = "request-media-type-added"
RESPONSE_MEDIA_TYPE_CHANGED = "response-media-type-changed"
RESPONSE_MEDIA_TYPE_REMOVED = "response-media-type-removed"
RESPONSE_MEDIA_TYPE_ADDED = "response-media-type-added"

_MEDIA_TYPES = {
    "request": MediaTypeRules(
        REQUEST_MEDIA_TYPE_CHANGED, REQUEST_MEDIA_TYPE_REMOVED, REQUEST_MEDIA_TYPE_ADDED
    ),
    "response": MediaTypeRules(
        RESPONSE_MEDIA_TYPE_CHANGED, RESPONSE_MEDIA_TYPE_REMOVED, RESPONSE_MEDIA_TYPE_ADDED
    ),
}


def _content(
    pair: Pair, side: Side, before: dict[str, Any], after: dict[str, Any], pointer: str, owner: str
) -> Iterator[Difference]:
    """Media types of a body, then the schema of each one both specs have."""
    rules = _MEDIA_TYPES[side]
    removed, added = _removed_added(before, after)
    if len(removed) == 1 and len(added) == 1:
        changed = f"{owner} media type changed from {removed[0]} to {added[0]}"
        yield pair.report(rules.changed, f"{pointer}/content", changed)
    else:
        for media_type in removed:
            what = f"{owner} no longer offers {media_type}"
            yield pair.report(rules.removed, f"{pointer}/content", what)
        for media_type in added:
            at = f"{pointer}/content/{escape(media_type)}"
            yield pair.report(rules.added, at, f"{owner} now offers {media_type}")
    whole = owner if side == "request" else f"{owner} body"
    for media_type in _common(before, after):
        at = f"{pointer}/content/{escape(media_type)}/schema"
        site = Site(side, pair.label, owner, at, whole)
        yield from pair.compare(
            before[media_type].get("schema"), after[media_type].get("schema"), site
        )


RESPONSE_HEADER_REMOVED = "response-header-removed"
RESPONSE_HEADER_BECAME_OPTIONAL = "response-header-became-optional"
RESPONSE_HEADER_BECAME_REQUIRED = "response-header-became-required"
RESPONSE_HEADER_ADDED = "response-header-added"


def _headers(
    pair: Pair, before: dict[str, Any], after: dict[str, Any], pointer: str, owner: str
) -> Iterator[Difference]:
    """Response headers: what a client reads from them must still be there and the same.

    Names are case-blind, and a `Content-Type` entry is skipped, as OpenAPI says
    (the media type is the response's `content`).
    """
    old = _header_entries(pair.old_spec, before)
    new = _header_entries(pair.new_spec, after)
    names = {name.lower(): name for name in (*before, *after)}
    for key in old:
        at = f"{pointer}/headers/{escape(names[key])}"
        label = f"{owner} header `{names[key]}`"
        if key not in new:
            yield pair.report(RESPONSE_HEADER_REMOVED, at, f"{label} was removed")
            continue
        was, now = bool(old[key].get("required")), bool(new[key].get("required"))
        if was and not now:
            yield pair.report(RESPONSE_HEADER_BECAME_OPTIONAL, at, f"{label} is no longer required")
        if now and not was:
            yield pair.report(RESPONSE_HEADER_BECAME_REQUIRED, at, f"{label} is now required")
        site = Site("response", pair.label, label, at + "/schema")
        yield from pair.compare(_header_schema(old[key]), _header_schema(new[key]), site)
    for key in new:
        if key not in old:
            at = f"{pointer}/headers/{escape(names[key])}"
            what = f"{owner} header `{names[key]}` was added"
            yield pair.report(RESPONSE_HEADER_ADDED, at, what)


def _header_entries(spec: Spec, headers: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(headers, dict):
        return {}
    found = {name.lower(): spec.resolve(value) for name, value in headers.items()}
    return {
        name: value
        for name, value in found.items()
        if isinstance(value, dict) and name != "content-type"
    }


def _header_schema(header: dict[str, Any]) -> Any:
    """A header's schema, written as `schema` or inside its one `content` entry."""
    if "schema" in header:
        return header["schema"]
    content = header.get("content")
    if isinstance(content, dict) and content:
        entry = next(iter(content.values()))
        return entry.get("schema") if isinstance(entry, dict) else None
    return None
