"""The action's steps, run here as a runner would run them: a real git repository, the real
kit on PATH, a real mock on a free loopback port, the real suite.

steps.sh reads its inputs from the environment, as action.yml passes them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tools import PROJECT_ROOT

STEPS = PROJECT_ROOT / ".github" / "actions" / "rooms-contract" / "steps.sh"
SPEC = PROJECT_ROOT / "openapi.yaml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, timeout=30)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A repository whose main branch has the kit's spec; the work tree narrows a name."""
    folder = tmp_path / "repo"
    folder.mkdir()
    git(folder, "init", "-q", "-b", "main")
    shutil.copy(SPEC, folder / "openapi.yaml")
    git(folder, "add", "openapi.yaml")
    git(folder, "-c", "user.name=ci", "-c", "user.email=ci@example", "commit", "-q", "-m", "spec")
    return folder


class Runner:
    """Runs one step at a time in `folder`, with the inputs as environment variables."""

    def __init__(self, folder: Path, **inputs: str) -> None:
        self.folder = folder
        self.reports = folder.parent / "reports"
        bin_dir = str(Path(sys.executable).parent)
        self.env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "REPORTS": str(self.reports),
            "GITHUB_STEP_SUMMARY": str(folder.parent / "summary.md"),
            **inputs,
        }

    def step(self, name: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(STEPS), name],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.fixture
def runner(repository: Path) -> Iterator[Runner]:
    started = Runner(
        repository,
        BASE_REV="main",
        MOCK_PORT=str(free_port()),
        SUITE_ARGS="--max-examples 2 --seed 1",  # the suite is tested elsewhere: here, that it runs
    )
    yield started
    started.step("stop")


def narrow_the_room_name(repository: Path) -> None:
    spec = repository / "openapi.yaml"
    text = spec.read_text()
    assert "      maxLength: 200\n" in text
    spec.write_text(text.replace("      maxLength: 200\n", "      maxLength: 100\n", 1))


def test_the_steps_gate_a_breaking_change_and_run_the_suite(
    runner: Runner, repository: Path
) -> None:
    narrow_the_room_name(repository)
    lint = runner.step("lint")
    assert (lint.returncode, lint.stdout) == (0, "openapi.yaml: clean\n"), lint.stderr

    diff = runner.step("diff")
    assert diff.returncode == 0, diff.stderr  # the gate waits for the last step
    assert "BREAKING [request-bounds-narrowed] POST /rooms:" in diff.stdout
    summary = (repository.parent / "summary.md").read_text()
    assert "**Breaking API changes.**" in summary
    assert (runner.reports / "diff-status").read_text() == "1\n"

    start = runner.step("start")
    assert start.returncode == 0, start.stdout + start.stderr
    suite = runner.step("suite", timeout=180)
    assert suite.returncode == 0, suite.stdout[-3000:]
    assert (runner.reports / "contract-junit.xml").exists()

    stop = runner.step("stop")
    assert "server stopped" in stop.stdout
    verdict = runner.step("verdict")
    assert verdict.returncode == 1
    assert "fail the gate (--fail-on breaking)" in verdict.stdout


def test_without_a_base_revision_there_is_nothing_to_gate(runner: Runner) -> None:
    runner.env.pop("BASE_REV")
    diff = runner.step("diff")
    assert diff.returncode == 0
    assert "nothing to compare against" in diff.stdout
    assert runner.step("verdict").returncode == 0


def test_a_base_that_has_no_spec_is_nothing_to_compare(runner: Runner) -> None:
    runner.env["SPEC"] = "api/openapi.yaml"
    (runner.folder / "api").mkdir()
    shutil.copy(SPEC, runner.folder / "api" / "openapi.yaml")
    diff = runner.step("diff")
    assert diff.returncode == 0, diff.stderr
    assert "main has no api/openapi.yaml" in diff.stdout


def test_a_spec_that_cannot_be_read_stops_the_diff_with_one_line(
    runner: Runner, repository: Path
) -> None:
    (repository / "openapi.yaml").write_text("openapi: [unclosed")
    diff = runner.step("diff")
    assert diff.returncode == 2
    assert diff.stderr.startswith("rooms-contract diff: openapi.yaml: not valid YAML")
