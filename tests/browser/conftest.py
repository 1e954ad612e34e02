"""A real headless Chromium (Debian's), driven by Playwright, for the browser tests.

Playwright's own browser download is not reachable here, so it drives the system Chromium
(`executable_path`), as root hence `--no-sandbox`, with a fresh profile in a temporary folder
for every test: nothing a test did (cookies, cached preflights) leaks into the next.
Screenshots go to an artefact folder outside the tree git tracks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.tools import PROJECT_ROOT, require

if TYPE_CHECKING:  # Playwright may be missing: then the tests skip, they do not fail to import
    from playwright.sync_api import BrowserContext

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAUNCH_TIMEOUT_MS = 20_000
ACTION_TIMEOUT_MS = 10_000


def artifacts_dir() -> Path:
    """`$ROOMS_ARTIFACTS/browser`, else `reports/browser/` at the repository's top (ignored)."""
    root = os.environ.get("ROOMS_ARTIFACTS")
    folder = Path(root) / "browser" if root else PROJECT_ROOT / "reports" / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def artifacts() -> Path:
    return artifacts_dir()


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[BrowserContext]:
    """A Playwright `BrowserContext` of a new headless Chromium with a fresh user-data-dir."""
    executable = require("chromium")
    require("playwright")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=tmp_path / "chromium-profile",
            executable_path=executable,
            headless=True,
            args=CHROMIUM_FLAGS,
            timeout=LAUNCH_TIMEOUT_MS,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()
