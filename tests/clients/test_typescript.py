"""The spec as a frontend uses it: openapi-typescript types, a typed openapi-fetch client
compiled with `tsc --strict`, run with Node against a real `rooms-mock --strict`.

Types that merely look right are not enough (pitfalls.md: an `allOf` over the discriminated
`Room` once came out as `status: "RoomDetail"`), so the client narrows `room.status` and
reads `ended_at` the way application code does, and snippets that misread a room must fail
`tsc` at the line they mark. tsc takes seconds: everything compiles once per module.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import PROJECT_ROOT, running_mock
from tests.support.tools import NODE_BIN, require

pytestmark = pytest.mark.xdist_group("typescript")  # one compile, with --dist loadgroup

SOURCES = Path(__file__).parent / "typescript"
SPEC = PROJECT_ROOT / "openapi.yaml"
TOOL_TIMEOUT_S = 120.0
DIAGNOSTIC = re.compile(r"^(?P<file>\S+?)\((?P<line>\d+),\d+\): error (?P<code>TS\d+):", re.M)
EXPECT = re.compile(r"// EXPECT (TS\d+)")


@dataclass(frozen=True)
class Build:
    """The copied sources, the generated types (`rooms-api.ts`) and the compiled client."""

    root: Path
    node: str
    tsc: str

    @property
    def types(self) -> str:
        return (self.root / "rooms-api.ts").read_text()


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, env=env
    )


def generate(generator: str, output: Path, *flags: str) -> str:
    done = run(generator, str(SPEC), *flags, "-o", str(output), cwd=output.parent)
    assert done.returncode == 0, done.stderr
    return output.read_text()


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Types generated the README's way, then the client compiled with them (once)."""
    node, generator, tsc = require("node"), require("openapi-typescript"), require("tsc")
    root = tmp_path_factory.mktemp("typescript")
    shutil.copytree(SOURCES, root, dirs_exist_ok=True)
    (root / "node_modules").symlink_to(NODE_BIN.parent)  # openapi-fetch, for tsc and node
    generate(generator, root / "rooms-api.ts", "--default-non-nullable", "false")
    compiled = run(tsc, "-p", "tsconfig.json", "--strict", "--pretty", "false", cwd=root)
    assert compiled.returncode == 0, f"the typed client does not compile:\n{compiled.stdout}"
    return Build(root, node, tsc)


def test_statuses_are_only_active_and_ended(build: Build) -> None:
    statuses = set(re.findall(r'\bstatus: "([^"]*)"', build.types))
    assert statuses == {"active", "ended"}
    assert 'status: "RoomDetail"' not in build.types
    assert "Omit<" not in build.types  # the mark of an allOf over a discriminated oneOf


def test_the_flag_the_readme_once_needed_changes_nothing(build: Build, tmp_path: Path) -> None:
    plain = generate(require("openapi-typescript"), tmp_path / "rooms-api.ts")
    assert plain == build.types


def test_misreading_a_room_fails_tsc_exactly_where_marked(build: Build) -> None:
    expected = {
        (f"must-fail/{snippet.name}", number, code)
        for snippet in sorted((build.root / "must-fail").glob("*.mts"))
        for number, line in enumerate(snippet.read_text().splitlines(), start=1)
        for code in EXPECT.findall(line)
    }
    assert len(expected) == 2
    checked = run(
        build.tsc, "-p", "must-fail/tsconfig.json", "--strict", "--pretty", "false", cwd=build.root
    )
    found = {
        (match["file"], int(match["line"]), match["code"])
        for match in DIAGNOSTIC.finditer(checked.stdout)
    }
    assert checked.returncode != 0 and found == expected, checked.stdout


def steps_of(output: str) -> dict[str, dict[str, Any]]:
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    steps = {line.pop("step"): line for line in lines}
    assert len(steps) == len(lines), output
    return steps


def test_the_typed_client_drives_every_operation_of_a_real_mock(build: Build) -> None:
    with running_mock("--fixtures", "none", "--strict") as base_url:
        done = run(build.node, "dist/client.mjs", base_url, cwd=build.root)
    assert done.returncode == 0, done.stderr
    steps = steps_of(done.stdout)

    created = steps["create"]
    assert (created["http"], created["status"], created["has_ended_at"]) == (201, "active", False)
    assert created["location"] == f"/api/v1/rooms/{created['id']}"
    assert created["config"] == {
        "max_participants": 100,
        "recording_enabled": True,
        "chat_enabled": True,
    }
    assert steps["list"] == {"total": 1, "limit": 10, "offset": 0, "counts": [0]}
    assert steps["get"] == {
        "id": created["id"],
        "status": "active",
        "has_ended_at": False,
        "participant_count": 0,
        "name": "CS101 Lecture",
    }
    assert steps["update"]["name"] == "CS101 Lecture - Updated"
    assert steps["update"]["config"] == {
        "max_participants": 150,
        "recording_enabled": True,
        "chat_enabled": True,
    }
    ended_at = steps["end"]["ended_at"]
    assert steps["end"]["status"] == "ended" and ended_at
    assert steps["get-ended"] == {"status": "ended", "ended_at": ended_at, "participant_count": 0}

    for step, code in [("end-again", 409), ("update-ended", 409), ("get-deleted", 404)]:
        assert steps[step]["http"] == steps[step]["status"] == code, (step, steps[step])
        assert steps[step]["title"] and steps[step]["detail"], (step, steps[step])
    assert steps["delete"] == {"http": 204, "body": ""}
    assert steps["create-invalid"]["http"] == steps["create-invalid"]["status"] == 400
    assert steps["create-invalid-errors"]["errors"] == [
        {"in": "body", "pointer": "/config/max_participants"},
        {"in": "body", "pointer": "/name"},
    ]
