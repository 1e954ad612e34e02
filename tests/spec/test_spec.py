"""openapi.yaml itself: valid, complete, and every example true to its schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from rooms_spec import Spec, load_spec
from rooms_spec.document import FAST_LOADER, PROJECT_DIR
from rooms_spec.validators import Validators

SPEC = load_spec()


def media_examples(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    """(where, name, media schema, example value) for every named example in the spec."""
    for operation in spec.operations.values():
        body = spec.resolve(operation.request_body) if operation.request_body else None
        places = [(f"{operation.operation_id} request", body)] if body else []
        places += [
            (f"{operation.operation_id} {status}", spec.resolve(response))
            for status, response in operation.responses.items()
        ]
        for where, place in places:
            for media in place.get("content", {}).values():
                for name, example in media.get("examples", {}).items():
                    yield where, name, media["schema"], spec.resolve(example)["value"]


EXAMPLES = list(media_examples(SPEC))


def test_the_spec_is_valid_openapi() -> None:
    validate(SPEC.document)


@pytest.mark.parametrize(
    ("where", "name", "schema", "value"),
    EXAMPLES,
    ids=[f"{where}:{name}" for where, name, _, _ in EXAMPLES],
)
def test_every_example_validates_against_its_schema(
    validators: Validators, where: str, name: str, schema: dict[str, Any], value: Any
) -> None:
    assert validators.compile(schema).violations(value) == []


def test_the_documents_own_examples_are_there() -> None:
    names = {name for _, name, _, _ in EXAMPLES}
    assert {"cs101", "firstPage", "updated", "ended", "documentUpdate"} <= names
    assert len(EXAMPLES) >= 15


@pytest.mark.parametrize("operation", SPEC.operations.values(), ids=SPEC.operations.keys())
def test_every_operation_has_id_tag_summary_and_problem_errors(operation: Any) -> None:
    assert (
        operation.operation_id and operation.definition["tags"] and operation.definition["summary"]
    )
    for status, response in operation.responses.items():
        if status.startswith("4"):
            content = SPEC.resolve(response)["content"]
            assert list(content) == ["application/problem+json"], status
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }


def test_create_links_to_every_operation_on_the_new_room() -> None:
    links = SPEC.operations["createRoom"].responses["201"]["links"]
    targets = {SPEC.resolve(link)["operationId"] for link in links.values()}
    assert targets == {"getRoom", "updateRoom", "deleteRoom", "endRoom"}


def test_ended_at_is_tied_to_status(validators: Validators) -> None:
    room = validators.schema("Room")
    active = {
        "id": "room_abcdef",
        "name": "a",
        "status": "active",
        "config": {"max_participants": 1, "recording_enabled": False, "chat_enabled": True},
        "created_at": "2026-01-01T00:00:00Z",
    }
    ended = {**active, "status": "ended", "ended_at": "2026-01-01T01:00:00+00:00"}
    assert room.is_valid(active) and room.is_valid(ended)
    assert not room.is_valid({**active, "ended_at": "2026-01-01T01:00:00Z"})
    assert not room.is_valid({**ended, "ended_at": None})
    assert not room.is_valid({key: value for key, value in ended.items() if key != "ended_at"})
    assert not room.is_valid({**active, "created_at": "2026-01-01T00:00:00+02:00"})
    assert not validators.schema("RoomDetail").is_valid(active)


def test_libyaml_reads_the_spec_as_pyyaml_does() -> None:
    """The fast loader (libyaml) builds the very document PyYAML's own parser builds."""
    assert FAST_LOADER is yaml.CSafeLoader  # the wheel ships libyaml: the fast path is taken
    text = (PROJECT_DIR / "openapi.yaml").read_text(encoding="utf-8")
    fast = yaml.load(text, Loader=FAST_LOADER)
    assert fast == yaml.load(text, Loader=yaml.SafeLoader)
    assert fast == SPEC.document
