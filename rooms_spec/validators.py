"""Schema validators compiled once from the spec, reporting every violation.

Plain and independent of HTTP: the mock uses them on request bodies and (in
strict mode) on responses, the fixture loader on seed rooms, lint on the spec's
examples. Messages speak JSON (`true`, `null`, `"text"`), the language of the
bodies they describe, not Python's reprs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry

from .document import SPEC_URI, Spec
from .fast_check import FastCheck, FastChecks
from .json_text import as_json
from .pointer import escape, join

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


@dataclass(frozen=True)
class Violation:
    """One thing wrong with a value: where it is and what is wrong."""

    where: str
    pointer: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"in": self.where, "pointer": self.pointer, "message": self.message}

    def __str__(self) -> str:
        return f"{self.where} {self.pointer or '(whole)'}: {self.message}"


def _is_utc_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.utcoffset() is not None


FORMAT_CHECKER = FormatChecker(formats=())
FORMAT_CHECKER.checks("date-time")(_is_utc_datetime)


def _message(error: ValidationError) -> str:
    """jsonschema's message for the common keywords, with values written as JSON."""
    value, expected = error.instance, error.validator_value
    match error.validator:
        case "type":
            kinds = expected if isinstance(expected, list) else [expected]
            return f"{as_json(value)} is not of type {' or '.join(as_json(k) for k in kinds)}"
        case "minimum":
            return f"{as_json(value)} is less than the minimum of {as_json(expected)}"
        case "maximum":
            return f"{as_json(value)} is greater than the maximum of {as_json(expected)}"
        case "minLength" if expected == 1:
            return f"{as_json(value)} should be non-empty"
        case "minLength":
            return f"{as_json(value)} is shorter than {expected} characters"
        case "maxLength":
            return f"{as_json(value)} is too long (at most {expected} characters)"
        case "enum":
            return f"{as_json(value)} is not one of {as_json(expected)}"
        case "pattern":
            return f"{as_json(value)} does not match {as_json(expected)}"
        case "format":
            return f"{as_json(value)} is not a {as_json(expected)}"
    if error.message.endswith("for not nullable"):  # OAS 3.0's `nullable` keyword
        return f"{as_json(value)} is not allowed (not nullable)"
    return error.message


def _violations_of(error: ValidationError, where: str) -> list[Violation]:
    """Turn one jsonschema error into violations that point at the bad field."""
    path = list(error.absolute_path)
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        return [
            Violation(where, join([*path, key]), f"unknown field {as_json(key)}")
            for key in instance
            if key not in known
        ]
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = [key for key in error.validator_value if key not in instance]
        return [
            Violation(where, join([*path, key]), f"{as_json(key)} is required") for key in missing
        ]
    return [Violation(where, join(path), _message(error))]


class SchemaValidator:
    """A compiled validator for one schema of the spec.

    `fast`, when given, is asked first (see fast_check.py): a valid instance, the
    common case, then costs microseconds instead of tens of them. The validator that says
    what is wrong is built the first time something is: openapi-schema-validator imports
    pydantic-settings (a fifth of the mock's start) and a mock that only sees valid bodies
    never needs it.
    """

    def __init__(
        self, schema: dict[str, Any], registry: Registry, fast: FastCheck | None = None
    ) -> None:
        self.schema = schema
        self._registry = registry
        self._fast = fast

    @cached_property
    def _validator(self) -> Validator:
        from openapi_schema_validator import OAS30Validator

        return OAS30Validator(self.schema, registry=self._registry, format_checker=FORMAT_CHECKER)

    def violations(self, instance: Any, where: str = "body") -> list[Violation]:
        """Every violation in `instance`, sorted by pointer, never only the first."""
        if self._fast is not None and self._fast(instance):
            return []
        found: list[Violation] = []
        nulls: list[Violation] = []
        for error in self._validator.iter_errors(instance):
            not_nullable = error.message.endswith("for not nullable")
            (nulls if not_nullable else found).extend(_violations_of(error, where))
        # OAS 3.0's type check reports a null twice; keep "not nullable" only when alone.
        pointers = {violation.pointer for violation in found}
        found.extend(violation for violation in nulls if violation.pointer not in pointers)
        return sorted(set(found), key=lambda violation: (violation.pointer, violation.message))

    def is_valid(self, instance: Any) -> bool:
        if self._fast is not None and self._fast(instance):
            return True
        return self._validator.is_valid(instance)


class Validators:
    """Validators for the spec's schemas, request bodies and responses, made on demand."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.registry: Registry = spec.registry
        self.fast_checks = FastChecks(SPEC_URI, spec.document, {"date-time": _is_utc_datetime})
        self.for_pointer = cache(self._for_pointer)
        # A proxy asks for every answer it judges; the media type is the backend's, so bounded.
        self.response = lru_cache(maxsize=1024)(self._response)

    def _for_pointer(self, pointer: str) -> SchemaValidator:
        return self._validator_of({"$ref": f"{SPEC_URI}#{pointer}"})

    def compile(self, schema: dict[str, Any]) -> SchemaValidator:
        """A validator for a schema given inline; its local `$ref`s point into the spec."""
        return self._validator_of(_anchored(schema))

    def _validator_of(self, schema: dict[str, Any]) -> SchemaValidator:
        return SchemaValidator(schema, self.registry, self.fast_checks.compile(schema))

    def schema(self, name: str) -> SchemaValidator:
        """The validator of `components/schemas/<name>`."""
        if name not in self.spec.document.get("components", {}).get("schemas", {}):
            raise KeyError(f"the spec has no schema {name!r}")
        return self.for_pointer(f"/components/schemas/{name}")

    def request_body(
        self, operation_id: str, media_type: str = "application/json"
    ) -> SchemaValidator | None:
        """The validator of an operation's request body, or None if it takes none."""
        operation = self.spec.operations[operation_id]
        if operation.request_body is None:
            return None
        where = operation.pointer + "/requestBody"
        return self._media_validator(operation.request_body, media_type, where)

    def _response(
        self, operation_id: str, status: int | str, media_type: str
    ) -> SchemaValidator | None:
        """The validator of one documented response body, or None if none is documented
        (`response`, the same kept in an LRU)."""
        operation = self.spec.operations[operation_id]
        key = str(status) if str(status) in operation.responses else "default"
        if key not in operation.responses:
            return None
        where = operation.pointer + f"/responses/{key}"
        return self._media_validator(operation.responses[key], media_type, where)

    def _media_validator(
        self, node: dict[str, Any], media_type: str, where: str
    ) -> SchemaValidator | None:
        """The validator of the schema for `media_type` in `node` (found at `where`, or where
        its `$ref` leads): the schema's own `$ref`, or the place the inline schema stands."""
        node, where = self.spec.follow(node, where)
        media = node.get("content", {}).get(media_type)
        if media is None or "schema" not in media:
            return None
        ref = media["schema"].get("$ref") if isinstance(media["schema"], dict) else None
        if isinstance(ref, str) and ref.startswith("#/"):
            return self.for_pointer(ref[1:])
        return self.for_pointer(f"{where}/content/{escape(media_type)}/schema")


def _anchored(node: Any) -> Any:
    """A copy of `node` whose local `$ref`s (`#/...`) name the spec's URI."""
    if isinstance(node, dict):
        return {
            key: f"{SPEC_URI}{value}"
            if key == "$ref" and isinstance(value, str) and value.startswith("#")
            else _anchored(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_anchored(item) for item in node]
    return node
