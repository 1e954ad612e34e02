"""`rooms-contract lint` and `diff` at the command line: what they refuse, and what they load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.diff.specs import BASE
from tests.support import cli as bad_input
from tests.support.cli import INFO, ROOT, BadSpec, written


@bad_input.each_bad_spec(
    BadSpec("a-string", "not an OpenAPI document", written("just a string\n")),
    BadSpec(
        "openapi-3.1",
        'not an OpenAPI 3.0 document (openapi: "3.1.0")',
        written(f"openapi: 3.1.0\n{INFO}"),
    ),
)
def test_a_spec_lint_cannot_use_is_refused(bad: BadSpec, tmp_path: Path) -> None:
    bad_input.assert_refused(bad_input.run_cli("lint", bad.place(tmp_path)), "lint", bad.expected)


SPEC = str(BASE)
WRONG_COMMAND_LINES = {
    "format-unknown": (
        [SPEC, "--format", "xml"],
        'argument --format: invalid choice: "xml" (choose from "text", "json")',
    ),
    "format-without-value": ([SPEC, "--format"], "argument --format: expected one argument"),
    "unknown-option": (["--colour", SPEC], "unrecognized arguments: --colour"),
    "two-specs": ([SPEC, SPEC], f"unrecognized arguments: {SPEC}"),
}


@bad_input.each_command_line(WRONG_COMMAND_LINES)
def test_a_wrong_command_line_is_refused(args: list[str], expected: str) -> None:
    bad_input.assert_refused(bad_input.run_cli("lint", *args), "lint", expected)


def test_lint_and_diff_load_no_http_framework() -> None:
    """The CI gate runs where no server does: reading specs must not pull one in."""
    frameworks = ("starlette", "connexion", "uvicorn", "httpx", "schemathesis", "hypothesis")
    code = (
        "import sys, contract_tests.lint.cli, contract_tests.diff.cli\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {frameworks!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "[]\n"), result.stderr
