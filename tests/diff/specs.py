"""`spec_pairs/base.yaml` and the small named mutations the diff tests make of it.

A mutation is a function that edits a parsed copy of base.yaml in place; paths
into it are slash-separated, with `~1` standing for `/` as in JSON Pointer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

PAIRS = Path(__file__).parent / "spec_pairs"
BASE = PAIRS / "base.yaml"
REPO_SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"

Spec = dict[str, Any]
Mutation = Callable[[Spec], None]

ITEM = "components/schemas/Item"
CREATE = "components/schemas/ItemCreate"
LIST = "paths/~1items/get"
POST = "paths/~1items/post"
ONE = "paths/~1items~1{id}"
STRING = {"schema": {"type": "string"}}


def node(spec: Spec, path: str) -> Any:
    """The node at a slash-separated path; `~1` stands for `/` as in JSON Pointer."""
    current: Any = spec
    for part in path.split("/"):
        key = part.replace("~1", "/")
        current = current[int(key)] if isinstance(current, list) else current[key]
    return current


def set_at(path: str, key: str, value: Any) -> Mutation:
    return lambda spec: node(spec, path).__setitem__(key, copy.deepcopy(value))


def delete_at(path: str, key: str) -> Mutation:
    return lambda spec: node(spec, path).pop(key)


def rename_key(path: str, old: str, new: str) -> Mutation:
    def mutate(spec: Spec) -> None:
        parent = node(spec, path)
        parent[new] = parent.pop(old)

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(spec: Spec) -> None:
        for mutation in mutations:
            mutation(spec)

    return mutate


def add_property(schema: str, *, required: bool = False) -> Mutation:
    def mutate(spec: Spec) -> None:
        node(spec, schema)["properties"]["colour"] = {"type": "string"}
        if required:
            node(spec, schema).setdefault("required", []).append("colour")

    return mutate


def add_parameter(*, required: bool) -> Mutation:
    parameter = {"name": "q", "in": "query", "required": required, "schema": {"type": "string"}}
    return lambda spec: node(spec, LIST)["parameters"].append(parameter)


def rename_query_parameter(spec: Spec) -> None:
    node(spec, f"{LIST}/parameters/0")["name"] = "max"


def one_of(path: str, extra: Any) -> Mutation:
    """The schema at `path` becomes a `oneOf` of itself and `extra`: one variant more."""

    def mutate(spec: Spec) -> None:
        *parent, name = path.split("/")
        owner = node(spec, "/".join(parent))
        owner[name] = {"oneOf": [owner[name], copy.deepcopy(extra)]}

    return mutate


def body(schema: Spec, *, required: bool = True) -> Spec:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def response(description: str, schema: Spec | None = None) -> Spec:
    content = {"application/json": {"schema": schema or {"type": "object"}}}
    return {"description": description, "content": content}


def write_spec(tmp_path: Path, name: str, *mutations: Mutation | None) -> Path:
    """base.yaml after `mutations`, written to `tmp_path/name`."""
    spec = yaml.safe_load(BASE.read_text())
    for mutation in mutations:
        if mutation is not None:
            mutation(spec)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def mutated(mutate: Mutation, tmp_path: Path) -> Path:
    return write_spec(tmp_path, "new.yaml", mutate)


# --- what the newer cases build on base.yaml ---

LIMIT = f"{LIST}/parameters/0"
PATH_ID = f"{ONE}/parameters/0"
TAGS = f"{LIST}/parameters/1"
SCHEMES = "components/securitySchemes"


def add_tags_parameter(spec: Spec) -> None:
    """A query parameter that is an array, so its style and explode matter."""
    tags = {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}
    node(spec, LIST)["parameters"].append(tags)


def openapi_31(spec: Spec) -> None:
    spec["openapi"] = "3.1.0"


KEY_SCHEME = {"type": "apiKey", "in": "header", "name": "X-Key"}
BEARER_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
OAUTH_SCHEME = {
    "type": "oauth2",
    "flows": {
        "clientCredentials": {
            "tokenUrl": "https://auth.example/token",
            "scopes": {"read": "Read items.", "write": "Write items.", "admin": "Everything."},
        }
    },
}


def with_schemes(spec: Spec) -> None:
    """base.yaml has no security: these schemes, used by no operation yet."""
    spec.setdefault("components", {})["securitySchemes"] = copy.deepcopy(
        {"key": KEY_SCHEME, "bearer": BEARER_SCHEME, "oauth": OAUTH_SCHEME}
    )


def secured(path: str, *requirements: dict[str, list[str]]) -> Mutation:
    """The security schemes, and `security` at `path` ("" for the whole document)."""

    def mutate(spec: Spec) -> None:
        with_schemes(spec)
        (node(spec, path) if path else spec)["security"] = [dict(r) for r in requirements]

    return mutate


def rename_scheme(old: str, new: str) -> Mutation:
    """A scheme renamed everywhere it is named: its definition and every requirement."""

    def mutate(spec: Spec) -> None:
        schemes = node(spec, SCHEMES)
        schemes[new] = schemes.pop(old)
        owners = [spec, *(op for item in spec["paths"].values() for op in item.values())]
        for owner in owners:
            for requirement in owner.get("security", []) if isinstance(owner, dict) else []:
                if old in requirement:
                    requirement[new] = requirement.pop(old)

    return mutate


def pet(name: str, extra: str) -> Spec:
    return {
        "type": "object",
        "required": ["pet"],
        "properties": {"pet": {"type": "string", "enum": [name]}, extra: {"type": "boolean"}},
    }


def with_pets(schema: str, **discriminator: Any) -> Mutation:
    """A field `pet` in `schema`: a oneOf of the components Cat and Dog, told apart by `pet`."""

    def mutate(spec: Spec) -> None:
        schemas = spec["components"]["schemas"]
        schemas["Cat"], schemas["Dog"] = pet("Cat", "claws"), pet("Dog", "bark")
        node(spec, schema)["properties"]["pet"] = {
            "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
            "discriminator": {"propertyName": "pet", **copy.deepcopy(discriminator)},
        }

    return mutate


def cat_and_dog(**extra: str) -> dict[str, str]:
    """An explicit mapping that says what the implicit one does, and `extra` values."""
    mapping = {"Cat": "#/components/schemas/Cat", "Dog": "#/components/schemas/Dog"}
    return {**mapping, **{value: f"#/components/schemas/{to}" for value, to in extra.items()}}


def rename_component(old: str, new: str) -> Mutation:
    """A schema component renamed, with every `$ref` and mapping entry that names it."""
    before, after = f"#/components/schemas/{old}", f"#/components/schemas/{new}"

    def rename(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: rename(item) for key, item in value.items()}
        if isinstance(value, list):
            return [rename(item) for item in value]
        return after if value == before else value

    def mutate(spec: Spec) -> None:
        schemas = spec["components"]["schemas"]
        schemas[new] = schemas.pop(old)
        renamed = rename(spec)
        spec.clear()
        spec.update(renamed)

    return mutate
