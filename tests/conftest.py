"""Shared fixtures: the mock in process, strict, behind Starlette's test client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server import MockServer, MockSettings
from mock_server.fixtures import default_fixtures_path
from mock_server.spec import Spec, load_spec
from mock_server.validators import Validators

API = "/api/v1"


@pytest.fixture(scope="session")
def spec() -> Spec:
    return load_spec()


@pytest.fixture(scope="session")
def validators(spec: Spec) -> Validators:
    return Validators(spec)


def mock_client(**settings: object) -> TestClient:
    """A strict mock (every response checked against the spec) with `settings` on top."""
    options: dict[str, object] = {"strict": True, "fixtures": None}
    options.update(settings)
    return TestClient(MockServer(MockSettings(**options)), raise_server_exceptions=True)  # type: ignore[arg-type]


@pytest.fixture
def client() -> Iterator[TestClient]:
    """An empty strict mock."""
    with mock_client() as test_client:
        yield test_client


@pytest.fixture
def seeded_client() -> Iterator[TestClient]:
    """A strict mock with the bundled fixtures."""
    with mock_client(fixtures=default_fixtures_path()) as test_client:
        yield test_client


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


@pytest.fixture
def fixtures_dir() -> Path:
    return default_fixtures_path()


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """A problem+json answer with the contract's required members."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body
