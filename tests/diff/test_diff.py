"""`rooms-contract diff`: every rule on a pair of specs, and the refactors it must ignore.

The old side of each pair is `spec_pairs/base.yaml`; the new side is that
spec after one small named mutation (or the other way round, for a mutation
undone). Refactor traps are real files on disk.
"""

from __future__ import annotations

import ast
import copy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

import contract_tests.diff
from contract_tests.diff.cli import diff_files, main
from contract_tests.diff.rules import RULES

from .cases import SECOND_ROUND, Case, both_ways
from .specs import (
    BASE,
    CREATE,
    ITEM,
    LIST,
    ONE,
    PAIRS,
    POST,
    REPO_SPEC,
    STRING,
    Spec,
    add_parameter,
    add_property,
    body,
    delete_at,
    mutated,
    node,
    one_of,
    rename_key,
    rename_query_parameter,
    response,
    set_at,
    write_spec,
)

CASES: list[Case] = [
    # Paths and operations
    Case("path-removed", delete_at("paths", "/items/{id}")),
    Case("path-added", set_at("paths", "/health", {"get": {"responses": {"204": {}}}})),
    Case("operation-removed", delete_at(ONE, "delete")),
    Case("operation-added", set_at(ONE, "put", {"responses": {"204": {"description": "Put."}}})),
    Case("operation-id-changed", set_at(LIST, "operationId", "listAllItems")),
    Case("operation-id-added", delete_at(LIST, "operationId"), undone=True),
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
    *both_ways(
        "request-parameter-became-required",
        "request-parameter-became-optional",
        set_at(f"{LIST}/parameters/0", "required", True),
    ),
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
    *both_ways(
        "request-pattern-changed",
        "request-pattern-removed",
        set_at(f"{CREATE}/properties/name", "pattern", "^[a-z]+$"),
    ),
    *both_ways(
        "request-format-changed",
        "request-format-removed",
        set_at(f"{CREATE}/properties/name", "format", "email"),
    ),
    *both_ways(
        "request-became-nullable",
        "request-became-not-nullable",
        set_at(f"{CREATE}/properties/name", "nullable", True),
    ),
    *both_ways(
        "request-object-opened", "request-object-closed", delete_at(CREATE, "additionalProperties")
    ),
    Case("request-property-added-required", add_property(CREATE, required=True)),
    Case("request-property-added-optional", add_property(CREATE)),
    Case("request-property-became-required", set_at(CREATE, "required", ["name", "kind"])),
    Case("request-property-became-optional", delete_at(CREATE, "required")),
    Case("request-property-removed", delete_at(f"{CREATE}/properties", "kind")),
    Case(
        "request-property-removed-from-open-object",
        delete_at(f"{CREATE}/properties", "kind"),
        before=delete_at(CREATE, "additionalProperties"),
    ),
    *both_ways(
        "request-variant-added",
        "request-variant-removed",
        one_of(f"{CREATE}/properties/size", {"type": "string", "enum": ["small"]}),
    ),
    # What clients read
    Case("response-property-removed", delete_at(f"{ITEM}/properties", "created_at")),
    Case("response-property-became-optional", set_at(ITEM, "required", ["id", "name"])),
    Case(
        "response-property-became-required",
        set_at(ITEM, "required", ["id", "name", "status", "size"]),
    ),
    Case("response-type-changed", set_at(f"{ITEM}/properties/size", "type", "string")),
    Case(
        "response-type-narrowed", set_at(f"{ITEM}/properties/size", "type", "number"), undone=True
    ),
    Case(
        "response-enum-value-added",
        set_at(f"{ITEM}/properties/status", "enum", ["active", "ended", "archived"]),
    ),
    Case("response-enum-narrowed", set_at(f"{ITEM}/properties/status", "enum", ["active"])),
    Case("response-bounds-widened", set_at(f"{ITEM}/properties/name", "maxLength", 500)),
    Case("response-bounds-narrowed", set_at(f"{ITEM}/properties/size", "maximum", 5)),
    *both_ways(
        "response-pattern-changed",
        "response-pattern-added",
        delete_at(f"{ITEM}/properties/id", "pattern"),
    ),
    *both_ways(
        "response-format-changed",
        "response-format-added",
        delete_at(f"{ITEM}/properties/created_at", "format"),
    ),
    *both_ways(
        "response-became-nullable",
        "response-became-not-nullable",
        set_at(f"{ITEM}/properties/name", "nullable", True),
    ),
    *both_ways(
        "response-object-opened", "response-object-closed", delete_at(ITEM, "additionalProperties")
    ),
    Case("response-property-added", add_property("components/schemas/Page")),
    Case("response-property-added-to-closed-object", add_property(ITEM)),
    *both_ways(
        "response-variant-added",
        "response-variant-removed",
        one_of(f"{ITEM}/properties/status", {"type": "integer"}),
    ),
    *SECOND_ROUND,
]


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
def test_each_rule_fires_alone_with_its_level(case: Case, tmp_path: Path) -> None:
    old, new = case.write(tmp_path)
    changes = diff_files(old, new)
    assert {change.rule for change in changes} == {case.rule}, [c.message for c in changes]
    breaking = RULES[case.rule].level == "breaking"
    assert main([str(old), str(new)]) == (1 if breaking else 0)


