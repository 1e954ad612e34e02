"""The fast path (the guard calling handlers, jsonschema_rs first) answers exactly like Connexion.

The mock serves the spec's operations from the guard and asks a Rust validator
before the Python one, for speed; these tests hold both to the slower paths.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mock_server.fast_check import FastChecks
from mock_server.fixtures import default_fixtures_path
from mock_server.spec import Spec
from mock_server.validators import SPEC_URI, Validators

from .conftest import API, mock_client

JSON = {"Content-Type": "application/json"}
ROOM = f"{API}/rooms/room_ABCdef123"  # an id the seeded fixtures do not hold

# (method, path, JSON body or raw bytes or None, extra headers): a session, in order.
SESSION: list[tuple[str, str, Any, dict[str, str]]] = [
    ("GET", f"{API}/rooms", None, {}),
    ("GET", f"{API}/rooms?limit=2&offset=1", None, {}),
    ("GET", f"{API}/rooms?limit=+2", None, {}),
    ("GET", f"{API}/rooms?limit=2&limit=3", None, {}),
    ("GET", f"{API}/rooms?limit=0&offset=-1", None, {}),
    ("GET", f"{API}/rooms?offset=99999999999999999999999", None, {}),
    ("POST", f"{API}/rooms", {"name": "A"}, {}),
    ("POST", f"{API}/rooms", {"name": "B", "config": {"max_participants": 7}}, {}),
    ("POST", f"{API}/rooms", {"name": "", "config": {"max_participants": 0, "x": 1}}, {}),
    ("POST", f"{API}/rooms", b'{"name": "merge"}', {"Content-Type": "application/merge+json"}),
    ("POST", f"{API}/rooms", b"name=A", {"Content-Type": "text/plain"}),
    ("POST", f"{API}/rooms", b"", {}),
    ("POST", f"{API}/rooms", b'{"name": "\\ud800"}', JSON),
    ("GET", f"{API}/rooms?limit=100", None, {}),
    ("GET", ROOM, None, {}),
    ("PATCH", ROOM, {"name": "C"}, {}),
    ("DELETE", ROOM, None, {}),
    ("POST", f"{ROOM}/end", None, {}),
    ("GET", f"{API}/rooms/a%2Fb", None, {}),
    ("PUT", f"{API}/rooms", {"name": "A"}, {}),
    ("GET", f"{API}/rooms", None, {"Prefer": "code=400"}),
]


def _send(client: TestClient, method: str, path: str, body: Any, headers: dict[str, str]):
    if isinstance(body, bytes):
        return client.request(method, path, content=body, headers=headers)
    if body is not None:
        return client.request(method, path, json=body, headers=headers)
    return client.request(method, path, headers=headers)


def _answer(response: Any) -> tuple[Any, ...]:
    headers = {
        name: response.headers.get(name)
        for name in ("content-type", "content-length", "location", "allow")
    }
    return response.status_code, headers, response.content


def _session(client: TestClient) -> list[tuple[Any, ...]]:
    answers = [_answer(_send(client, *step)) for step in SESSION]
    rooms = client.get(f"{API}/rooms?limit=100").json()["rooms"]
    for room in rooms:  # every room through update, end, get and delete
        room_path = f"{API}/rooms/{room['id']}"
        for method, path, body in [
            ("PATCH", room_path, {"config": {"chat_enabled": False}}),
            ("PATCH", room_path, {"status": "ended"}),
            ("POST", f"{room_path}/end", None),
            ("POST", f"{room_path}/end", None),
            ("PATCH", room_path, {}),
            ("GET", room_path, None),
            ("DELETE", room_path, None),
            ("GET", room_path, None),
        ]:
            answers.append(_answer(_send(client, method, path, body, {})))
    return answers


def test_the_fast_path_answers_every_request_as_connexion_does() -> None:
    common = {"seed": 7, "fixtures": default_fixtures_path()}
    with mock_client(**common) as fast, mock_client(**common, fast_path=False) as slow:
        fast_answers, slow_answers = _session(fast), _session(slow)
    assert len(fast_answers) > len(SESSION)
    for step, (fast_answer, slow_answer) in enumerate(zip(fast_answers, slow_answers, strict=True)):
        assert fast_answer == slow_answer, f"request {step} differs"


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


def test_a_schema_that_reaches_a_discriminator_gets_no_fast_check(spec: Spec) -> None:
    checks = FastChecks(SPEC_URI, spec.document, {})
    assert checks.compile({"$ref": f"{SPEC_URI}#/components/schemas/RoomDetail"}) is None
    assert checks.compile({"$ref": f"{SPEC_URI}#/components/schemas/RoomCreate"}) is not None
    assert checks.compile({"$ref": f"{SPEC_URI}#/components/schemas/Nowhere"}) is None


def test_connexion_is_built_by_the_first_request_for_swagger_ui_not_at_start() -> None:
    with mock_client() as client:  # the lifespan has run
        lazy = client.app.api.app.app  # type: ignore[attr-defined]  # strict -> guard -> lazy
        assert lazy._app is None
        assert client.post(f"{API}/rooms", json={"name": "A"}).status_code == 201
        assert lazy._app is None
        assert client.get(f"{API}/openapi.json").json()["info"]["title"] == "Rooms API"
        assert lazy._app is not None
        assert client.get(f"{API}/ui/").status_code == 200
