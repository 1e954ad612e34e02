"""The OpenAPI document: where it lives, how it loads, what its operations are.

The mock, the validators and the contract suite all read the spec through this
module, so a spec that cannot be read fails the same way everywhere: a
`SpecError` whose message is one line naming the file and the problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def default_spec_path() -> Path:
    """The bundled spec in an installed wheel, else the repository's own."""
    bundled = PACKAGE_DIR / "openapi.yaml"
    return bundled if bundled.is_file() else PACKAGE_DIR.parent / "openapi.yaml"


class SpecError(Exception):
    """The spec cannot be read, parsed or validated."""


@dataclass(frozen=True)
class Operation:
    """One method on one path, as the spec declares it."""

    operation_id: str
    method: str
    path: str
    definition: dict[str, Any]

    @property
    def responses(self) -> dict[str, Any]:
        return self.definition.get("responses", {})

    @property
    def request_body(self) -> dict[str, Any] | None:
        return self.definition.get("requestBody")


@dataclass(frozen=True)
class Spec:
    """A loaded OpenAPI 3.0 document (refs left in place)."""

    document: dict[str, Any]
    path: Path

    @property
    def base_path(self) -> str:
        servers = self.document.get("servers") or [{"url": ""}]
        return servers[0]["url"].rstrip("/")

    @cached_property
    def operations(self) -> dict[str, Operation]:
        return {op.operation_id: op for op in self._iter_operations()}

    def _iter_operations(self) -> Iterator[Operation]:
        for path, item in self.document.get("paths", {}).items():
            for method in HTTP_METHODS:
                if method in item:
                    definition = item[method]
                    yield Operation(definition.get("operationId", ""), method, path, definition)

    def methods_of(self, path: str) -> list[str]:
        """The methods a spec path supports, upper case, in spec order."""
        item = self.document.get("paths", {}).get(path, {})
        return [method.upper() for method in HTTP_METHODS if method in item]

    def resolve(self, node: Any) -> Any:
        """Follow local `$ref`s until a node that is not a reference."""
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                raise SpecError(f"{self.path}: cannot resolve $ref {ref!r}")
            seen.add(ref)
            node = self.pointer(ref[1:])
        return node

    def pointer(self, pointer: str) -> Any:
        """The node at a JSON Pointer (RFC 6901) into the document."""
        try:
            return node_at(self.document, pointer)
        except LookupError:
            raise SpecError(f"{self.path}: no node at #{pointer}") from None


def node_at(document: Any, pointer: str) -> Any:
    """The node at a JSON Pointer (RFC 6901); LookupError when there is none."""
    node = document
    for part in pointer.lstrip("/").split("/") if pointer else []:
        key = part.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(key)] if isinstance(node, list) else node[key]
        except (KeyError, IndexError, ValueError, TypeError):
            raise LookupError(pointer) from None
    return node


def read_document(path: Path) -> dict[str, Any]:
    """Parse a YAML or JSON spec file into a dict, or raise a one-line SpecError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"{path}: cannot read: {error}") from None
    try:
        document = yaml.safe_load(text)
    except RecursionError:
        raise SpecError(f"{path}: not valid YAML: nested too deeply") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise SpecError(f"{path}: not valid YAML{where}: {problem}") from None
    if not isinstance(document, dict):
        raise SpecError(f"{path}: not an OpenAPI document (the top level is not a mapping)")
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
    from referencing.exceptions import Unresolvable

    if not str(document.get("openapi", "")).startswith("3.0"):
        version = document.get("openapi")
        raise SpecError(f"{path}: not an OpenAPI 3.0 document (openapi: {version!r})")
    try:
        validate(document)
    except OpenAPIValidationError as error:
        where = "/".join(str(part) for part in error.path) or "(top level)"
        message = error.message.splitlines()[0]  # the rest repeats the schema and the instance
        raise SpecError(f"{path}: invalid OpenAPI at {where}: {message}") from None
    except Unresolvable as error:
        raise SpecError(f"{path}: invalid OpenAPI: cannot resolve $ref {error.ref!r}") from None
