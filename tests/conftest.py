"""Shared fixtures: the spec, and the mock in process (helpers live in tests/support/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.fixtures import default_fixtures_path
from rooms_spec import Spec, load_spec
from rooms_spec.validators import Validators
from tests.support.mock import mock_client

pytest_plugins = ["tests.support.tools", "tests.support.redis", "tests.support.stores"]


@pytest.fixture(scope="session")
def spec() -> Spec:
    return load_spec()


@pytest.fixture(scope="session")
def validators(spec: Spec) -> Validators:
    return Validators(spec)


@pytest.fixture
def client(mock_store: dict[str, Any]) -> Iterator[TestClient]:
    """An empty strict mock."""
    with mock_client(**mock_store) as test_client:
        yield test_client


@pytest.fixture
def seeded_client(mock_store: dict[str, Any]) -> Iterator[TestClient]:
    """A strict mock with the bundled fixtures."""
    with mock_client(fixtures=default_fixtures_path(), **mock_store) as test_client:
        yield test_client


@pytest.fixture
def fixtures_dir() -> Path:
    return default_fixtures_path()
