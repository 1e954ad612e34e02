"""What the mock adds for frontends: Prefer, reset, latency, seeds, CORS, Swagger UI, strict."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server import MockServer, MockSettings
from tests.support.mock import API, assert_problem, create, mock_client, room_json

ROOMS = f"{API}/rooms"
JSON_TYPE = {"Content-Type": "application/json"}


# -- Prefer ---------------------------------------------------------------------------


def test_prefer_code_forces_the_documented_example_without_touching_state(
    seeded_client: TestClient,
) -> None:
    before = seeded_client.get(ROOMS).json()
    response = seeded_client.get(f"{ROOMS}/room_abc123", headers={"Prefer": "code=404"})
    problem = assert_problem(response, 404)
    assert problem["detail"] == 'No room has the id "room_missing1".'
    assert response.headers["preference-applied"] == "code=404"
    forced = seeded_client.delete(f"{ROOMS}/room_abc123", headers={"Prefer": "code=204"})
    assert forced.status_code == 204
    assert seeded_client.get(ROOMS).json() == before


def test_prefer_code_201_carries_the_example_and_its_location(client: TestClient) -> None:
    response = client.post(ROOMS, headers={"Prefer": "code=201"})
    assert response.status_code == 201
    assert response.json()["name"] == "CS101 Lecture"
    assert response.headers["location"] == f"{ROOMS}/room_abc123"
    assert client.get(ROOMS).json()["total"] == 0


def test_prefer_example_picks_a_named_example(client: TestClient) -> None:
    response = client.get(f"{ROOMS}/anything", headers={"Prefer": "example=ended"})
    assert response.status_code == 200
    assert response.json()["status"] == "ended"
    both = client.get(f"{ROOMS}/x", headers={"Prefer": "code=200, example=cs101"})
    assert both.json()["participant_count"] == 25


def test_prefer_405_carries_allow(client: TestClient) -> None:
    response = client.get(ROOMS, headers={"Prefer": "code=405"})
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, POST"


@pytest.mark.parametrize(
    "prefer", ["code=418", "code=abc", "example=nope", "code=404, example=ended", "delay=-1"]
)
def test_prefer_that_cannot_be_honoured_is_a_400_naming_the_header(
    client: TestClient, prefer: str
) -> None:
    problem = assert_problem(client.get(f"{ROOMS}/x", headers={"Prefer": prefer}), 400)
    assert problem["errors"][0]["in"] == "header"


def test_unknown_preferences_are_ignored(client: TestClient) -> None:
    assert client.get(ROOMS, headers={"Prefer": "return=minimal"}).status_code == 200


def test_prefer_delay_and_latency_slow_one_request_down() -> None:
    with mock_client(latency_ms=50) as client:
        started = time.perf_counter()
        assert client.get(ROOMS, headers={"Prefer": "delay=100"}).status_code == 200
        assert time.perf_counter() - started >= 0.15


# -- controls -----------------------------------------------------------------------


def test_reset_restores_the_fixtures(seeded_client: TestClient) -> None:
    before = seeded_client.get(ROOMS).json()
    create(seeded_client)
    seeded_client.delete(f"{ROOMS}/room_abc123")
    seeded_client.patch(f"{ROOMS}/room_office7", json={"name": "changed"})
    response = seeded_client.post("/_mock/reset")
    assert response.json() == {"rooms": before["total"]}
    assert seeded_client.get(ROOMS).json() == before


def test_reset_with_a_body_loads_known_rooms(client: TestClient) -> None:
    room = room_json(id="room_known1", name="Known")
    assert client.post("/_mock/reset", json={"rooms": [room]}).json() == {"rooms": 1}
    assert client.get(f"{ROOMS}/room_known1").json()["name"] == "Known"
    bad = client.post("/_mock/reset", json={"rooms": [{**room, "status": "paused"}]})
    assert_problem(bad, 400)
    assert client.get(ROOMS).json()["total"] == 1


def test_reset_reads_the_fixture_file_again(tmp_path: Path, mock_store: dict[str, Any]) -> None:
    fixtures = tmp_path / "rooms.json"
    fixtures.write_text(json.dumps({"rooms": [room_json(id="room_first1")]}))
    with mock_client(fixtures=fixtures, **mock_store) as client:
        fixtures.write_text(json.dumps({"rooms": [room_json(id="room_second2", name="Two")]}))
        assert client.post("/_mock/reset").json() == {"rooms": 1}
        assert client.get(f"{ROOMS}/room_second2").json()["name"] == "Two"
        assert_problem(client.get(f"{ROOMS}/room_first1"), 404)


def test_reset_with_a_fixture_file_gone_bad_keeps_the_rooms(tmp_path: Path) -> None:
    fixtures = tmp_path / "rooms.json"
    fixtures.write_text(json.dumps({"rooms": [room_json(id="room_first1")]}))
    with mock_client(fixtures=fixtures) as client:
        create(client)
        fixtures.write_text('{"rooms": [{"id": "room_1"}]}')
        problem = assert_problem(client.post("/_mock/reset"), 409)
        assert str(fixtures) in problem["detail"] and "Nothing was reset" in problem["detail"]
        assert client.get(ROOMS).json()["total"] == 2


def test_unknown_controls_and_wrong_methods_are_problems(client: TestClient) -> None:
    problem = assert_problem(client.get("/_mock/nope"), 404)
    assert "/_mock/reset" in problem["detail"]
    wrong = client.get("/_mock/reset")
    assert_problem(wrong, 405)
    assert wrong.headers["allow"] == "POST"
    assert_problem(client.post("/_mock/reset", content=b"{", headers=JSON_TYPE), 400)


def test_health_counts_rooms(seeded_client: TestClient) -> None:
    assert seeded_client.get("/_mock/health").json() == {"status": "ok", "rooms": 4}


def test_seed_makes_ids_and_timestamps_repeat(mock_store: dict[str, Any]) -> None:
    def first_rooms() -> list[dict]:
        with mock_client(seed=42, **mock_store) as client:
            return [create(client, name=f"r{index}") for index in range(3)]

    rooms = first_rooms()
    assert rooms == first_rooms()
    assert rooms[0]["created_at"] == "2026-01-06T10:00:01.000Z"


# -- CORS -----------------------------------------------------------------------------


def test_cors_preflight_allows_any_origin_by_default(client: TestClient) -> None:
    response = client.options(
        f"{ROOMS}/room_abc123",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "content-type, prefer, authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "PATCH" in response.headers["access-control-allow-methods"]
    assert "prefer" in response.headers["access-control-allow-headers"]
    assert response.headers["access-control-allow-credentials"] == "true"


def test_cors_simple_request_echoes_the_origin_and_exposes_location(client: TestClient) -> None:
    response = client.post(ROOMS, json={"name": "a"}, headers={"Origin": "http://app.test"})
    assert response.headers["access-control-allow-origin"] == "http://app.test"
    assert "Location" in response.headers["access-control-expose-headers"]


def test_without_origin_every_answer_varies_on_origin_as_starlette_says(client: TestClient) -> None:
    # The mock's fast path for requests without Origin (cors.py) must answer what
    # Starlette's CORSMiddleware would: `Vary: Origin` and no other CORS header.
    from starlette.middleware.cors import CORSMiddleware
    from starlette.responses import Response

    async def varied_app(scope: object, receive: object, send: object) -> None:
        await Response(b"{}", headers={"Vary": "Accept"})(scope, receive, send)  # type: ignore[arg-type]

    created = client.post(ROOMS, json={"name": "a"})
    problem = client.get(f"{ROOMS}/room_missing")
    control = client.get("/_mock/health")
    for response in (created, problem, control):
        assert response.headers.get_list("vary") == ["Origin"]
        assert not [name for name in response.headers if name.startswith("access-control-")]
    # An answer with a Vary of its own gets Origin joined to it, as Starlette does.
    from mock_server.cors import Cors

    for middleware in (CORSMiddleware, Cors):
        joined = TestClient(middleware(varied_app, allow_origins=["*"])).get("/")  # type: ignore[arg-type]
        assert joined.headers.get_list("vary") == ["Accept, Origin"]


def test_cors_origin_list_refuses_other_origins() -> None:
    with mock_client(cors_origins=("http://app.test",)) as client:
        headers = {"Origin": "http://evil.test", "Access-Control-Request-Method": "GET"}
        assert client.options(ROOMS, headers=headers).status_code == 400
        allowed = client.get(ROOMS, headers={"Origin": "http://app.test"})
        assert allowed.headers["access-control-allow-origin"] == "http://app.test"


# -- Swagger UI and strict mode ---------------------------------------------------------


def test_swagger_ui_and_the_spec_are_served(client: TestClient) -> None:
    assert "swagger" in client.get(f"{API}/ui/").text.lower()
    assert client.get(f"{API}/openapi.json").json()["info"]["title"] == "Rooms API"


def test_strict_mode_turns_a_response_that_breaks_the_spec_into_a_500() -> None:
    def server(strict: bool) -> MockServer:
        mock = MockServer(MockSettings(strict=strict, fixtures=None))
        # Longer than the spec's 200: only the store allows it.
        asyncio.run(mock.store.create("x" * 300))
        return mock

    with TestClient(server(strict=True)) as client:
        problem = assert_problem(client.get(ROOMS), 500)
        assert problem["errors"][0]["pointer"] == "/rooms/0/name"
    with TestClient(server(strict=False)) as client:
        assert client.get(ROOMS).status_code == 200
