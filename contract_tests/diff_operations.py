"""Compare two specs operation by operation.

Paths are matched by template (parameter names blanked), operations by method.
Each check in `OPERATION_CHECKS` looks at one aspect of a pair of matching
operations; the schemas they reach are compared by `compare_shapes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .diff_document import Document, Operation, Parameter, escape, template_of
from .diff_rules import LEVELS, Change, change
from .diff_schema import Shape, shape_of
from .diff_schemas import Site, compare_shapes


@dataclass(frozen=True)
class Pair:
    """The same operation in the old and the new spec."""

    old_document: Document
    new_document: Document
    old: Operation
    new: Operation

    @property
    def label(self) -> str:
        return self.new.label

    def report(self, rule_id: str, pointer: str, what: str) -> Change:
        return change(rule_id, self.label, "#" + pointer, what)

    def old_shape(self, schema: Any) -> Shape:
        return shape_of(schema, self.old_document)

    def new_shape(self, schema: Any) -> Shape:
        return shape_of(schema, self.new_document)


Check = Callable[[Pair], Iterator[Change]]
OPERATION_CHECKS: list[Check] = []


def operation_check(check: Check) -> Check:
    """Register a check that compares one aspect of a pair of operations."""
    OPERATION_CHECKS.append(check)
    return check


def diff_documents(old: Document, new: Document) -> list[Change]:
    """Every change from `old` to `new`, breaking first, each reported once."""
    before, after = old.operations(), new.operations()
    changes = list(_paths_and_methods(before, after))
    for key in before.keys() & after.keys():
        pair = Pair(old, new, before[key], after[key])
        for check in OPERATION_CHECKS:
            changes.extend(check(pair))
    unique = {(item.rule, item.operation, item.message): item for item in reversed(changes)}
    return sorted(
        unique.values(),
        key=lambda item: (LEVELS.index(item.level), item.operation, item.location, item.message),
    )


def _paths_and_methods(
    before: dict[tuple[str, str], Operation], after: dict[tuple[str, str], Operation]
) -> Iterator[Change]:
    old_paths = {template_of(op.path): op.path for op in before.values()}
    new_paths = {template_of(op.path): op.path for op in after.values()}
    for template, path in old_paths.items():
        if template not in new_paths:
            methods = ", ".join(m.upper() for m, t in before if t == template)
            yield change(
                "path-removed", path, f"#/paths/{escape(path)}", f"the path ({methods}) was removed"
            )
    for template, path in new_paths.items():
        if template not in old_paths:
            yield change("path-added", path, f"#/paths/{escape(path)}", "the path was added")
    for key, op in before.items():
        if key not in after and key[1] in new_paths:
            yield change(
                "operation-removed", op.label, "#" + op.pointer, "the operation was removed"
            )
    for key, op in after.items():
        if key not in before and key[1] in old_paths:
            yield change("operation-added", op.label, "#" + op.pointer, "the operation was added")


def _removed_added(before: Any, after: Any) -> tuple[list[Any], list[Any]]:
    return [key for key in before if key not in after], [key for key in after if key not in before]


@operation_check
def operation_id(pair: Pair) -> Iterator[Change]:
    before, after = pair.old.operation_id, pair.new.operation_id
    if before == after:
        return
    pointer = pair.new.pointer + "/operationId"
    if before is None:
        yield pair.report("operation-id-added", pointer, f"operationId `{after}` was added")
    else:
        yield pair.report(
            "operation-id-changed", pointer, f"operationId `{before}` became `{after or '(none)'}`"
        )


@operation_check
def parameters(pair: Pair) -> Iterator[Change]:
    before, after = pair.old.parameters, pair.new.parameters
    removed, added = _removed_added(before, after)
    for old_key, new_key in _renames(pair, removed, added):
        removed.remove(old_key)
        added.remove(new_key)
        old, new = before[old_key], after[new_key]
        yield pair.report(
            "request-parameter-renamed", new.pointer, f"{old.label} was renamed to `{new.name}`"
        )
    for key in removed:
        yield pair.report(
            "request-parameter-removed", before[key].pointer, f"{before[key].label} was removed"
        )
    for key in added:
        new = after[key]
        rule = (
            "request-parameter-added-required"
            if new.required
            else "request-parameter-added-optional"
        )
        yield pair.report(
            rule, new.pointer, f"{new.label} was added" + (" as required" if new.required else "")
        )
    for key in before.keys() & after.keys():
        old, new = before[key], after[key]
        if old.required != new.required:
            rule = (
                "request-parameter-became-required"
                if new.required
                else "request-parameter-became-optional"
            )
            state = "is now required" if new.required else "is no longer required"
            yield pair.report(rule, new.pointer, f"{new.label} {state}")
        site = Site("request", pair.label, new.label, new.pointer + "/schema")
        yield from compare_shapes(pair.old_shape(old.schema), pair.new_shape(new.schema), site)


def _renames(pair: Pair, removed: list[Any], added: list[Any]) -> Iterator[tuple[Any, Any]]:
    """A parameter that went and one that came, in the same place with the same schema."""
    taken: set[Any] = set()
    for old_key in removed:
        old: Parameter = pair.old.parameters[old_key]
        for new_key in added:
            new: Parameter = pair.new.parameters[new_key]
            if new_key in taken or new.location != old.location:
                continue
            if pair.old_shape(old.schema) == pair.new_shape(new.schema):
                taken.add(new_key)
                yield old_key, new_key
                break


@operation_check
def request_body(pair: Pair) -> Iterator[Change]:
    before = pair.old_document.node(pair.old.definition.get("requestBody"))
    after = pair.new_document.node(pair.new.definition.get("requestBody"))
    pointer = pair.new.pointer + "/requestBody"
    if before is None and after is None:
        return
    if after is None:
        yield pair.report(
            "request-body-removed",
            pair.old.pointer + "/requestBody",
            "the request body was removed",
        )
        return
    required = bool(after.get("required"))
    if before is None:
        rule = "request-body-added-required" if required else "request-body-added-optional"
        yield pair.report(
            rule, pointer, "a request body was added" + (" as required" if required else "")
        )
        return
    if bool(before.get("required")) != required:
        rule = "request-body-became-required" if required else "request-body-became-optional"
        yield pair.report(
            rule,
            pointer,
            "the request body " + ("is now required" if required else "is no longer required"),
        )
    yield from _content(
        pair,
        "request",
        before.get("content", {}),
        after.get("content", {}),
        pointer,
        "request body",
    )


@operation_check
def responses(pair: Pair) -> Iterator[Change]:
    before, after = (
        pair.old.definition.get("responses", {}),
        pair.new.definition.get("responses", {}),
    )
    pointer = pair.new.pointer + "/responses"
    yield from _statuses(pair, [str(s) for s in before], [str(s) for s in after], pointer)
    for status in before.keys() & after.keys():
        old = pair.old_document.node(before[status]) or {}
        new = pair.new_document.node(after[status]) or {}
        at = f"{pointer}/{status}"
        owner = f"response {status}"
        yield from _content(
            pair, "response", old.get("content", {}), new.get("content", {}), at, owner
        )
        yield from _headers(pair, old.get("headers", {}), new.get("headers", {}), at, owner)


def _is_success(status: str) -> bool:
    return status.startswith("2")


def _statuses(pair: Pair, before: list[str], after: list[str], pointer: str) -> Iterator[Change]:
    removed, added = _removed_added(before, after)
    old_success = [status for status in before if _is_success(status)]
    new_success = [status for status in after if _is_success(status)]
    if old_success and new_success and not set(old_success) & set(new_success):
        yield pair.report(
            "success-status-changed",
            pointer,
            f"the success status changed from {', '.join(old_success)} to {', '.join(new_success)}",
        )
        removed = [status for status in removed if not _is_success(status)]
        added = [status for status in added if not _is_success(status)]
    for status in removed:
        rule = "success-status-removed" if _is_success(status) else "error-status-removed"
        yield pair.report(rule, f"{pointer}/{status}", f"the response {status} was removed")
    for status in added:
        rule = "success-status-added" if _is_success(status) else "error-status-added"
        yield pair.report(rule, f"{pointer}/{status}", f"the response {status} was added")


def _content(
    pair: Pair, side: str, before: dict[str, Any], after: dict[str, Any], pointer: str, owner: str
) -> Iterator[Change]:
    """Media types of a body, then the schema of each one both specs have."""
    removed, added = _removed_added(before, after)
    if len(removed) == 1 and len(added) == 1:
        yield pair.report(
            f"{side}-media-type-changed",
            f"{pointer}/content",
            f"{owner} media type changed from {removed[0]} to {added[0]}",
        )
    else:
        for media_type in removed:
            yield pair.report(
                f"{side}-media-type-removed",
                f"{pointer}/content",
                f"{owner} no longer offers {media_type}",
            )
        for media_type in added:
            yield pair.report(
                f"{side}-media-type-added",
                f"{pointer}/content/{escape(media_type)}",
                f"{owner} now offers {media_type}",
            )
    whole = owner if side == "request" else f"{owner} body"
    for media_type in before.keys() & after.keys():
        at = f"{pointer}/content/{escape(media_type)}/schema"
        site = Site(side, pair.label, owner, at, whole)  # type: ignore[arg-type]
        old = pair.old_shape(before[media_type].get("schema"))
        new = pair.new_shape(after[media_type].get("schema"))
        yield from compare_shapes(old, new, site)


def _headers(
    pair: Pair, before: dict[str, Any], after: dict[str, Any], pointer: str, owner: str
) -> Iterator[Change]:
    """Response headers: what a client reads from them must still be there and the same."""
    old = {name.lower(): pair.old_document.node(value) or {} for name, value in before.items()}
    new = {name.lower(): pair.new_document.node(value) or {} for name, value in after.items()}
    names = {name.lower(): name for name in (*before, *after)}
    for key in old:
        at = f"{pointer}/headers/{escape(names[key])}"
        label = f"{owner} header `{names[key]}`"
        if key not in new:
            yield pair.report("response-header-removed", at, f"{label} was removed")
            continue
        if old[key].get("required") and not new[key].get("required"):
            yield pair.report(
                "response-header-became-optional", at, f"{label} is no longer required"
            )
        site = Site("response", pair.label, label, at + "/schema")
        yield from compare_shapes(
            pair.old_shape(old[key].get("schema")), pair.new_shape(new[key].get("schema")), site
        )
    for key in new.keys() - old.keys():
        at = f"{pointer}/headers/{escape(names[key])}"
        yield pair.report("response-header-added", at, f"{owner} header `{names[key]}` was added")
