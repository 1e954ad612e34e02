"""The rules `lint` holds a spec to, one small function each, registered in `LINT_RULES`.

Each rule reads the parsed document and yields findings that point (by JSON
Pointer parts) at the node to fix; `lint` turns pointers into line numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from mock_server.spec import HTTP_METHODS, Spec
from mock_server.validators import Validators

Parts = tuple[str, ...]
PROBLEM_JSON = "application/problem+json"
NO_BODY_STATUSES = ("204", "304")
_SCHEMA_KEYS = {"type", "properties", "allOf", "oneOf", "anyOf", "$ref", "items", "enum", "format"}
_VALUE_KEYS = {"example", "examples", "default", "enum"}


@dataclass(frozen=True)
class Finding:
    rule: str
    parts: Parts
    message: str


@dataclass
class LintContext:
    """The spec under lint, and the helpers every rule shares."""

    spec: Spec

    @property
    def document(self) -> dict[str, Any]:
        return self.spec.document

    @cached_property
    def validators(self) -> Validators:
        return Validators(self.spec)

    def follow(self, node: Any, parts: Parts) -> tuple[Any, Parts]:
        """The node a `$ref` names, and where it lives; other nodes are returned as they are."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                break
            seen.add(ref)
            parts = tuple(_unescape(part) for part in ref[2:].split("/"))
            node = self.spec.pointer(ref[1:])
        return node, parts

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any], Parts]]:
        for path, item in (self.document.get("paths") or {}).items():
            for method in HTTP_METHODS:
                if isinstance(item, dict) and isinstance(item.get(method), dict):
                    yield method, path, item[method], ("paths", path, method)

    def responses(self) -> Iterator[tuple[str, str, dict[str, Any], Parts]]:
        """(what to call it, status, response followed through `$ref`, where it lives)."""
        for method, path, operation, parts in self.operations():
            for status, response in (operation.get("responses") or {}).items():
                node, at = self.follow(response, (*parts, "responses", str(status)))
                if isinstance(node, dict):
                    # A shared response is reported once, under its own name.
                    shared = at[0] == "components"
                    name = f"#/{'/'.join(at)}" if shared else f"{method.upper()} {path} {status}"
                    yield f"response {name}", str(status), node, at


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


Rule = Callable[[LintContext], Iterator[Finding]]
LINT_RULES: dict[str, Rule] = {}


def lint_rule(rule_id: str) -> Callable[[Rule], Rule]:
    """Register a rule under its id."""

    def register(rule: Rule) -> Rule:
        LINT_RULES[rule_id] = rule
        return rule

    return register


@lint_rule("operation-id-missing")
def operation_ids(ctx: LintContext) -> Iterator[Finding]:
    """Generated clients, links and the mock's handlers all name operations by id."""
    for method, path, operation, parts in ctx.operations():
        if not operation.get("operationId"):
            yield Finding(
                "operation-id-missing", parts, f"{method.upper()} {path} has no operationId"
            )


@lint_rule("operation-summary-missing")
def summaries(ctx: LintContext) -> Iterator[Finding]:
    """The summary is the one line docs and reports show for an operation."""
    for method, path, operation, parts in ctx.operations():
        if not str(operation.get("summary", "")).strip():
            yield Finding(
                "operation-summary-missing", parts, f"{method.upper()} {path} has no summary"
            )


@lint_rule("error-not-problem-json")
def problem_json(ctx: LintContext) -> Iterator[Finding]:
    """Every 4xx body is RFC 9457 problem+json, and nothing else."""
    for label, status, response, parts in ctx.responses():
        if not status.startswith("4"):
            continue
        media_types = sorted(response.get("content") or {})
        if media_types != [PROBLEM_JSON]:
            offered = ", ".join(media_types) or "no content"
            yield Finding(
                "error-not-problem-json",
                parts,
                f"{label} must be {PROBLEM_JSON} only, not {offered}",
            )


@lint_rule("response-content-missing")
def response_content(ctx: LintContext) -> Iterator[Finding]:
    """A client must know what a body is before it reads one; only 204 and 304 have none."""
    for label, status, response, parts in ctx.responses():
        if status in NO_BODY_STATUSES or status.startswith("1"):
            continue
        if not response.get("content"):
            yield Finding(
                "response-content-missing",
                parts,
                f"{label} declares no content (media type and schema)",
            )


@lint_rule("request-body-open")
def closed_request_bodies(ctx: LintContext) -> Iterator[Finding]:
    """Request bodies are closed: every object in them says `additionalProperties: false`."""
    seen: set[Parts] = set()
    for _method, _path, operation, parts in ctx.operations():
        body, at = ctx.follow(operation.get("requestBody"), (*parts, "requestBody"))
        for media_type, content in ((body or {}).get("content") or {}).items():
            if isinstance(content, dict) and "schema" in content:
                schema_at = (*at, "content", media_type, "schema")
                yield from _open_objects(ctx, content["schema"], schema_at, seen, must_close=True)


