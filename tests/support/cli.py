"""What `rooms-contract lint` and `rooms-contract diff` must both refuse, and how.

Every refusal is checked through `python -m contract_tests.cli`, as CI runs
it: exit 2, nothing on stdout, one line on stderr that names the command and
the reason, and no traceback.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BadSpec:
    """A spec argument that cannot be used, and what the one line must say about it."""

    name: str
    expected: str
    place: Callable[[Path], str]  # puts the bad input under a temporary folder, gives its path


def written(content: str | bytes) -> Callable[[Path], str]:
    def place(tmp_path: Path) -> str:
        path = tmp_path / "spec.yaml"
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return str(path)

    return place


def under_a_file(tmp_path: Path) -> str:
    """A path that cannot be opened even by root: its parent is a file."""
    (tmp_path / "a-file").write_text("")
    return str(tmp_path / "a-file" / "spec.yaml")


INFO = "info: {title: Items, version: '1'}\npaths: {}\n"
BAD_SPECS = [
    BadSpec("missing", "no such file", lambda tmp_path: str(tmp_path / "missing.yaml")),
    BadSpec("directory", "is a directory", str),
    BadSpec("unreadable", "/proc/self/mem: cannot read", lambda _: "/proc/self/mem"),
    BadSpec("under-a-file", "cannot read: Not a directory", under_a_file),
    BadSpec("not-utf8", "not UTF-8 (byte 0xff at offset 9)", written(b"openapi: \xff\xfe\n")),
    BadSpec("not-yaml", "not valid YAML at line 1", written("openapi: [unclosed")),
    BadSpec("readme", "README.md: not", lambda _: str(ROOT / "README.md")),
    BadSpec("yaml-list", "not an OpenAPI document", written("- just\n- a list\n")),
    BadSpec("openapi-2", "document (openapi: 2.0)", written(f"openapi: 2.0\n{INFO}")),
    BadSpec("swagger-2", "document (no openapi field)", written(f"swagger: '2.0'\n{INFO}")),
]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "contract_tests.cli", *args]
    return subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )


def assert_refused(result: subprocess.CompletedProcess[str], command: str, expected: str) -> None:
    """Exit 2 and one line on stderr, `rooms-contract <command>: ...`, that says `expected`."""
    assert (result.returncode, result.stdout) == (2, ""), result
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"rooms-contract {command}: "), result.stderr
    assert expected in result.stderr, result.stderr


def each_bad_spec(*more: BadSpec) -> pytest.MarkDecorator:
    """Run a test once for every bad spec (and for `more`), as `bad`."""
    specs = [*BAD_SPECS, *more]
    return pytest.mark.parametrize("bad", specs, ids=[bad.name for bad in specs])


def each_command_line(table: dict[str, tuple[list[str], str]]) -> pytest.MarkDecorator:
    """Run a test once for every wrong command line, as `args` and the `expected` words."""
    return pytest.mark.parametrize(("args", "expected"), list(table.values()), ids=list(table))
