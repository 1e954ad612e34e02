"""Equal meaning compares equal: across OpenAPI 3.0 and 3.1, and within one, both ways.

Each pair is two mutations of base.yaml that say the same thing in different
words; `diff` must find nothing from either to the other. Then the cases where
two spellings look alike and are not.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest

from contract_tests.diff.cli import diff_files
from contract_tests.diff.patterns import DEADLINE

from .cases import ITEM_ID, NAME
from .specs import (
    BASE,
    CREATE,
    ITEM,
    LIMIT,
    LIST,
    ONE,
    PAIRS,
    POST,
    SCHEMES,
    Mutation,
    Spec,
    both,
    cat_and_dog,
    delete_at,
    node,
    openapi_31,
    rename_component,
    rename_scheme,
    secured,
    set_at,
    with_pets,
    write_spec,
)

PRICE = f"{CREATE}/properties"
SIZE = f"{CREATE}/properties/size"
STATUS = f"{ITEM}/properties/status"
JSON_BODY = f"{POST}/requestBody/content/application~1json"


def unchanged(spec: Spec) -> None:
    """base.yaml as it is."""


def inline_pets(spec: Spec) -> None:
    """The pet branches written out where the `oneOf` names them; the mapping still
    names the components, and means the branches that say the same."""
    schemas = spec["components"]["schemas"]
    branches = node(spec, f"{ITEM}/properties/pet")["oneOf"]
    branches[:] = [copy.deepcopy(schemas[name]) for name in ("Cat", "Dog")]


EQUIVALENT: dict[str, tuple[Mutation, Mutation]] = {
    "nullable-3.0-is-a-null-type-in-3.1": (
        set_at(NAME, "nullable", True),
        both(openapi_31, set_at(NAME, "type", ["string", "null"])),
    ),
    "nullable-3.0-is-a-null-branch-in-3.1": (
        set_at(NAME, "nullable", True),
        both(
            openapi_31,
            set_at(
                PRICE,
                "name",
                {"anyOf": [{"type": "string", "minLength": 1, "maxLength": 200}, {"type": "null"}]},
            ),
        ),
    ),
    "a-null-type-is-a-null-branch-within-3.1": (
        both(openapi_31, set_at(NAME, "type", ["null", "string"])),
        both(
            openapi_31,
            set_at(
                PRICE,
                "name",
                {"oneOf": [{"type": "null"}, {"type": "string", "minLength": 1, "maxLength": 200}]},
            ),
        ),
    ),
    "exclusive-minimum-3.0-is-a-number-in-3.1": (
        set_at(PRICE, "price", {"type": "number", "minimum": 0, "exclusiveMinimum": True}),
        both(openapi_31, set_at(PRICE, "price", {"type": "number", "exclusiveMinimum": 0})),
    ),
    "exclusive-maximum-3.0-is-a-number-in-3.1": (
        set_at(PRICE, "price", {"type": "number", "maximum": 9.5, "exclusiveMaximum": True}),
        both(openapi_31, set_at(PRICE, "price", {"type": "number", "exclusiveMaximum": 9.5})),
    ),
    "an-exclusive-integer-bound-is-the-next-integer-3.0": (
        unchanged,
        both(
            set_at(SIZE, "minimum", 0),
            set_at(SIZE, "exclusiveMinimum", True),
            set_at(SIZE, "maximum", 11),
            set_at(SIZE, "exclusiveMaximum", True),
        ),
    ),
    "an-exclusive-integer-bound-is-the-next-integer-3.1": (
        unchanged,
        both(
            openapi_31,
            delete_at(SIZE, "minimum"),
            delete_at(SIZE, "maximum"),
            set_at(SIZE, "exclusiveMinimum", 0),
            set_at(SIZE, "exclusiveMaximum", 11),
        ),
    ),
    "an-enum-of-one-is-a-const-across-versions": (
        set_at(STATUS, "enum", ["active"]),
        both(openapi_31, delete_at(STATUS, "enum"), set_at(STATUS, "const", "active")),
    ),
    "an-enum-of-one-is-a-const-within-3.1": (
        both(openapi_31, set_at(STATUS, "enum", ["active"])),
        both(openapi_31, delete_at(STATUS, "enum"), set_at(STATUS, "const", "active")),
    ),
    "a-schema-example-is-examples-in-3.1": (
        set_at(NAME, "example", "A box"),
        both(openapi_31, set_at(NAME, "examples", ["A box", "A bag"])),
    ),
    "a-media-type-example-is-named-examples": (
        set_at(JSON_BODY, "example", {"name": "A box"}),
        set_at(JSON_BODY, "examples", {"box": {"value": {"name": "A box"}}}),
    ),
    "a-ref-with-prose-beside-it-in-3.1": (
        unchanged,
        both(
            openapi_31,
            set_at(
                JSON_BODY,
                "schema",
                {"$ref": "#/components/schemas/ItemCreate", "description": "What to create."},
            ),
        ),
    ),
    "a-pattern-spelled-otherwise": (
        unchanged,
        set_at(ITEM_ID, "pattern", r"^(item_[\da-z]+)$"),
    ),
    "explicit-discriminator-mapping-is-the-implicit-one": (
        with_pets(ITEM),
        with_pets(ITEM, mapping=cat_and_dog()),
    ),
    "a-component-renamed-behind-an-explicit-mapping": (
        with_pets(ITEM, mapping=cat_and_dog()),
        both(with_pets(ITEM, mapping=cat_and_dog()), rename_component("Cat", "Feline")),
    ),
    "a-mapping-to-a-branch-written-inline": (
        with_pets(ITEM, mapping=cat_and_dog()),
        both(with_pets(ITEM, mapping=cat_and_dog()), inline_pets),
    ),
    "a-security-scheme-renamed": (
        secured(POST, {"key": []}, {"oauth": ["write"]}),
        both(
            secured(POST, {"key": []}, {"oauth": ["write"]}),
            rename_scheme("key", "ApiKey"),
            rename_scheme("oauth", "OAuth"),
        ),
    ),
    "an-api-key-header-in-other-case": (
        secured(POST, {"key": []}),
        both(secured(POST, {"key": []}), set_at(f"{SCHEMES}/key", "name", "x-key")),
    ),
    "an-http-scheme-in-other-case": (
        secured(POST, {"bearer": []}),
        both(secured(POST, {"bearer": []}), set_at(f"{SCHEMES}/bearer", "scheme", "Bearer")),
    ),
    "document-security-is-each-operation's": (
        secured("", {"key": []}),
        both(
            secured(LIST, {"key": []}),
            secured(POST, {"key": []}),
            secured(f"{ONE}/get", {"key": []}),
            secured(f"{ONE}/delete", {"key": []}),
        ),
    ),
    "the-default-style-and-explode-written-out": (
        unchanged,
        both(set_at(LIMIT, "style", "form"), set_at(LIMIT, "explode", True)),
    ),
    "explode-on-a-single-value": (unchanged, set_at(LIMIT, "explode", False)),
    "a-read-only-field-is-no-request-field": (
        unchanged,
        both(
            set_at(PRICE, "id", {"type": "string", "readOnly": True}),
            set_at(CREATE, "required", ["name", "id"]),
        ),
    ),
    "a-write-only-field-is-no-response-field": (
        unchanged,
        set_at(f"{ITEM}/properties", "secret", {"type": "string", "writeOnly": True}),
    ),
    "a-content-type-response-header-is-ignored": (
        unchanged,
        set_at(f"{POST}/responses/201/headers", "Content-Type", {"schema": {"type": "string"}}),
    ),
}


@pytest.mark.parametrize(("one", "other"), list(EQUIVALENT.values()), ids=list(EQUIVALENT))
def test_equal_meaning_compares_equal_both_ways(
    one: Mutation, other: Mutation, tmp_path: Path
) -> None:
    first, second = write_spec(tmp_path, "one.yaml", one), write_spec(tmp_path, "other.yaml", other)
    assert [change.message for change in diff_files(first, second)] == []
    assert [change.message for change in diff_files(second, first)] == []


def test_base_written_in_openapi_31_is_base() -> None:
    """A whole document upgraded by hand: 3.1 keywords for every 3.0 spelling."""
    assert diff_files(BASE, PAIRS / "base_31.yaml") == []
    assert diff_files(PAIRS / "base_31.yaml", BASE) == []


# --- alike, and not the same ---


def test_nullable_means_nothing_in_a_31_document(tmp_path: Path) -> None:
    """3.1 has no `nullable` keyword: validators ignore it, and so does diff."""
    old = write_spec(tmp_path, "old.yaml", openapi_31)
    new = write_spec(tmp_path, "new.yaml", openapi_31, set_at(NAME, "nullable", True))
    assert diff_files(old, new) == []


def test_a_null_type_added_in_31_is_nullable(tmp_path: Path) -> None:
    old = write_spec(tmp_path, "old.yaml", openapi_31)
    new = write_spec(tmp_path, "new.yaml", openapi_31, set_at(NAME, "type", ["string", "null"]))
    assert {change.rule for change in diff_files(old, new)} == {"request-became-nullable"}


def test_a_component_renamed_without_a_mapping_changes_the_tag(tmp_path: Path) -> None:
    """Without a mapping the tag value is the component's name: renaming it is a change."""
    old = write_spec(tmp_path, "old.yaml", with_pets(ITEM))
    new = write_spec(tmp_path, "new.yaml", with_pets(ITEM), rename_component("Cat", "Feline"))
    rules = {change.rule for change in diff_files(old, new)}
    assert rules == {"response-discriminator-value-added", "response-discriminator-value-removed"}


