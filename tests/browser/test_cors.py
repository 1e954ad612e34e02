"""A frontend on another origin can use the mock from a real browser, and only where allowed.

`cors_page.html` is served by its own small server on another loopback port (so another
origin), and drives the whole life of a room with `fetch`: create (JSON, so preflighted),
list, get, update (PATCH, preflighted, with credentials), end and delete (preflighted). The
browser, not the test, decides what the page may see: the exposed `Location` header, the
bodies, or a `TypeError` where the mock does not allow the page's origin.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route

from tests.contract_targets.serve import serving
from tests.support.servers import mock_process

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

PAGE = Path(__file__).with_name("cors_page.html")
RUN_TIMEOUT_MS = 15_000


@contextmanager
def serving_page() -> Iterator[str]:
    """`http://127.0.0.1:PORT/cors_page.html` on a port of its own: an origin the mock is not."""

    async def page(request: Request) -> FileResponse:
        return FileResponse(PAGE, media_type="text/html")

    with serving(Starlette(routes=[Route("/cors_page.html", page)])) as url:
        yield url.split("/api/", 1)[0] + "/cors_page.html"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_page(page: Page, page_url: str, base_url: str, name: str) -> list[dict[str, Any]]:
    """Open the page against the mock, wait for it to finish, and return its steps by name."""
    page.goto(f"{page_url}?{urlencode({'api': base_url, 'name': name})}")
    page.wait_for_function("window.roomsDone === true", timeout=RUN_TIMEOUT_MS)
    steps: list[dict[str, Any]] = page.evaluate("window.roomsSteps")
    return steps


def preflights(page: Page) -> list[tuple[str, str]]:
    """Every CORS preflight Chromium sends from `page`: (the method it asks for, the URL)."""
    seen: list[tuple[str, str]] = []
    cdp = page.context.new_cdp_session(page)

    def sent(event: dict[str, Any]) -> None:
        request = event["request"]
        if request["method"] == "OPTIONS":
            asked = request["headers"].get("Access-Control-Request-Method", "")
            seen.append((asked, request["url"]))

    cdp.on("Network.requestWillBeSent", sent)
    cdp.send("Network.enable")
    return seen


def test_a_page_on_another_origin_does_the_whole_crud(
    chromium: BrowserContext, artifacts: Path
) -> None:
    name = f"CORS room {uuid.uuid4().hex[:8]}"
    with mock_process("--fixtures", "none", "--strict") as mock, serving_page() as page_url:
        assert mock.origin not in page_url
        page = chromium.new_page()
        asked = preflights(page)
        steps = {step["step"]: step for step in run_page(page, page_url, mock.base_url, name)}
        page.screenshot(path=str(artifacts / "cors-crud.png"))
        after = httpx.get(f"{mock.base_url}/rooms", timeout=5.0).json()

    assert [step for step in steps.values() if not step["ok"]] == []
    created = steps["create"]
    room_id = created["body"]["id"]
    assert created["status"] == 201
    assert created["body"]["name"] == name
    assert created["location"] == f"/api/v1/rooms/{room_id}", "Location is exposed"
    assert steps["list"]["status"] == 200
    assert [room["id"] for room in steps["list"]["body"]["rooms"]] == [room_id]
    assert steps["get"]["status"] == 200
    assert steps["get"]["body"]["id"] == room_id
    assert steps["update"]["status"] == 200
    assert steps["update"]["body"]["config"]["max_participants"] == 42
    assert steps["end"]["status"] == 200
    assert steps["end"]["body"]["status"] == "ended"
    assert steps["get ended"]["body"]["ended_at"] == steps["end"]["body"]["ended_at"]
    assert steps["delete"]["status"] == 204
    assert steps["delete"]["body"] is None
    assert steps["get deleted"]["status"] == 404
    assert steps["get deleted"]["contentType"] == "application/problem+json"
    assert after["total"] == 0

    room = f"{mock.base_url}/rooms/{room_id}"
    assert ("POST", f"{mock.base_url}/rooms") in asked, "a JSON create is preflighted"
    assert ("PATCH", room) in asked
    # DELETE rides on PATCH's preflight of the same URL, which the browser caches (max-age).
    assert {url for _, url in asked} == {f"{mock.base_url}/rooms", room}
    assert all(method != "GET" for method, _ in asked), "a plain GET is a simple request"


def test_the_browser_blocks_a_page_whose_origin_the_mock_does_not_allow(
    chromium: BrowserContext, artifacts: Path
) -> None:
    allowed = f"http://127.0.0.1:{free_port()}"
    with (
        mock_process("--fixtures", "none", "--strict", "--cors-origin", allowed) as mock,
        serving_page() as page_url,
    ):
        assert not page_url.startswith(allowed)
        page = chromium.new_page()
        steps = {step["step"]: step for step in run_page(page, page_url, mock.base_url, "Blocked")}
        page.screenshot(path=str(artifacts / "cors-blocked.png"))
        shown = page.locator("#steps li").all_inner_texts()
        after = httpx.get(f"{mock.base_url}/rooms", timeout=5.0).json()

    assert set(steps) == {"create", "list"}, "without a created room the page stops"
    for step in steps.values():
        assert step["ok"] is False
        assert step["errorName"] == "TypeError", step["error"]
    assert shown == [
        "create: blocked (TypeError: Failed to fetch)",
        "list: blocked (TypeError: Failed to fetch)",
    ]
    assert after["total"] == 0, "the blocked preflight kept the create from reaching the mock"