def test_the_cases_produce_every_rule(tmp_path: Path) -> None:
    produced: set[str] = set()
    for index, case in enumerate(CASES):
        (tmp_path / str(index)).mkdir()
        produced |= {change.rule for change in diff_files(*case.write(tmp_path / str(index)))}
    assert sorted(set(RULES) - produced) == []
    assert produced == set(RULES)


def test_the_cases_cover_every_level() -> None:
    levels = {RULES[case.rule].level for case in CASES}
    assert levels == {"breaking", "warning", "compatible"}


def test_every_rule_id_is_one_literal_constant() -> None:
    """`grep '"request-object-closed"'` must lead to the check: no id is built from parts."""
    package = Path(contract_tests.diff.__file__).parent
    constants: Counter[str] = Counter()
    for module in package.glob("*.py"):
        for statement in ast.parse(module.read_text()).body:
            value = statement.value if isinstance(statement, ast.Assign) else None
            if isinstance(value, ast.Constant) and value.value in RULES:
                constants[value.value] += 1
    assert constants == Counter(set(RULES))


def test_a_request_field_removed_from_an_open_object_is_compatible(tmp_path: Path) -> None:
    def mutate(spec: Spec) -> None:
        node(spec, CREATE).pop("additionalProperties")
        node(spec, f"{CREATE}/properties").pop("kind")

    rules = {change.rule for change in diff_files(BASE, mutated(mutate, tmp_path))}
    assert rules == {"request-object-opened", "request-property-removed-from-open-object"}


def test_messages_name_the_operation_and_the_field(tmp_path: Path) -> None:
    new = mutated(set_at("components/schemas/Page", "required", ["items"]), tmp_path)
    [change] = diff_files(BASE, new)
    assert change.message == (
        "GET /items: response 200 field `total` is no longer required; "
        "clients that read it may break"
    )
    assert change.operation == "GET /items"
    assert change.location.endswith(
        "/responses/200/content/application~1json/schema/properties/total"
    )


def test_values_in_messages_are_json(tmp_path: Path) -> None:
    new = mutated(set_at(f"{CREATE}/properties/name", "pattern", "^[a-z]+$"), tmp_path)
    [change] = diff_files(BASE, new)
    assert 'field `name` gained pattern "^[a-z]+$";' in change.message


def test_a_nested_response_field_is_named_by_its_path(tmp_path: Path) -> None:
    new = mutated(set_at(ITEM, "required", ["id", "name"]), tmp_path)
    fields = {change.message.split("`")[1] for change in diff_files(BASE, new)}
    assert fields == {"status", "items[].status"}


def test_a_spec_that_is_not_valid_openapi_is_still_compared(tmp_path: Path) -> None:
    """diff reads, it does not validate: a spec lint would refuse can still be compared."""
    new = mutated(set_at(f"{LIST}/parameters/0", "in", "body"), tmp_path)
    rules = {change.rule for change in diff_files(BASE, new)}
    assert rules == {"request-parameter-removed", "request-parameter-added-optional"}


# --- refactors that are not changes ---


def test_refactors_with_the_same_meaning_are_not_changes() -> None:
    assert diff_files(BASE, PAIRS / "refactored.yaml") == []
    assert diff_files(PAIRS / "refactored.yaml", BASE) == []


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
    assert diff_files(REPO_SPEC, new) == []


def test_a_recursive_schema_terminates_and_still_shows_changes() -> None:
    changes = diff_files(PAIRS / "recursive_old.yaml", PAIRS / "recursive_new.yaml")
    assert [change.rule for change in changes] == ["response-property-became-optional"]


def test_a_oneof_variant_added_to_a_response_is_breaking(tmp_path: Path) -> None:
    def mutate(spec: Spec) -> None:
        item = node(spec, ITEM)
        other = copy.deepcopy(item)
        other["properties"]["status"]["enum"] = ["archived"]
        spec["components"]["schemas"]["Item"] = {"oneOf": [item, other]}

    changes = diff_files(BASE, mutated(mutate, tmp_path))
    assert {change.rule for change in changes} == {"response-variant-added"}


LIMIT_SCHEMA = f"{LIST}/parameters/0/schema"


@pytest.mark.parametrize("fmt", ["int32", "int64"])
def test_an_integer_format_within_its_bounds_is_no_change(fmt: str, tmp_path: Path) -> None:
    assert diff_files(BASE, mutated(set_at(LIMIT_SCHEMA, "format", fmt), tmp_path)) == []


def test_an_integer_format_that_narrows_the_range_is_the_bound_it_sets(tmp_path: Path) -> None:
    def mutate(spec: Spec) -> None:
        node(spec, LIMIT_SCHEMA).pop("maximum")

    unbounded = write_spec(tmp_path, "old.yaml", mutate)
    bounded = write_spec(tmp_path, "new.yaml", mutate, set_at(LIMIT_SCHEMA, "format", "int32"))
    [change] = diff_files(unbounded, bounded)
    assert change.rule == "request-bounds-narrowed"
    assert "maximum none -> 2147483647" in change.message
