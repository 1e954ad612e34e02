"""A compiled Rust check (jsonschema_rs) that says "valid" about 200 times faster than jsonschema.

Most bodies are valid, so validators.py asks this first and runs the Python
OAS 3.0 validator, which lists every violation, only when this says no. That
is only sound where this check is never more lenient than the Python one, so a
schema that reaches an OAS keyword the Rust draft-4 validator reads differently
(`discriminator` narrows `oneOf`, unless each branch pins the property to a value
the mapping sends to it) or a draft-4 keyword OAS 3.0 lacks gets no fast check.
Elsewhere it is as strict or stricter (it checks more formats, its regexes are
ASCII), and a stricter "no" only costs the slow path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema_rs

from .pointer import node_at

# Keywords whose OAS 3.0 meaning is stricter than, or absent from, draft 4's.
UNSAFE_KEYWORDS = frozenset(
    {"discriminator", "patternProperties", "dependencies", "additionalItems"}
)

FastCheck = Callable[[Any], bool]


class FastChecks:
    """Fast checks for schemas that `$ref` into one document registered under `uri`."""

    def __init__(
        self, uri: str, document: dict[str, Any], formats: dict[str, Callable[[str], bool]]
    ) -> None:
        self.uri = uri
        self.document = document
        self.formats = formats
        self._registry: Any = None
        try:
            self._registry = jsonschema_rs.Registry([(uri, document)], draft=jsonschema_rs.Draft4)
        except (ValueError, TypeError):  # a document the Rust side cannot hold: the slow path
            self._registry = None

    def compile(self, schema: dict[str, Any]) -> FastCheck | None:
        """A check that is True only for instances the OAS validator accepts too, or None."""
        if self._registry is None or self._reaches_unsafe(schema):
            return None
        try:
            validator = jsonschema_rs.Draft4Validator(
                schema, registry=self._registry, validate_formats=True, formats=self.formats
            )
        except (ValueError, TypeError):
            return None

        def check(instance: Any) -> bool:
            try:
                return validator.is_valid(instance)
            except (ValueError, TypeError, OverflowError):  # what Rust cannot hold: slow path
                return False

        return check

    def _reaches_unsafe(self, schema: Any) -> bool:
        """Whether an unsafe keyword appears in `schema` or anything its `$ref`s lead to."""
        seen: set[str] = set()
        pending: list[Any] = [schema]
        while pending:
            node = pending.pop()
            if isinstance(node, list):
                pending.extend(node)
            elif isinstance(node, dict):
                unsafe = UNSAFE_KEYWORDS.intersection(node)
                if unsafe and not (unsafe == {"discriminator"} and self._picks_alone(node)):
                    return True
                ref = node.get("$ref")
                if isinstance(ref, str) and ref not in seen:
                    seen.add(ref)
                    pending.append(self._target(ref))
                pending.extend(value for key, value in node.items() if key != "$ref")
        return False

    def _picks_alone(self, node: dict[str, Any]) -> bool:
        """Whether a `discriminator` picks only the branch a draft-4 `oneOf`/`anyOf` finds
        anyway: every branch is a `$ref` to an object that requires the property with one
        value of its own (`status: enum: [active]`), and the mapping sends that value to it.
        Then an instance valid by the branches is valid by the mapped one (the Rooms API's
        `Room` and `RoomDetail` are such)."""
        discriminator = node.get("discriminator")
        branches = node.get("oneOf", node.get("anyOf"))
        if not isinstance(discriminator, dict) or not isinstance(branches, list) or not branches:
            return False
        name, mapping = discriminator.get("propertyName"), discriminator.get("mapping") or {}
        if not isinstance(name, str) or not isinstance(mapping, dict):
            return False
        for branch in branches:
            ref = branch.get("$ref") if isinstance(branch, dict) else None
            target = self._target(ref) if isinstance(ref, str) else None
            if not isinstance(target, dict) or name not in (target.get("required") or []):
                return False
            enum = ((target.get("properties") or {}).get(name) or {}).get("enum")
            if not (isinstance(enum, list) and len(enum) == 1 and isinstance(enum[0], str)):
                return False
            value = enum[0]
            if not value or mapping.get(value, f"#/components/schemas/{value}") != ref:
                return False
        return True

    def _target(self, ref: str) -> Any:
        """The node a `$ref` into the document names; an unknown one counts as unsafe."""
        _, _, pointer = ref.partition("#")
        try:
            return node_at(self.document, pointer)
        except LookupError:
            return {"discriminator": None}