def test_a_scheme_renamed_and_changed_is_a_change(tmp_path: Path) -> None:
    old = write_spec(tmp_path, "old.yaml", secured(POST, {"key": []}))
    new = write_spec(
        tmp_path,
        "new.yaml",
        secured(POST, {"key": []}),
        rename_scheme("key", "token"),
        set_at(f"{SCHEMES}/token", "in", "query"),
    )
    lost, gained = diff_files(old, new)
    assert lost.rule == "security-alternative-removed"
    assert lost.message.startswith("POST /items: no longer accepts `key`;")
    assert gained.rule == "security-alternative-added"


def test_an_oauth2_token_url_that_moves_is_a_changed_scheme(tmp_path: Path) -> None:
    old = write_spec(tmp_path, "old.yaml", secured(POST, {"oauth": ["read"]}))
    moved = set_at(f"{SCHEMES}/oauth/flows/clientCredentials", "tokenUrl", "https://new/token")
    new = write_spec(tmp_path, "new.yaml", secured(POST, {"oauth": ["read"]}), moved)
    [change] = diff_files(old, new)
    assert change.rule == "security-scheme-changed"
    assert '"https://new/token"' in change.message


def test_an_oauth2_flow_added_is_no_change(tmp_path: Path) -> None:
    """Clients keep the flow they use; another way to get a token takes nothing away."""
    old = write_spec(tmp_path, "old.yaml", secured(POST, {"oauth": ["read"]}))
    code = {"authorizationUrl": "https://a/auth", "tokenUrl": "https://a/token", "scopes": {}}
    new = write_spec(
        tmp_path,
        "new.yaml",
        secured(POST, {"oauth": ["read"]}),
        set_at(f"{SCHEMES}/oauth/flows", "authorizationCode", code),
    )
    assert diff_files(old, new) == []


