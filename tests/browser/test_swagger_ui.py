"""Swagger UI, as the mock serves it, works in a real browser: a room made there is really made.

A person opens `/api/v1/ui/`, expands "POST /rooms", clicks "Try it out", types a body and
clicks "Execute"; the UI must show the 201 and the room, and the mock must then hold it.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.support.servers import running_mock

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

CREATE_ROOM = "#operations-rooms-createRoom"  # Swagger UI's id: tag `rooms`, operationId


def test_a_room_created_in_swagger_ui_exists_in_the_mock(
    chromium: BrowserContext, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    name = f"Swagger UI room {uuid.uuid4().hex[:8]}"
    body = {"name": name, "config": {"max_participants": 12, "recording_enabled": True}}
    with running_mock("--fixtures", "none", "--strict") as base_url:
        page = chromium.new_page()
        page.goto(f"{base_url}/ui/")
        operation = page.locator(CREATE_ROOM)
        operation.locator("button.opblock-summary-control").click()
        operation.get_by_role("button", name="Try it out").click()
        operation.locator("textarea.body-param__text").fill(json.dumps(body, indent=2))
        operation.get_by_role("button", name="Execute").click()

        answer = operation.locator(".live-responses-table tr.response")
        expect(answer.locator(".response-col_status")).to_have_text("201")
        answer.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "swagger-ui-create-room.png"))
        shown = json.loads(answer.locator(".response-col_description code").first.inner_text())
        headers = answer.locator(".response-col_description pre.microlight").nth(1).inner_text()

        assert shown["name"] == name
        assert shown["status"] == "active"
        assert shown["config"] == {
            "max_participants": 12,
            "recording_enabled": True,
            "chat_enabled": True,
        }
        assert f"location: /api/v1/rooms/{shown['id']}" in headers
        stored = httpx.get(f"{base_url}/rooms/{shown['id']}", timeout=5.0)
        assert stored.status_code == 200, stored.text
        assert stored.json() == shown
        listed = httpx.get(f"{base_url}/rooms", timeout=5.0).json()
        assert [room["name"] for room in listed["rooms"]] == [name]
