"""The mock in process, strict, behind Starlette's test client, and what tests ask of it."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from mock_server import MockServer, MockSettings

API = "/api/v1"


def mock_client(**settings: Any) -> TestClient:
    """A strict mock (every response checked against the spec) with `settings` on top."""
    options: dict[str, Any] = {"strict": True, "fixtures": None}
    options.update(settings)
    return TestClient(MockServer(MockSettings(**options)), raise_server_exceptions=True)


def create(client: TestClient, **body: object) -> dict:
    """Create a room and return it; fails the test unless the answer is 201."""
    response = client.post(f"{API}/rooms", json={"name": "Room", **body})
    assert response.status_code == 201, response.text
    return response.json()


def room_json(**overrides: object) -> dict:
    """A valid room as Get returns it (and as fixture files hold it), with `overrides`."""
    room: dict = {
        "id": "room_good01",
        "name": "Good",
        "status": "active",
        "participant_count": 1,
        "config": {"max_participants": 5, "recording_enabled": False, "chat_enabled": True},
        "created_at": "2026-01-01T00:00:00Z",
    }
    room.update(overrides)
    return room


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """A problem+json answer with the contract's required members."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body
