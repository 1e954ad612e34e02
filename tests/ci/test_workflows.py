"""The workflows and the composite action pass a real workflow linter, and say what they must.

actionlint checks every workflow under .github/workflows and, through the
`uses: ./.github/actions/rooms-contract` that names it, the action's metadata.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.support.tools import PROJECT_ROOT, require

GITHUB = PROJECT_ROOT / ".github"
ACTION = GITHUB / "actions" / "rooms-contract" / "action.yml"


def actionlint(folder: Path) -> subprocess.CompletedProcess[str]:
    command = [require("actionlint"), "-no-color"]
    return subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )


def workflow(name: str) -> dict[Any, Any]:
    loaded = yaml.safe_load((GITHUB / "workflows" / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_the_workflows_and_the_action_pass_actionlint() -> None:
    result = actionlint(PROJECT_ROOT)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_actionlint_reads_the_action_through_the_workflow_that_uses_it(tmp_path: Path) -> None:
    """A broken action.yml fails the lint: the action is checked, not only the workflows."""
    shutil.copytree(GITHUB, tmp_path / ".github")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, timeout=30)
    broken = tmp_path / ".github" / "actions" / "rooms-contract" / "action.yml"
    broken.write_text(broken.read_text().replace("      shell: bash", "      shel: bash", 1))
    result = actionlint(tmp_path)
    assert result.returncode == 1
    assert 'unexpected key "shel"' in result.stdout


def test_the_ci_workflow_runs_dev_test_under_ci() -> None:
    ci = workflow("ci.yml")
    [job] = ci["jobs"].values()
    assert job["env"]["CI"] == "true"
    assert [step["run"] for step in job["steps"] if "run" in step][-1] == "./dev test"


def test_the_contract_workflow_uses_the_action_not_this_repository() -> None:
    """Copying it elsewhere works: it needs the action, not this repository's ./dev."""
    [job] = workflow("api-contract.yml")["jobs"].values()
    uses = [step.get("uses", "") for step in job["steps"]]
    assert "./.github/actions/rooms-contract" in uses
    assert not any("./dev" in str(step.get("run", "")) for step in job["steps"])


def test_the_action_runs_every_step_of_the_gate() -> None:
    action = yaml.safe_load(ACTION.read_text())
    assert action["runs"]["using"] == "composite"
    runs = [step.get("run", "") for step in action["runs"]["steps"]]
    called = [run.split()[-1] for run in runs if "steps.sh" in run]
    assert called == ["install", "lint", "diff", "start", "suite", "stop", "verdict"]
    uploads = [
        step for step in action["runs"]["steps"] if "upload-artifact" in step.get("uses", "")
    ]
    assert [step["if"] for step in uploads] == ["always()"]
