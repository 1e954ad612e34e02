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
