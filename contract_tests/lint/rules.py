"""The rules `lint` holds a spec to, one small check each, registered in `LINT_RULES`.

Each check reads the spec and yields findings that point (by JSON Pointer) at
the node to fix; `lint` turns pointers into line numbers. A rule's id is a
constant right above its check, so `grep` leads from a reported id to the code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rooms_spec import Operation, Spec
from rooms_spec.pointer import escape, join

if TYPE_CHECKING:
    from rooms_spec.validators import Validators

PROBLEM_JSON = "application/problem+json"
NO_BODY_STATUSES = ("204", "304")
_SCHEMA_KEYS = {"type", "properties", "allOf", "oneOf", "anyOf", "$ref", "items", "enum", "format"}
_VALUE_KEYS = {"example", "examples", "default", "enum"}


@dataclass(frozen=True)
class Finding:
    """What a check found: the node to fix (a JSON Pointer into the document) and why."""

    pointer: str
    message: str


@dataclass(frozen=True)
class Response:
    """A response of an operation, its `$ref` followed, named as a reviewer looks for it."""

    label: str  # "response GET /items 200", or "response #/components/responses/Problem"
    status: str
    definition: dict[str, Any]
    pointer: str  # where it lives: a shared response is reported once, under its own name


@dataclass
class LintContext:
    """The spec under lint, and the helpers every check shares."""

    spec: Spec

    @property
    def document(self) -> dict[str, Any]:
        return self.spec.document

    @cached_property
    def validators(self) -> Validators:
        # Imported here: compiling validators is only needed by `example-invalid`, and a
        # spec that cannot be read should be refused without paying for the import.
        from rooms_spec.validators import Validators

        return Validators(self.spec)

    def operations(self) -> list[Operation]:
        return self.spec.iter_operations()

    def responses(self) -> Iterator[Response]:
        for operation in self.operations():
            for status, response in operation.responses.items():
                at = operation.pointer + join(("responses", status))
                node, at = self.spec.follow(response, at)
                if isinstance(node, dict):
                    shared = at.startswith("/components/")
                    name = f"#{at}" if shared else f"{operation.label} {status}"
                    yield Response(f"response {name}", str(status), node, at)


Check = Callable[[LintContext], Iterator[Finding]]


@dataclass(frozen=True)
class LintRule:
    """A rule of the project's house style: its id and the check that finds what breaks it."""

    id: str
    check: Check


LINT_RULES: dict[str, LintRule] = {}


def lint_rule(rule_id: str) -> Callable[[Check], Check]:
    """Register a check under its rule's id."""

    def register(check: Check) -> Check:
        LINT_RULES[rule_id] = LintRule(rule_id, check)
        return check

    return register


OPERATION_ID_MISSING = "operation-id-missing"


@lint_rule(OPERATION_ID_MISSING)
def operation_ids(ctx: LintContext) -> Iterator[Finding]:
    """Generated clients, links and the mock's handlers all name operations by id."""
    for operation in ctx.operations():
        if not operation.operation_id:
            yield Finding(operation.pointer, f"{operation.label} has no operationId")


OPERATION_SUMMARY_MISSING = "operation-summary-missing"


@lint_rule(OPERATION_SUMMARY_MISSING)
def summaries(ctx: LintContext) -> Iterator[Finding]:
    """The summary is the one line docs and reports show for an operation."""
    for operation in ctx.operations():
        if not str(operation.definition.get("summary", "")).strip():
            yield Finding(operation.pointer, f"{operation.label} has no summary")


ERROR_NOT_PROBLEM_JSON = "error-not-problem-json"


@lint_rule(ERROR_NOT_PROBLEM_JSON)
def problem_json(ctx: LintContext) -> Iterator[Finding]:
    """Every 4xx body is RFC 9457 problem+json, and nothing else."""
    for response in ctx.responses():
        media_types = sorted(response.definition.get("content") or {})
        if response.status.startswith("4") and media_types != [PROBLEM_JSON]:
            offered = ", ".join(media_types) or "no content"
            must = f"must be {PROBLEM_JSON} only, not {offered}"
            yield Finding(response.pointer, f"{response.label} {must}")


RESPONSE_CONTENT_MISSING = "response-content-missing"


@lint_rule(RESPONSE_CONTENT_MISSING)
def response_content(ctx: LintContext) -> Iterator[Finding]:
    """A client must know what a body is before it reads one; only 204 and 304 have none."""
    for response in ctx.responses():
        bodiless = response.status in NO_BODY_STATUSES or response.status.startswith("1")
        if not bodiless and not response.definition.get("content"):
            what = "declares no content (media type and schema)"
            yield Finding(response.pointer, f"{response.label} {what}")


REQUEST_BODY_OPEN = "request-body-open"


@lint_rule(REQUEST_BODY_OPEN)
def closed_request_bodies(ctx: LintContext) -> Iterator[Finding]:
    """Request bodies are closed: every object in them says `additionalProperties: false`."""
    seen: set[tuple[str, bool]] = set()
    for operation in ctx.operations():
        at = operation.pointer + "/requestBody"
        body, at = ctx.spec.follow(operation.request_body, at)
        for media_type, content in ((body or {}).get("content") or {}).items():
            if isinstance(content, dict) and "schema" in content:
                schema_at = at + join(("content", media_type, "schema"))
                yield from _open_objects(ctx, content["schema"], schema_at, seen, must_close=True)


