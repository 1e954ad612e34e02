"""One side of a diff: a spec read without validation, its operations matched as clients see them.

Any OpenAPI 3.x document (3.0 or 3.1) is read as it is (through `rooms_spec`),
so a spec that the validator would refuse can still be compared. A side is a
file, or a file at a git revision, `REV:PATH` as `git show` takes it
(`origin/main:openapi.yaml`), so CI compares against the base branch with no
file of its own. Operations are keyed
by method and a normalised path template, so renaming a path parameter
(`/rooms/{id}` to `/rooms/{roomId}`) is not a change: a client only ever sees
the URL, never the parameter's name. Parameters are keyed the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rooms_spec import Operation, Spec, SpecError, read_document

from .._cli import require_openapi
from .revision import is_revision, read_revision

_TEMPLATE = re.compile(r"\{([^{}]*)\}")

OperationKey = tuple[str, str]
"""(method, path template)."""
ParameterKey = tuple[str, str]
"""(where it goes, how a client names it): `("path", "0")`, `("header", "etag")`."""


def read_spec(path: str | Path) -> Spec:
    """Read a spec for diffing, or raise a SpecError saying why it cannot be used."""
    spec_path = Path(path)
    revision = is_revision(str(path))
    document = read_revision(str(path)) if revision else read_document(spec_path)
    require_openapi(document, spec_path, "3.")
    if not isinstance(document.get("paths", {}), dict):
        raise SpecError(f"{path}: `paths` is not a mapping")
    spec = Spec(document, spec_path)
    _check_refs(spec, document)
    return spec


def _check_refs(spec: Spec, node: Any) -> None:
    """Fail now, with the reference named, if any `$ref` leads nowhere or in a circle."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            spec.follow(node)
        for value in node.values():
            _check_refs(spec, value)
    elif isinstance(node, list):
        for value in node:
            _check_refs(spec, value)


def template_of(path: str) -> str:
    """The path with every parameter name blanked: `/rooms/{id}` -> `/rooms/{}`."""
    return _TEMPLATE.sub("{}", path)


def operations_of(spec: Spec) -> dict[OperationKey, Operation]:
    """Every operation, keyed by (method, path template)."""
    return {(op.method, template_of(op.path)): op for op in spec.iter_operations()}


@dataclass(frozen=True)
class Parameter:
    """A parameter as a client sees it: where it goes, whether it must be sent, its schema,
    and how a client writes it (`style`, `explode`, `allowReserved`, defaults filled in)."""

    location: str
    name: str
    required: bool
    schema: Any
    pointer: str  # the entry in the operation or path item that declares it
    style: str = ""
    explode: bool = False
    allow_reserved: bool = False

    @property
    def label(self) -> str:
        return f"{self.location} parameter `{self.name}`"


# OpenAPI's defaults: `form` in the query and cookies, `simple` in the path and headers.
DEFAULT_STYLES = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}


def serialisation(declared: dict[str, Any], location: str) -> tuple[str, bool, bool]:
    """(style, explode, allowReserved) as the spec means them, defaults written out.

    A parameter described by `content` is written as that media type, so its style
    is the media type. `allowReserved` means something only in the query.
    """
    content = declared.get("content")
    if isinstance(content, dict) and content:
        return f"content {next(iter(content))}", False, False
    style = str(declared.get("style") or DEFAULT_STYLES.get(location, ""))
    explode = declared.get("explode")
    exploded = style == "form" if not isinstance(explode, bool) else explode
    return style, exploded, location == "query" and declared.get("allowReserved") is True


def parameters_of(spec: Spec, operation: Operation) -> dict[ParameterKey, Parameter]:
    """The operation's parameters, path item's first, keyed as a client addresses them.

    A path parameter is keyed by its position in the path, a header by its name in
    lower case (header names are case-blind), the others by their name.
    """
    names = _TEMPLATE.findall(operation.path)
    found: dict[ParameterKey, Parameter] = {}
    for pointer, entry in operation.parameter_entries():
        declared = spec.resolve(entry)
        if not isinstance(declared, dict):
            continue
        location, name = str(declared.get("in", "")), str(declared.get("name", ""))
        schema = declared.get("schema")
        if schema is None and declared.get("content"):
            schema = next(iter(declared["content"].values())).get("schema")
        required = bool(declared.get("required")) or location == "path"
        style, explode, allow_reserved = serialisation(declared, location)
        parameter = Parameter(
            location, name, required, schema, pointer, style, explode, allow_reserved
        )
        found[_key(parameter, names)] = parameter
    return found


def _key(parameter: Parameter, path_names: list[str]) -> ParameterKey:
    if parameter.location == "path":
        known = parameter.name in path_names
        return ("path", str(path_names.index(parameter.name) if known else len(path_names)))
    if parameter.location == "header":
        return ("header", parameter.name.lower())
    return (parameter.location, parameter.name)