def test_a_style_change_that_a_single_value_does_not_see(tmp_path: Path) -> None:
    """`form` and `pipeDelimited` write one integer the same way (they differ for arrays)."""
    new = write_spec(tmp_path, "new.yaml", set_at(LIMIT, "style", "pipeDelimited"))
    assert diff_files(BASE, new) == []


def test_a_parameter_moved_and_changed_says_both(tmp_path: Path) -> None:
    new = write_spec(
        tmp_path, "new.yaml", set_at(LIMIT, "in", "header"), set_at(f"{LIMIT}/schema", "maximum", 5)
    )
    rules = {change.rule for change in diff_files(BASE, new)}
    assert rules == {"request-parameter-location-changed", "request-bounds-narrowed"}


def test_an_undecidable_pattern_pair_is_a_warning_in_bounded_time(tmp_path: Path) -> None:
    """`(.*a.{20})`-like patterns have automata of a million states: give up, say so."""
    old = write_spec(tmp_path, "old.yaml", set_at(ITEM_ID, "pattern", "a[\\s\\S]{20}$"))
    new = write_spec(tmp_path, "new.yaml", set_at(ITEM_ID, "pattern", "b[\\s\\S]{20}$"))
    started = time.monotonic()
    changes = diff_files(old, new)
    assert time.monotonic() - started < 3 * DEADLINE + 5
    assert {change.rule for change in changes} == {"response-pattern-undecided"}
    assert {change.level for change in changes} == {"warning"}


def test_a_swapped_mapping_to_inline_branches_is_a_change(tmp_path: Path) -> None:
    swapped = {"Cat": cat_and_dog()["Dog"], "Dog": cat_and_dog()["Cat"]}
    pets = both(with_pets(ITEM, mapping=cat_and_dog()), inline_pets)
    old = write_spec(tmp_path, "old.yaml", pets)
    new = write_spec(
        tmp_path,
        "new.yaml",
        pets,
        set_at(f"{ITEM}/properties/pet/discriminator", "mapping", swapped),
    )
    rules = {change.rule for change in diff_files(old, new)}
    assert rules == {"response-discriminator-mapping-changed"}
