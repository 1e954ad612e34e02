"""The fast check (jsonschema_rs) in front of the Python validator never says "valid" where
the Python validator, which lists every violation, would not."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rooms_spec import Spec
from rooms_spec.document import SPEC_URI
from rooms_spec.fast_check import FastChecks
from rooms_spec.validators import Validators

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "x", "CS101", "room_abc123", "2026-01-06T10:00:00Z", "٣"])
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["name", "config", "max_participants", "recording_enabled", "chat_enabled", "id"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)
ROOMISH = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.text(max_size=3), st.text(min_size=199, max_size=201), JSON_VALUES),
        "config": st.fixed_dictionaries(
            {},
            optional={
                "max_participants": st.one_of(
                    st.integers(min_value=-1, max_value=10_001), st.floats(), JSON_VALUES
                ),
                "recording_enabled": st.one_of(st.booleans(), JSON_VALUES),
                "chat_enabled": st.one_of(st.booleans(), JSON_VALUES),
            },
        )
        | JSON_VALUES,
        "status": JSON_VALUES,
    },
)


@pytest.mark.parametrize("operation_id", ["createRoom", "updateRoom"])
@settings(max_examples=300, deadline=None)
@given(instance=ROOMISH | JSON_VALUES)
def test_the_fast_check_never_accepts_what_the_python_validator_refuses(
    validators: Validators, operation_id: str, instance: Any
) -> None:
    validator = validators.request_body(operation_id)
    assert validator is not None and validator._fast is not None
    if validator._fast(instance):
        assert validator._validator.is_valid(instance)
    assert (validator.violations(instance) == []) == validator._validator.is_valid(instance)


ROOM_ANSWERS = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["room_abc123", "room-1", ""]),
        "name": st.sampled_from(["CS101", ""]),
        "status": st.sampled_from(["active", "ended", "", "other", None]),
        "config": st.just(
            {"max_participants": 5, "recording_enabled": False, "chat_enabled": True}
        ),
        "created_at": st.sampled_from(["2026-01-06T10:00:00Z", "2026-01-06T10:00:00"]),
    },
    optional={
        "participant_count": st.sampled_from([0, 3, -1, "1"]),
        "ended_at": st.sampled_from(["2026-01-06T11:00:00Z", None]),
        "owner": st.just("me"),
    },
)


@pytest.mark.parametrize("name", ["Room", "RoomDetail"])
@settings(max_examples=300, deadline=None)
@given(instance=ROOM_ANSWERS | JSON_VALUES)
def test_a_discriminated_room_is_checked_fast_and_never_more_leniently(
    validators: Validators, name: str, instance: Any
) -> None:
    validator = validators.schema(name)
    assert validator._fast is not None
    if validator._fast(instance):
        assert validator._validator.is_valid(instance)
    assert (validator.violations(instance) == []) == validator._validator.is_valid(instance)


def test_a_discriminator_that_narrows_gets_no_fast_check(spec: Spec) -> None:
    checks = FastChecks(SPEC_URI, spec.document, {})
    assert checks.compile({"$ref": f"{SPEC_URI}#/components/schemas/RoomDetail"}) is not None
    assert checks.compile({"$ref": f"{SPEC_URI}#/components/schemas/RoomCreate"}) is not None
    assert checks.compile({"$ref": f"{SPEC_URI}#/components/schemas/Nowhere"}) is None
    room = f"{SPEC_URI}#/components/schemas/ActiveRoom"
    ended = f"{SPEC_URI}#/components/schemas/EndedRoom"
    crossed = {"active": ended, "ended": room}  # the mapping sends a value elsewhere
    for discriminator in (
        {"propertyName": "status", "mapping": crossed},
        {"propertyName": "name"},  # a property no branch pins to one value
    ):
        schema = {"oneOf": [{"$ref": room}, {"$ref": ended}], "discriminator": discriminator}
        assert checks.compile(schema) is None
    pinned = {"propertyName": "status", "mapping": {"active": room, "ended": ended}}
    schema = {"oneOf": [{"$ref": room}, {"$ref": ended}], "discriminator": pinned}
    assert checks.compile(schema) is not None
