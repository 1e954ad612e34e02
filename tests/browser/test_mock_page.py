"""The mock's page at `/_mock/`, in a real headless Chromium: it loads with nothing from
elsewhere, shows requests a test makes as they happen (server-sent events), a 400's
violations and the curl line that repeats it, the rooms, and the fault rules."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.support.servers import mock_process

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext


def test_the_page_shows_requests_live_with_a_400s_violations(
    chromium: BrowserContext, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    with mock_process("--fixtures", "none", "--strict") as mock:
        base_url, origin = mock.base_url, mock.origin
        page = chromium.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: problems.append(message.text) if message.type == "error" else None,
        )
        elsewhere: list[str] = []
        page.on(
            "request",
            lambda request: (
                None if request.url.startswith(origin) else elsewhere.append(request.url)
            ),
        )
        page.goto(f"{origin}/_mock/")
        expect(page.locator("#live")).to_have_text("live")  # the event stream is open
        expect(page.locator("#journal-empty")).to_be_visible()

        # Requests made by the test, not by the page, appear without a reload.
        assert httpx.post(f"{base_url}/rooms", json={"name": "Page room"}).status_code == 201
        bad = httpx.post(f"{base_url}/rooms", json={"name": "", "config": {"video": True}})
        assert bad.status_code == 400
        rows = page.locator("#journal tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text("POST /api/v1/rooms")  # newest first
        expect(rows.nth(0).locator(".status")).to_have_text("400")
        expect(rows.nth(1).locator(".status")).to_have_text("201")
        expect(page.locator("#rooms tbody tr")).to_have_count(1)
        expect(page.locator("#rooms tbody")).to_contain_text("Page room")

        rows.nth(0).click()
        violations = page.locator("#violations tbody tr")
        expect(violations).to_have_count(2)
        shown = [violations.nth(index).inner_text() for index in range(2)]
        assert [line.split("\t") for line in shown] == [
            [error["in"], error["pointer"], error["message"]] for error in bad.json()["errors"]
        ]
        curl = shlex.split(page.locator("#curl").inner_text())
        assert curl[:5] == ["curl", "-i", "-X", "POST", f"{base_url}/rooms"]
        assert curl[-1] == '{"name":"","config":{"video":true}}'
        page.screenshot(path=str(artifacts / "mock-page-400.png"), full_page=True)

        # The filters ask the journal for what they say.
        page.fill("#filter-status", "2xx")
        expect(rows).to_have_count(1)
        expect(rows.nth(0).locator(".status")).to_have_text("201")
        page.fill("#filter-status", "")
        page.select_option("#filter-operation", "getRoom")
        expect(rows).to_have_count(0)
        page.select_option("#filter-operation", "createRoom")
        expect(rows).to_have_count(2)

        # Fault rules show with how often they fired; a faulted request is marked.
        rule = {"id": "down", "match": {"operation": "createRoom"}, "respond": {"status": 503}}
        assert httpx.post(f"{origin}/_mock/faults", json=rule).status_code == 201
        assert httpx.post(f"{base_url}/rooms", json={"name": "x"}).status_code == 503
        faults = page.locator("#faults tbody tr")
        expect(faults).to_have_count(1)
        expect(faults.nth(0)).to_contain_text("down")
        expect(faults.nth(0)).to_contain_text("respond 503")
        expect(rows.nth(0)).to_contain_text("fault down")
        faults.nth(0).get_by_role("button", name="Remove").click()
        expect(faults).to_have_count(0)
        assert httpx.get(f"{origin}/_mock/faults").json() == {"rules": []}
        page.screenshot(path=str(artifacts / "mock-page-faults.png"), full_page=True)

    assert problems == []
    assert elsewhere == []  # no CDN: everything came from the mock
