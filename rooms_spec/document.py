"""The OpenAPI document: where it lives, how it loads and validates, how its `$ref`s resolve.

The mock, the contract suite, lint and diff all read a spec through this module,
so a spec that cannot be read fails the same way everywhere: a `SpecError`
whose message is one line naming the file and the problem.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from referencing import Registry, Resource
from referencing._core import Resolver
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4

from .json_text import as_json
from .operations import Operation, iter_operations, methods_of
from .pointer import node_at

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
SPEC_URI = "urn:rooms-api:openapi"
"""The URI the document is registered under, for `referencing` and the validators."""

# libyaml's parser reads the spec 5x faster than PyYAML's pure-Python one (a sixth of the
# mock's start); the same safe constructor builds the same plain values from it.
FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def bundled_path(name: str) -> Path:
    """A file shipped beside the packages (`openapi.yaml`, `fixtures`): in an installed
    wheel it sits inside this package, in a clone at the repository's top."""
    bundled = PACKAGE_DIR / name
    return bundled if bundled.exists() else PROJECT_DIR / name


def default_spec_path() -> Path:
    return bundled_path("openapi.yaml")


class SpecError(Exception):
    """The spec cannot be read, parsed, validated or resolved; the message is one line."""


class Spec:
    """A parsed OpenAPI 3.0 document (`$ref`s left in place) and a resolver over it."""

    def __init__(self, document: dict[str, Any], path: Path) -> None:
        self.document = document
        self.path = path

    @property
    def base_path(self) -> str:
        servers = self.document.get("servers") or [{"url": ""}]
        return str(servers[0].get("url", "")).rstrip("/")

    @cached_property
    def registry(self) -> Registry:
        resource = Resource.from_contents(self.document, default_specification=DRAFT4)
        return Registry().with_resource(SPEC_URI, resource)

    @cached_property
    def resolver(self) -> Resolver:
        return self.registry.resolver(SPEC_URI)

    @cached_property
    def operations(self) -> dict[str, Operation]:
        """The operations that have an operationId, by it."""
        return {op.operation_id: op for op in iter_operations(self.document) if op.operation_id}

    def iter_operations(self) -> list[Operation]:
        """Every operation, with or without an operationId, in document order."""
        return list(iter_operations(self.document))

    def methods_of(self, path: str) -> list[str]:
        return methods_of(self.document, path)

    def follow(self, node: Any, pointer: str = "") -> tuple[Any, str]:
        """Follow `$ref`s from `node` (found at `pointer`) to a node that is not one.

        Returns that node and the pointer of where it lives, so a finding about a
        shared component names the component. A reference that leads nowhere, out
        of the document or round in a circle is a SpecError.
        """
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise SpecError(f"{self.path}: $ref {as_json(ref)} refers to itself")
            seen.add(ref)
            try:
                node = self.resolver.lookup(ref).contents
            except Unresolvable:
                raise SpecError(f"{self.path}: cannot resolve $ref {as_json(ref)}") from None
            pointer = ref.partition("#")[2]
        return node, pointer

    def resolve(self, node: Any) -> Any:
        """`follow` without the pointer."""
        return self.follow(node)[0]

    def pointer(self, pointer: str) -> Any:
        """The node at a JSON Pointer into the document."""
        try:
            return node_at(self.document, pointer)
        except LookupError:
            raise SpecError(f"{self.path}: no node at #{pointer}") from None


def read_document(path: Path) -> dict[str, Any]:
    """Parse a YAML or JSON spec file into a dict, or raise a one-line SpecError."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: is a directory, not a spec file") from None
    except OSError as error:
        raise SpecError(f"{path}: cannot read: {error.strerror or error}") from None
    return parse_document(content, str(path))


def parse_document(content: bytes, name: str) -> dict[str, Any]:
    """Parse the bytes of a spec (from a file, or from git) into a dict; `name` says where
    they came from in the one-line SpecError."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = error.object[error.start]
        raise SpecError(f"{name}: not UTF-8 (byte 0x{byte:02x} at offset {error.start})") from None
    try:
        try:
            document = yaml.load(text, Loader=FAST_LOADER)
        except yaml.YAMLError:  # PyYAML's own parser says where and what more plainly
            document = yaml.load(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise SpecError(f"{name}: not valid YAML: nested too deeply") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise SpecError(f"{name}: not valid YAML{where}: {problem}") from None
    if not isinstance(document, dict):
        raise SpecError(f"{name}: not an OpenAPI document (the top level is not a mapping)")
    return document


def load_spec(path: str | Path | None = None, *, validate: bool = True) -> Spec:
    """Read and (by default) validate an OpenAPI 3.0 spec."""
    spec_path = Path(path) if path is not None else default_spec_path()
    document = read_document(spec_path)
    if validate:
        check_document(document, spec_path)
    return Spec(document, spec_path)


def check_document(document: dict[str, Any], path: Path) -> None:
    """Raise a SpecError with the first problem openapi-spec-validator finds."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    if not str(document.get("openapi", "")).startswith("3.0"):
        version = document.get("openapi")
        raise SpecError(f"{path}: not an OpenAPI 3.0 document (openapi: {as_json(version)})")
    try:
        validate(document)
    except OpenAPIValidationError as error:
        where = "/".join(str(part) for part in error.path) or "(top level)"
        message = error.message.splitlines()[0]  # the rest repeats the schema and the instance
        raise SpecError(f"{path}: invalid OpenAPI at {where}: {message}") from None
    except Unresolvable as error:
        raise SpecError(
            f"{path}: invalid OpenAPI: cannot resolve $ref {as_json(error.ref)}"
        ) from None
