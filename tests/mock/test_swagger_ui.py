"""Connexion serves Swagger UI and the spec as JSON, built on the first request for them."""

from __future__ import annotations

from tests.support.mock import API, mock_client


def test_connexion_is_built_by_the_first_request_for_swagger_ui_not_at_start() -> None:
    with mock_client() as client:  # the lifespan has run
        lazy = client.app.ui
        assert lazy._app is None
        assert client.post(f"{API}/rooms", json={"name": "A"}).status_code == 201
        assert lazy._app is None
        assert client.get(f"{API}/openapi.json").json()["info"]["title"] == "Rooms API"
        assert lazy._app is not None
        assert client.get(f"{API}/ui/").status_code == 200
