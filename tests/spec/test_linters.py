"""openapi.yaml under the linters API users bring: Spectral (`spectral:oas`) and Redocly
(`recommended`), each with no problem at all, not even a warning.

Spectral runs as a user runs it at the top (its ruleset is .spectral.yaml, which must stay
exactly `spectral:oas`); Redocly runs in a scratch directory with `--extends recommended`, so
no config file can switch one of its rules off.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.support.servers import PROJECT_ROOT
from tests.support.tools import require

SPEC = PROJECT_ROOT / "openapi.yaml"
LINT_TIMEOUT_S = 120.0
QUIET = {"NO_COLOR": "1", "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=LINT_TIMEOUT_S,
        env={**os.environ, **QUIET},
    )


def test_spectral_oas_finds_no_problem(tmp_path: Path) -> None:
    """As `npx spectral lint openapi.yaml` at the top runs it: with .spectral.yaml."""
    spectral = require("spectral")
    ruleset = (PROJECT_ROOT / ".spectral.yaml").read_text()
    assert ruleset.strip() == 'extends: ["spectral:oas"]'  # the whole ruleset, nothing off
    report = tmp_path / "spectral.json"
    done = run(
        spectral, "lint", "openapi.yaml", "--fail-severity", "hint",
        "--format", "json", "--output", str(report), cwd=PROJECT_ROOT,
    )  # fmt: skip
    problems: list[dict[str, Any]] = json.loads(report.read_text())
    print(f"spectral (spectral:oas): {len(problems)} problem(s)")
    assert problems == [] and done.returncode == 0, done.stdout + done.stderr


def test_redocly_recommended_finds_no_problem(tmp_path: Path) -> None:
    redocly = require("redocly")
    done = run(
        redocly, "lint", str(SPEC), "--extends", "recommended", "--format", "json", cwd=tmp_path
    )
    report = json.loads(done.stdout)
    totals = report["totals"]
    print(f"redocly (recommended): {totals['errors']} error(s), {totals['warnings']} warning(s)")
    assert (totals["errors"], totals["warnings"], totals["ignored"]) == (0, 0, 0), report
    assert report["problems"] == [] and done.returncode == 0, done.stderr
