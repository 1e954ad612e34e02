"""`rooms-contract diff`: every rule on a pair of specs, and the refactors it must ignore.

The old side of each pair is `spec_pairs/base.yaml`; the new side is that
spec after one small named mutation. Refactor traps are real files on disk.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from contract_tests.diff import diff_files, main
from contract_tests.diff_rules import RULES

PAIRS = Path(__file__).parent / "spec_pairs"
BASE = PAIRS / "base.yaml"
REPO_SPEC = Path(__file__).parent.parent / "openapi.yaml"

Spec = dict[str, Any]


def node(spec: Spec, path: str) -> Any:
    """The node at a slash-separated path; `~1` stands for `/` as in JSON Pointer."""
    current: Any = spec
    for part in path.split("/"):
        key = part.replace("~1", "/")
        current = current[int(key)] if isinstance(current, list) else current[key]
    return current


ITEM = "components/schemas/Item"
CREATE = "components/schemas/ItemCreate"
LIST = "paths/~1items/get"
POST = "paths/~1items/post"


def set_at(path: str, key: str, value: Any) -> Callable[[Spec], None]:
    return lambda spec: node(spec, path).__setitem__(key, copy.deepcopy(value))


def delete_at(path: str, key: str) -> Callable[[Spec], None]:
    return lambda spec: node(spec, path).pop(key)


def rename_key(path: str, old: str, new: str) -> Callable[[Spec], None]:
    def mutate(spec: Spec) -> None:
        parent = node(spec, path)
        parent[new] = parent.pop(old)

    return mutate


def add_property(schema: str, *, required: bool = False) -> Callable[[Spec], None]:
    def mutate(spec: Spec) -> None:
        node(spec, schema)["properties"]["colour"] = {"type": "string"}
        if required:
            node(spec, schema).setdefault("required", []).append("colour")

    return mutate


def add_parameter(*, required: bool) -> Callable[[Spec], None]:
    parameter = {"name": "q", "in": "query", "required": required, "schema": {"type": "string"}}
    return lambda spec: node(spec, LIST)["parameters"].append(parameter)


def rename_query_parameter(spec: Spec) -> None:
    node(spec, f"{LIST}/parameters/0")["name"] = "max"


def body(schema: Spec, *, required: bool = True) -> Spec:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def response(description: str, schema: Spec | None = None) -> Spec:
    content = {"application/json": {"schema": schema or {"type": "object"}}}
    return {"description": description, "content": content}


@dataclass(frozen=True)
class Case:
    """`mutate` turns the old spec into the new; the old is base.yaml, after `before` if given."""

    rule: str
    mutate: Callable[[Spec], None]
    before: Callable[[Spec], None] | None = None


ONE = "paths/~1items~1{id}"
STRING = {"schema": {"type": "string"}}
CASES: list[Case] = [
    # Paths and operations
    Case("path-removed", delete_at("paths", "/items/{id}")),
    Case("path-added", set_at("paths", "/health", {"get": {"responses": {"204": {}}}})),
    Case("operation-removed", delete_at(ONE, "delete")),
    Case("operation-added", set_at(ONE, "put", {"responses": {"204": {"description": "Put."}}})),
    Case("operation-id-changed", set_at(LIST, "operationId", "listAllItems")),
    # Statuses, media types, headers
    Case("success-status-changed", rename_key(f"{POST}/responses", "201", "200")),
    Case("success-status-removed", delete_at(f"{POST}/responses", "201")),
    Case("success-status-added", set_at(f"{POST}/responses", "202", response("Accepted."))),
    Case("error-status-added", set_at(f"{POST}/responses", "409", {"description": "Conflict."})),
    Case("error-status-removed", delete_at(f"{POST}/responses", "400")),
    Case(
        "response-media-type-changed",
        rename_key(f"{POST}/responses/201/content", "application/json", "application/hal+json"),
    ),
    Case(
        "response-media-type-removed",
        delete_at(f"{LIST}/responses/200/content", "text/csv"),
        before=set_at(f"{LIST}/responses/200/content", "text/csv", STRING),
    ),
    Case("response-media-type-added", set_at(f"{POST}/responses/201/content", "text/csv", STRING)),
    Case(
        "request-media-type-changed",
        rename_key(f"{POST}/requestBody/content", "application/json", "application/x-yaml"),
    ),
    Case(
        "request-media-type-removed",
        delete_at(f"{POST}/requestBody/content", "text/csv"),
        before=set_at(f"{POST}/requestBody/content", "text/csv", STRING),
    ),
    Case("request-media-type-added", set_at(f"{POST}/requestBody/content", "text/plain", STRING)),
    Case("response-header-removed", delete_at(f"{POST}/responses/201", "headers")),
    Case(
        "response-header-became-optional",
        set_at(f"{POST}/responses/201/headers/Location", "required", False),
    ),
    Case("response-header-added", set_at(f"{POST}/responses/201/headers", "ETag", STRING)),
    # Request bodies and parameters
    Case("request-body-became-optional", set_at(f"{POST}/requestBody", "required", False)),
    Case(
        "request-body-became-required",
        set_at(f"{POST}/requestBody", "required", True),
        before=set_at(f"{POST}/requestBody", "required", False),
    ),
    Case("request-body-removed", delete_at(POST, "requestBody")),
    Case("request-body-added-required", set_at(f"{ONE}/delete", "requestBody", body({}))),
    Case(
        "request-body-added-optional",
        set_at(f"{ONE}/delete", "requestBody", body({}, required=False)),
    ),
    Case("request-parameter-renamed", rename_query_parameter),
    Case("request-parameter-removed", delete_at(LIST, "parameters")),
    Case("request-parameter-added-required", add_parameter(required=True)),
    Case("request-parameter-added-optional", add_parameter(required=False)),
    Case("request-parameter-became-required", set_at(f"{LIST}/parameters/0", "required", True)),
    # What clients send
    Case("request-bounds-narrowed", set_at(f"{LIST}/parameters/0/schema", "maximum", 50)),
    Case("request-bounds-widened", set_at(f"{CREATE}/properties/name", "maxLength", 500)),
    Case("request-type-changed", set_at(f"{CREATE}/properties/size", "type", "string")),
    Case("request-type-widened", set_at(f"{CREATE}/properties/size", "type", "number")),
    Case("request-enum-narrowed", set_at(f"{CREATE}/properties/kind", "enum", ["small"])),
    Case(
        "request-enum-widened",
        set_at(f"{CREATE}/properties/kind", "enum", ["small", "large", "huge"]),
    ),
    Case("request-pattern-changed", set_at(f"{CREATE}/properties/name", "pattern", "^[a-z]+$")),
    Case("request-format-changed", set_at(f"{CREATE}/properties/name", "format", "email")),
    Case("request-became-nullable", set_at(f"{CREATE}/properties/name", "nullable", True)),
    Case("request-object-opened", delete_at(CREATE, "additionalProperties")),
    Case("request-property-added-required", add_property(CREATE, required=True)),
    Case("request-property-added-optional", add_property(CREATE)),
    Case("request-property-became-required", set_at(CREATE, "required", ["name", "kind"])),
    Case("request-property-became-optional", delete_at(CREATE, "required")),
    Case("request-property-removed", delete_at(f"{CREATE}/properties", "kind")),
    # What clients read
    Case("response-property-removed", delete_at(f"{ITEM}/properties", "created_at")),
    Case("response-property-became-optional", set_at(ITEM, "required", ["id", "name"])),
    Case(
        "response-property-became-required",
        set_at(ITEM, "required", ["id", "name", "status", "size"]),
    ),
    Case("response-type-changed", set_at(f"{ITEM}/properties/size", "type", "string")),
    Case(
        "response-enum-value-added",
        set_at(f"{ITEM}/properties/status", "enum", ["active", "ended", "archived"]),
    ),
    Case("response-enum-narrowed", set_at(f"{ITEM}/properties/status", "enum", ["active"])),
    Case("response-bounds-widened", set_at(f"{ITEM}/properties/name", "maxLength", 500)),
    Case("response-bounds-narrowed", set_at(f"{ITEM}/properties/size", "maximum", 5)),
    Case("response-pattern-changed", delete_at(f"{ITEM}/properties/id", "pattern")),
    Case("response-format-changed", delete_at(f"{ITEM}/properties/created_at", "format")),
    Case("response-became-nullable", set_at(f"{ITEM}/properties/name", "nullable", True)),
    Case("response-object-opened", delete_at(ITEM, "additionalProperties")),
    Case("response-property-added", add_property("components/schemas/Page")),
    Case("response-property-added-to-closed-object", add_property(ITEM)),
]


def write_spec(tmp_path: Path, name: str, *mutations: Callable[[Spec], None] | None) -> Path:
    """base.yaml after `mutations`, written to `tmp_path/name`."""
    spec = yaml.safe_load(BASE.read_text())
    for mutation in mutations:
        if mutation is not None:
            mutation(spec)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def mutated(mutate: Callable[[Spec], None], tmp_path: Path) -> Path:
    return write_spec(tmp_path, "new.yaml", mutate)


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
def test_each_rule_fires_alone_with_its_level(case: Case, tmp_path: Path) -> None:
    old = write_spec(tmp_path, "old.yaml", case.before)
    new = write_spec(tmp_path, "new.yaml", case.before, case.mutate)
    changes = diff_files(str(old), str(new))
    assert {change.rule for change in changes} == {case.rule}, [c.message for c in changes]
    breaking = RULES[case.rule].level == "breaking"
    assert main([str(old), str(new)]) == (1 if breaking else 0)


def test_the_cases_cover_both_levels() -> None:
    levels = {RULES[case.rule].level for case in CASES}
    assert levels == {"breaking", "warning", "compatible"}


def test_a_request_field_removed_from_an_open_object_is_compatible(tmp_path: Path) -> None:
    def mutate(spec: Spec) -> None:
        node(spec, CREATE).pop("additionalProperties")
        node(spec, f"{CREATE}/properties").pop("kind")

    rules = {change.rule for change in diff_files(str(BASE), str(mutated(mutate, tmp_path)))}
    assert rules == {"request-object-opened", "request-property-removed-from-open-object"}


def test_messages_name_the_operation_and_the_field(tmp_path: Path) -> None:
    new = mutated(set_at("components/schemas/Page", "required", ["items"]), tmp_path)
    [change] = diff_files(str(BASE), str(new))
    assert change.message == (
        "GET /items: response 200 field `total` is no longer required; "
        "clients that read it may break"
    )
    assert change.operation == "GET /items"
    assert change.location.endswith(
        "/responses/200/content/application~1json/schema/properties/total"
    )


def test_a_nested_response_field_is_named_by_its_path(tmp_path: Path) -> None:
    new = mutated(set_at(ITEM, "required", ["id", "name"]), tmp_path)
    fields = {change.message.split("`")[1] for change in diff_files(str(BASE), str(new))}
    assert fields == {"status", "items[].status"}


# --- refactors that are not changes ---


def test_refactors_with_the_same_meaning_are_not_changes() -> None:
    assert diff_files(str(BASE), str(PAIRS / "refactored.yaml")) == []
    assert diff_files(str(PAIRS / "refactored.yaml"), str(BASE)) == []


def test_the_repo_spec_with_every_schema_inlined_is_unchanged(tmp_path: Path) -> None:
    spec = yaml.safe_load(REPO_SPEC.read_text())
    schemas = spec["components"]["schemas"]

    def inline(value: Any) -> Any:
        if isinstance(value, dict):
            ref = value.get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                return inline(copy.deepcopy(schemas[ref.rsplit("/", 1)[1]]))
            return {key: inline(item) for key, item in value.items()}
        if isinstance(value, list):
            return [inline(item) for item in value]
        return value

    spec["paths"] = inline(spec["paths"])
    new = tmp_path / "inlined.yaml"
    new.write_text(yaml.safe_dump(spec))
    assert diff_files(str(REPO_SPEC), str(new)) == []


def test_a_recursive_schema_terminates_and_still_shows_changes() -> None:
    changes = diff_files(str(PAIRS / "recursive_old.yaml"), str(PAIRS / "recursive_new.yaml"))
    assert [change.rule for change in changes] == ["response-property-became-optional"]


def test_a_oneof_variant_added_to_a_response_is_breaking(tmp_path: Path) -> None:
    def mutate(spec: Spec) -> None:
        item = node(spec, ITEM)
        other = copy.deepcopy(item)
        other["properties"]["status"]["enum"] = ["archived"]
        spec["components"]["schemas"]["Item"] = {"oneOf": [item, other]}

    changes = diff_files(str(BASE), str(mutated(mutate, tmp_path)))
    assert {change.rule for change in changes} == {"response-variant-added"}


# --- the command line ---


@pytest.fixture
def breaking_pair(tmp_path: Path) -> tuple[str, str]:
    return str(BASE), str(mutated(set_at(ITEM, "required", ["id", "name"]), tmp_path))


def test_text_output_lists_each_change_and_a_summary(
    breaking_pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(list(breaking_pair)) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("BREAKING [response-property-became-optional] GET /items:")
    assert lines[-1] == "3 breaking"


def test_json_output_is_a_list_of_stable_objects(
    breaking_pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*breaking_pair, "--format", "json"]) == 1
    [first, *_] = json.loads(capsys.readouterr().out)
    assert set(first) == {"rule", "level", "operation", "location", "message"}
    assert first["level"] == "breaking"


def test_markdown_output_is_a_table_with_a_verdict(
    breaking_pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*breaking_pair, "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert "**Breaking API changes.** 3 breaking" in out
    assert "| :x: breaking | `response-property-became-optional` | `GET /items` |" in out


def test_warnings_fail_only_when_asked(tmp_path: Path) -> None:
    new = str(mutated(add_property(ITEM), tmp_path))
    assert main([str(BASE), new]) == 0
    assert main([str(BASE), new, "--fail-on", "warning"]) == 1


def test_no_changes_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(BASE), str(BASE)]) == 0
    assert capsys.readouterr().out == "No API changes.\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("openapi: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "not an OpenAPI document"),
        ("openapi: 2.0\n", "not an OpenAPI 3 document"),
        (
            "openapi: 3.0.3\npaths:\n  /x:\n    $ref: '#/nowhere'\n",
            "cannot resolve $ref",
        ),
    ],
)
def test_unreadable_input_exits_2_with_one_line(
    content: str | None, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "spec.yaml"
    if content is not None:
        path.write_text(content)
    assert main([str(BASE), str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and expected in captured.err


def test_usage_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(BASE)]) == 2
    assert main([str(BASE), str(BASE), "--format", "yaml"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith("rooms-contract diff:") for line in lines)


def test_every_rule_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-rules"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(RULES)


def test_the_installed_command_runs_diff(breaking_pair: tuple[str, str]) -> None:
    command = [sys.executable, "-m", "contract_tests.cli", "diff", *breaking_pair]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    assert "response-property-became-optional" in result.stdout