def _open_objects(
    ctx: LintContext, schema: Any, parts: Parts, seen: set[Parts], *, must_close: bool
) -> Iterator[Finding]:
    """Objects reachable from `schema` that accept fields they do not list."""
    schema, parts = ctx.follow(schema, parts)
    if not isinstance(schema, dict) or (*parts, str(must_close)) in seen:
        return
    seen.add((*parts, str(must_close)))
    branches = schema.get("allOf") or []
    if must_close and _is_object(schema, ctx) and not _is_closed(schema, ctx):
        yield Finding(
            "request-body-open",
            parts,
            f"request object #/{'/'.join(_escape(p) for p in parts)} "
            "must set additionalProperties: false",
        )
    for index, branch in enumerate(branches):
        yield from _open_objects(ctx, branch, (*parts, "allOf", str(index)), seen, must_close=False)
    for key in ("oneOf", "anyOf"):
        for index, branch in enumerate(schema.get(key) or []):
            yield from _open_objects(ctx, branch, (*parts, key, str(index)), seen, must_close=True)
    for name, child in (schema.get("properties") or {}).items():
        yield from _open_objects(ctx, child, (*parts, "properties", name), seen, must_close=True)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _open_objects(ctx, schema[key], (*parts, key), seen, must_close=True)


def _is_object(schema: dict[str, Any], ctx: LintContext) -> bool:
    parts = [schema, *(ctx.follow(branch, ())[0] for branch in schema.get("allOf") or [])]
    return any(
        isinstance(part, dict) and (part.get("type") == "object" or "properties" in part)
        for part in parts
    )


def _is_closed(schema: dict[str, Any], ctx: LintContext) -> bool:
    """Closed itself, or (for `allOf`) through one of its parts."""
    parts = [schema, *(ctx.follow(branch, ())[0] for branch in schema.get("allOf") or [])]
    return any(
        isinstance(part, dict) and part.get("additionalProperties") is False for part in parts
    )


@lint_rule("example-invalid")
def examples(ctx: LintContext) -> Iterator[Finding]:
    """An example that breaks its own schema teaches clients the wrong thing."""
    yield from _examples_in(ctx, ctx.document, (), in_properties=False)


def _examples_in(
    ctx: LintContext, node: Any, parts: Parts, *, in_properties: bool
) -> Iterator[Finding]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _examples_in(ctx, item, (*parts, str(index)), in_properties=False)
        return
    if not isinstance(node, dict):
        return
    if not in_properties:
        schema_at = _schema_of(node, parts)
        if schema_at is not None and "example" in node:
            yield from _check_example(ctx, node["example"], schema_at, (*parts, "example"))
        if schema_at is not None and isinstance(node.get("examples"), dict) and "schema" in node:
            for name, example in node["examples"].items():
                value, at = ctx.follow(example, (*parts, "examples", name))
                if isinstance(value, dict) and "value" in value:
                    yield from _check_example(ctx, value["value"], schema_at, (*at, "value"))
    for key, child in node.items():
        if not in_properties and (key in _VALUE_KEYS or key.startswith("x-")):
            continue
        if parts == ("components",) and key == "examples":
            continue
        yield from _examples_in(
            ctx, child, (*parts, key), in_properties=key == "properties" and not in_properties
        )


def _schema_of(node: dict[str, Any], parts: Parts) -> Parts | None:
    """The schema an `example` beside these keys must match: a sibling `schema`, or the node."""
    if isinstance(node.get("schema"), dict):
        return (*parts, "schema")
    if _SCHEMA_KEYS & node.keys():
        return parts
    return None


def _check_example(ctx: LintContext, value: Any, schema_at: Parts, at: Parts) -> Iterator[Finding]:
    pointer = "".join(f"/{_escape(part)}" for part in schema_at)
    for violation in ctx.validators.for_pointer(pointer).violations(value, "example"):
        yield Finding(
            "example-invalid",
            at,
            f"example does not match the schema at #{pointer}: "
            f"{violation.pointer or '(whole)'}: {violation.message}",
        )


_DUMPED_INSTANCE = re.compile(r"^(\{.*\}|\[.*\]) (is|does)", re.DOTALL)


@lint_rule("openapi-invalid")
def openapi_schema(ctx: LintContext) -> Iterator[Finding]:
    """What openapi-spec-validator finds: every error, not only the first."""
    from openapi_spec_validator import OpenAPIV30SpecValidator

    version = str(ctx.document.get("openapi", ""))
    if not version.startswith("3.0"):
        yield Finding(
            "openapi-invalid",
            ("openapi",),
            f"not an OpenAPI 3.0 document (openapi: {version or 'missing'})",
        )
        return
    for error in OpenAPIV30SpecValidator(ctx.document).iter_errors():
        parts = tuple(str(part) for part in error.absolute_path)
        message = _DUMPED_INSTANCE.sub(r"this node \2", error.message)
        where = "#/" + "/".join(_escape(part) for part in parts)
        yield Finding("openapi-invalid", parts, f"{where}: {message}")