def _open_objects(
    ctx: LintContext, schema: Any, pointer: str, seen: set[tuple[str, bool]], *, must_close: bool
) -> Iterator[Finding]:
    """Objects reachable from `schema` that accept fields they do not list."""
    schema, pointer = ctx.spec.follow(schema, pointer)
    if not isinstance(schema, dict) or (pointer, must_close) in seen:
        return
    seen.add((pointer, must_close))
    if must_close and _is_object(schema, ctx) and not _is_closed(schema, ctx):
        yield Finding(pointer, f"request object #{pointer} must set additionalProperties: false")
    for index, branch in enumerate(schema.get("allOf") or []):
        at = f"{pointer}/allOf/{index}"
        yield from _open_objects(ctx, branch, at, seen, must_close=False)
    for key in ("oneOf", "anyOf"):
        for index, branch in enumerate(schema.get(key) or []):
            yield from _open_objects(ctx, branch, f"{pointer}/{key}/{index}", seen, must_close=True)
    for name, child in (schema.get("properties") or {}).items():
        at = pointer + join(("properties", name))
        yield from _open_objects(ctx, child, at, seen, must_close=True)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _open_objects(ctx, schema[key], f"{pointer}/{key}", seen, must_close=True)


def _with_parts(schema: dict[str, Any], ctx: LintContext) -> list[Any]:
    """The schema and, for `allOf`, each of its parts, `$ref`s followed."""
    return [schema, *(ctx.spec.resolve(part) for part in schema.get("allOf") or [])]


def _is_object(schema: dict[str, Any], ctx: LintContext) -> bool:
    return any(
        isinstance(part, dict) and (part.get("type") == "object" or "properties" in part)
        for part in _with_parts(schema, ctx)
    )


def _is_closed(schema: dict[str, Any], ctx: LintContext) -> bool:
    """Closed itself, or (for `allOf`) through one of its parts."""
    return any(
        isinstance(part, dict) and part.get("additionalProperties") is False
        for part in _with_parts(schema, ctx)
    )


EXAMPLE_INVALID = "example-invalid"


@lint_rule(EXAMPLE_INVALID)
def examples(ctx: LintContext) -> Iterator[Finding]:
    """An example that breaks its own schema teaches clients the wrong thing."""
    yield from _examples_in(ctx, ctx.document, "", in_properties=False)


def _examples_in(
    ctx: LintContext, node: Any, pointer: str, *, in_properties: bool
) -> Iterator[Finding]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _examples_in(ctx, item, f"{pointer}/{index}", in_properties=False)
        return
    if not isinstance(node, dict):
        return
    if not in_properties:
        yield from _examples_beside(ctx, node, pointer)
    for key, child in node.items():
        if not in_properties and (key in _VALUE_KEYS or str(key).startswith("x-")):
            continue
        if pointer == "/components" and key == "examples":
            continue
        names_fields = key == "properties" and not in_properties
        at = f"{pointer}/{escape(str(key))}"
        yield from _examples_in(ctx, child, at, in_properties=names_fields)


def _examples_beside(ctx: LintContext, node: dict[str, Any], pointer: str) -> Iterator[Finding]:
    """The `example` and named `examples` of a schema, parameter or media type, checked."""
    schema_at = _schema_of(node, pointer)
    if schema_at is None:
        return
    if "example" in node:
        yield from _check_example(ctx, node["example"], schema_at, f"{pointer}/example")
    if isinstance(node.get("examples"), dict) and "schema" in node:
        for name, example in node["examples"].items():
            at = pointer + join(("examples", name))
            value, at = ctx.spec.follow(example, at)
            if isinstance(value, dict) and "value" in value:
                yield from _check_example(ctx, value["value"], schema_at, f"{at}/value")


def _schema_of(node: dict[str, Any], pointer: str) -> str | None:
    """The schema an `example` beside these keys must match: a sibling `schema`, or the node."""
    if isinstance(node.get("schema"), dict):
        return f"{pointer}/schema"
    if _SCHEMA_KEYS & node.keys():
        return pointer
    return None


def _check_example(ctx: LintContext, value: Any, schema_at: str, at: str) -> Iterator[Finding]:
    for violation in ctx.validators.for_pointer(schema_at).violations(value, "example"):
        yield Finding(
            at,
            f"example does not match the schema at #{schema_at}: "
            f"{violation.pointer or '(whole)'}: {violation.message}",
        )


OPENAPI_INVALID = "openapi-invalid"
_DUMPED_INSTANCE = re.compile(r"^(\{.*\}|\[.*\]) (is|does)", re.DOTALL)


@lint_rule(OPENAPI_INVALID)
def openapi_schema(ctx: LintContext) -> Iterator[Finding]:
    """What openapi-spec-validator finds: every error, not only the first."""
    from openapi_spec_validator import OpenAPIV30SpecValidator

    for error in OpenAPIV30SpecValidator(ctx.document).iter_errors():
        pointer = join(error.absolute_path)
        message = _DUMPED_INSTANCE.sub(r"this node \2", error.message)
        yield Finding(pointer, f"#{pointer}: {message}")
