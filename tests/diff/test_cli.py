"""`rooms-contract diff` at the command line: its outputs, exit codes and refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contract_tests.diff.cli import main
from contract_tests.diff.rules import FAMILIES, RULES
from tests.support import cli as bad_input
from tests.support.cli import BadSpec, written

from .specs import BASE, ITEM, add_property, mutated, set_at


@pytest.fixture
def breaking_pair(tmp_path: Path) -> tuple[str, str]:
    return str(BASE), str(mutated(set_at(ITEM, "required", ["id", "name"]), tmp_path))


def test_text_output_lists_each_change_and_a_summary(
    breaking_pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(list(breaking_pair)) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("BREAKING [response-property-became-optional] GET /items:")
    assert lines[-1] == "3 breaking"


def test_json_output_is_a_list_of_stable_objects(
    breaking_pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*breaking_pair, "--format", "json"]) == 1
    [first, *_] = json.loads(capsys.readouterr().out)
    assert set(first) == {"rule", "level", "operation", "location", "message"}
    assert first["level"] == "breaking"


def test_markdown_output_is_a_table_with_a_verdict(
    breaking_pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*breaking_pair, "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert "**Breaking API changes.** 3 breaking" in out
    assert "| :x: breaking | `response-property-became-optional` | `GET /items` |" in out


def test_warnings_fail_only_when_asked(tmp_path: Path) -> None:
    new = str(mutated(add_property(ITEM), tmp_path))
    assert main([str(BASE), new]) == 0
    assert main([str(BASE), new, "--fail-on", "warning"]) == 1


def test_no_changes_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(BASE), str(BASE)]) == 0
    assert capsys.readouterr().out == "No API changes.\n"


def test_usage_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(BASE)]) == 2
    assert main([str(BASE), str(BASE), "--format", "yaml"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith("rooms-contract diff:") for line in lines)


def test_every_rule_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-rules"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(RULES)


def test_the_installed_command_runs_diff(breaking_pair: tuple[str, str]) -> None:
    command = [sys.executable, "-m", "contract_tests.cli", "diff", *breaking_pair]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    assert "response-property-became-optional" in result.stdout


def test_every_rule_is_listed_with_its_family_level_and_consequence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--list-rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"{'path-removed':<42} {'paths':<10} {'breaking':<10} clients that call it get a 404"
    )
    listed = {line.split()[0]: (line.split()[1], line.split()[2]) for line in lines}
    assert listed == {rule.id: (rule.family, rule.level) for rule in RULES.values()}
    assert {family for family, _ in listed.values()} == set(FAMILIES)


# --- git revisions: REV:PATH, as `git show` takes it ---


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, timeout=30)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A git repository whose last commit has base.yaml as spec.yaml; the work tree
    has a change that breaks clients."""
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "spec.yaml").write_text(BASE.read_text())
    git(tmp_path, "add", "spec.yaml")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base")
    mutated(set_at(ITEM, "required", ["id", "name"]), tmp_path).rename(tmp_path / "spec.yaml")
    return tmp_path


def test_a_side_can_be_a_git_revision(
    repository: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repository)
    assert main(["HEAD:spec.yaml", "spec.yaml"]) == 1
    assert "response-property-became-optional" in capsys.readouterr().out
    assert main(["main:spec.yaml", "HEAD:./spec.yaml"]) == 0
    assert capsys.readouterr().out == "No API changes.\n"


def test_a_file_with_a_colon_in_its_name_is_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "v1:spec.yaml").write_text(BASE.read_text())
    assert main(["v1:spec.yaml", str(BASE)]) == 0


BAD_REVISIONS = {
    "no-such-revision": (
        "no-such-branch:openapi.yaml",
        'no-such-branch:openapi.yaml: no such file, and no git revision "no-such-branch"',
    ),
    "no-such-path": ("HEAD:no-such.yaml", 'HEAD:no-such.yaml: revision "HEAD" has no file'),
    "a-folder": ("HEAD:tests", 'HEAD:tests: "tests" is a folder in "HEAD", not a file'),
    "not-yaml": ("HEAD:README.md", "HEAD:README.md: not valid YAML at line"),
}


@pytest.mark.parametrize(
    ("spec", "expected"), list(BAD_REVISIONS.values()), ids=list(BAD_REVISIONS)
)
def test_a_revision_diff_cannot_read_is_refused(spec: str, expected: str) -> None:
    """Run in this repository, as CI runs it (a clone has HEAD, README.md and tests/)."""
    bad_input.assert_refused(bad_input.run_cli("diff", spec, str(BASE)), "diff", expected)


def test_a_revision_outside_a_repository_is_refused(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "contract_tests.cli", "diff", "HEAD:spec.yaml", str(BASE)]
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60, check=False
    )
    expected = "HEAD:spec.yaml: no such file, and not inside a git repository"
    bad_input.assert_refused(result, "diff", expected)


# --- what diff refuses: one line on stderr, exit 2 ---

REF_NOWHERE = "openapi: 3.0.3\npaths:\n  /x:\n    $ref: '#/nowhere'\n"


@bad_input.each_bad_spec(BadSpec("ref-nowhere", "cannot resolve $ref", written(REF_NOWHERE)))
@pytest.mark.parametrize("side", ["old", "new"])
def test_a_spec_diff_cannot_use_is_refused(bad: BadSpec, side: str, tmp_path: Path) -> None:
    path = bad.place(tmp_path)
    args = [path, str(BASE)] if side == "old" else [str(BASE), path]
    bad_input.assert_refused(bad_input.run_cli("diff", *args), "diff", bad.expected)


SPEC = str(BASE)
WRONG_COMMAND_LINES = {
    "format-unknown": (
        [SPEC, SPEC, "--format", "yaml"],
        'argument --format: invalid choice: "yaml" (choose from "json", "markdown", "text")',
    ),
    "format-without-value": ([SPEC, SPEC, "--format"], "argument --format: expected one argument"),
    "fail-on-unknown": (
        [SPEC, SPEC, "--fail-on", "never"],
        'argument --fail-on: invalid choice: "never" (choose from "breaking", "warning")',
    ),
    "fail-on-without-value": ([SPEC, SPEC, "--fail-on"], "expected one argument"),
    "unknown-option": (["--colour", SPEC, SPEC], "unrecognized arguments: --colour"),
    "no-spec": ([], "give two specs, OLD and NEW"),
    "one-spec": ([SPEC], "give two specs, OLD and NEW"),
    "three-specs": ([SPEC, SPEC, SPEC], f"unrecognized arguments: {SPEC}"),
}


@bad_input.each_command_line(WRONG_COMMAND_LINES)
def test_a_wrong_command_line_is_refused(args: list[str], expected: str) -> None:
    bad_input.assert_refused(bad_input.run_cli("diff", *args), "diff", expected)
