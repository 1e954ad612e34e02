"""One side of a diff: a spec read from disk, with `$ref`s resolved by `referencing`.

Operations are keyed by method and a normalised path template, so renaming a
path parameter (`/rooms/{id}` to `/rooms/{roomId}`) is not a change: a client
only ever sees the URL, never the parameter's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from referencing import Registry, Resource
from referencing._core import Resolver
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4

from mock_server.spec import HTTP_METHODS, SpecError, read_document

DOCUMENT_URI = "urn:rooms-contract:document"
_TEMPLATE = re.compile(r"\{[^{}]*\}")


class InputError(Exception):
    """A spec given to `diff` cannot be used; the message is one line."""


def template_of(path: str) -> str:
    """The path with every parameter name blanked: `/rooms/{id}` -> `/rooms/{}`."""
    return _TEMPLATE.sub("{}", path)


def escape(part: str) -> str:
    """One JSON Pointer (RFC 6901) token."""
    return part.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Parameter:
    """A parameter as a client sees it: where it goes, whether it must be sent, its schema."""

    location: str
    name: str
    required: bool
    schema: Any
    pointer: str

    @property
    def label(self) -> str:
        return f"{self.location} parameter `{self.name}`"


@dataclass(frozen=True)
class Operation:
    """One method on one path, its path-level parameters merged in and `$ref`s followed."""

    method: str
    path: str
    pointer: str
    definition: dict[str, Any]
    parameters: dict[tuple[str, str], Parameter]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def operation_id(self) -> str | None:
        return self.definition.get("operationId")


class Document:
    """A parsed spec and a resolver over it."""

    def __init__(self, document: dict[str, Any], name: str) -> None:
        self.raw = document
        self.name = name
        resource = Resource.from_contents(document, default_specification=DRAFT4)
        self.resolver: Resolver = (
            Registry().with_resource(DOCUMENT_URI, resource).resolver(DOCUMENT_URI)
        )

    @classmethod
    def load(cls, path: str | Path) -> Document:
        """Read a spec for diffing, or raise `InputError` saying why it cannot be used."""
        try:
            document = read_document(Path(path))
        except SpecError as error:
            raise InputError(str(error)) from None
        version = str(document.get("openapi", ""))
        if not version.startswith("3."):
            raise InputError(f"{path}: not an OpenAPI 3 document (openapi: {version or 'missing'})")
        if not isinstance(document.get("paths", {}), dict):
            raise InputError(f"{path}: `paths` is not a mapping")
        loaded = cls(document, str(path))
        loaded.check_refs(document)
        return loaded

    def check_refs(self, node: Any) -> None:
        """Fail now, with the reference named, if any `$ref` leads nowhere."""
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                self.resolve(node)
            for value in node.values():
                self.check_refs(value)
        elif isinstance(node, list):
            for value in node:
                self.check_refs(value)

    def resolve(self, node: Any, resolver: Resolver | None = None) -> tuple[Any, Resolver]:
        """Follow `$ref`s until a node that is not one; also return the resolver for its scope."""
        resolver = resolver or self.resolver
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise InputError(f"{self.name}: $ref {ref!r} refers to itself")
            seen.add(ref)
            try:
                resolved = resolver.lookup(ref)
            except Unresolvable:
                raise InputError(f"{self.name}: cannot resolve $ref {ref!r}") from None
            node, resolver = resolved.contents, resolved.resolver
        return node, resolver

    def node(self, node: Any) -> Any:
        """`resolve` without the resolver, for objects that are not schemas."""
        return self.resolve(node)[0]

    def operations(self) -> dict[tuple[str, str], Operation]:
        """Every operation, keyed by (method, path template)."""
        return {(op.method, template_of(op.path)): op for op in self._iter_operations()}

    def _iter_operations(self) -> Iterator[Operation]:
        for path, item in (self.raw.get("paths") or {}).items():
            item = self.node(item) or {}
            shared = self._parameters(item.get("parameters", []), f"/paths/{escape(path)}")
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                pointer = f"/paths/{escape(path)}/{method}"
                definition = self.node(item[method]) or {}
                own = self._parameters(definition.get("parameters", []), pointer)
                yield Operation(method, path, pointer, definition, {**shared, **own})

    def _parameters(self, entries: list[Any], pointer: str) -> dict[tuple[str, str], Parameter]:
        """Parameters keyed as a client addresses them: path ones by position, not by name."""
        found: dict[tuple[str, str], Parameter] = {}
        for index, entry in enumerate(entries or []):
            raw = self.node(entry) or {}
            location, name = raw.get("in", ""), raw.get("name", "")
            schema = raw.get("schema")
            if schema is None and raw.get("content"):
                schema = next(iter(raw["content"].values())).get("schema")
            parameter = Parameter(
                location,
                name,
                bool(raw.get("required")) or location == "path",
                schema,
                f"{pointer}/parameters/{index}",
            )
            found[_parameter_key(parameter, pointer)] = parameter
        return found


def _parameter_key(parameter: Parameter, pointer: str) -> tuple[str, str]:
    if parameter.location == "path":
        path = pointer.split("/")[2].replace("~1", "/").replace("~0", "~")
        names = re.findall(r"\{([^{}]*)\}", path)
        position = names.index(parameter.name) if parameter.name in names else len(names)
        return ("path", str(position))
    if parameter.location == "header":
        return ("header", parameter.name.lower())
    return (parameter.location, parameter.name)
