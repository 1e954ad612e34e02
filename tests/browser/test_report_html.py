"""The reports a QA engineer shares open in a real browser: the HTML report renders offline in
headless Chromium and names the rule the server broke, with the steps that reproduce it; the
HAR report loads where browsers' tools load HARs (Playwright replays a recorded answer from it).

One fail-fast run of `rooms-contract` against a server whose second end moves `ended_at`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from contract_tests.suite.rules import RULES
from tests.contract_targets.faults import FAULTS
from tests.contract_targets.serve import serving
from tests.support.servers import PROJECT_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

BROKEN = "end-twice-409"
FAULT = next(fault for fault in FAULTS if fault.name == "end-twice-moves-ended-at")
RUN_TIMEOUT_S = 180


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    with serving(FAULT.server()) as base_url:
        finished = subprocess.run(
            [
                sys.executable,
                "-m",
                "contract_tests.cli",
                "--base-url",
                base_url,
                "--fail-fast",
                "--max-examples",
                "5",
                "--seed",
                "20260106",
                "--report",
                "html,har",
                "--report-dir",
                str(folder),
            ],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )
    assert finished.returncode == 1, finished.stdout + finished.stderr
    return folder


def test_the_html_report_renders_offline_and_names_the_broken_rule(
    chromium: BrowserContext, reports: Path, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    fetched: list[str] = []
    chromium.on("request", lambda request: fetched.append(request.url))
    page = chromium.new_page()
    page.goto((reports / "report.html").as_uri())
    page.screenshot(path=str(artifacts / "contract-report.png"), full_page=True)

    assert [url for url in fetched if not url.startswith("file://")] == []  # self-contained
    expect(page.locator("h1")).to_contain_text("Contract run against http://127.0.0.1:")
    summary = page.locator("table.summary")
    expect(summary).to_contain_text("seed")
    expect(summary).to_contain_text("20260106")
    expect(summary).to_contain_text("requests sent")
    row = page.locator(f"#rule-{BROKEN}")
    expect(row.locator(".verdict")).to_have_text("failed")
    expect(row).to_contain_text("Ending twice is a 409")
    # every rule but those of --exclusive, which this run leaves out
    assert page.locator("tr[id^='rule-']").count() == len(RULES) - 2
    failure = page.locator("#failure-1")
    expect(failure.locator("h3")).to_contain_text(BROKEN)
    expect(failure.locator(".here")).to_contain_text("curl -i -X GET")
    expect(failure).to_contain_text("HTTP 200")
    expect(failure).to_contain_text("rooms-contract replay")


def test_the_har_report_replays_its_answers_in_the_browser(
    chromium: BrowserContext, reports: Path
) -> None:
    """Playwright serves a page's requests from the HAR: a GET the run sent gets the answer
    the server gave it then, with no server running now."""
    har_path = reports / "exchanges.har"
    entries = json.loads(har_path.read_text())["log"]["entries"]
    recorded = next(
        entry
        for entry in entries
        if entry["request"]["method"] == "GET"
        and entry["response"]["status"] == 200
        and "/rooms/room_" in entry["request"]["url"]
    )
    chromium.route_from_har(har_path, not_found="abort")
    page = chromium.new_page()
    response = page.goto(recorded["request"]["url"])
    assert response is not None and response.status == 200
    assert json.loads(response.text()) == json.loads(recorded["response"]["content"]["text"])
