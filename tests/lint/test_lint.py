"""`rooms-contract lint`: the repo spec is clean, and each rule finds its fault on the right line.

Each broken spec is `spec_pairs/base.yaml` with one text edit; the expected line
is where the edit's `marker` lands in the edited text.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from contract_tests.lint.cli import lint_file, main
from contract_tests.lint.rules import LINT_RULES

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "tests" / "diff" / "spec_pairs" / "base.yaml"


@dataclass(frozen=True)
class Fault:
    rule: str
    old: str
    new: str
    marker: str  # text on the line the finding must point at


FAULTS = [
    Fault(
        "operation-id-missing",
        "      operationId: deleteItem\n",
        "",
        "    delete:",
    ),
    Fault(
        "operation-summary-missing",
        "      summary: Get an item\n",
        "",
        "    get:\n      operationId: getItem",
    ),
    Fault(
        "example-invalid",
        "          minLength: 1\n          maxLength: 200\n",
        "          minLength: 1\n          maxLength: 200\n          example: ''\n",
        "          example: ''",
    ),
    Fault(
        "example-invalid",
        "              schema:\n                $ref: '#/components/schemas/Item'\n        '404'",
        "              schema:\n                $ref: '#/components/schemas/Item'\n"
        "              examples:\n                bad:\n                  value: {id: 7}\n"
        "        '404'",
        "                  value: {id: 7}",
    ),
    Fault(
        "error-not-problem-json",
        "        application/problem+json:\n",
        "        application/json:\n",
        "    Problem:\n      description:",
    ),
    Fault(
        "response-content-missing",
        "          description: One page of items.\n          content:\n"
        "            application/json:\n              schema:\n"
        "                $ref: '#/components/schemas/Page'\n",
        "          description: One page of items.\n",
        "        '200':\n          description: One page of items.",
    ),
    Fault(
        "request-body-open",
        "    ItemCreate:\n      type: object\n      additionalProperties: false\n",
        "    ItemCreate:\n      type: object\n",
        "    ItemCreate:",
    ),
    Fault(
        "openapi-invalid",
        "          in: query\n",
        "          in: body\n",
        "        - name: limit",
    ),
]


def write(tmp_path: Path, fault: Fault) -> tuple[Path, int]:
    text = BASE.read_text()
    assert text.count(fault.old) == 1, fault.old
    broken = text.replace(fault.old, fault.new)
    line = broken[: broken.index(fault.marker)].count("\n") + 1
    path = tmp_path / "openapi.yaml"
    path.write_text(broken)
    return path, line


def test_the_repo_spec_is_clean() -> None:
    assert lint_file(ROOT / "openapi.yaml") == []


def test_the_base_of_the_spec_pairs_is_clean() -> None:
    assert lint_file(BASE) == []


@pytest.mark.parametrize("fault", FAULTS, ids=[f"{f.rule}-{i}" for i, f in enumerate(FAULTS)])
def test_each_rule_finds_its_fault_on_its_line(fault: Fault, tmp_path: Path) -> None:
    path, line = write(tmp_path, fault)
    findings = lint_file(path)
    assert {(f.rule, f.line) for f in findings} == {(fault.rule, line)}, findings


def test_every_rule_has_a_fault() -> None:
    assert {fault.rule for fault in FAULTS} == set(LINT_RULES)


def test_a_shared_response_is_reported_once(tmp_path: Path) -> None:
    path, _ = write(tmp_path, FAULTS[4])
    [finding] = lint_file(path)
    assert "#/components/responses/Problem" in finding.message


def test_findings_print_as_file_line_rule_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, line = write(tmp_path, FAULTS[0])
    monkeypatch.chdir(tmp_path)
    assert main(["openapi.yaml"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"openapi.yaml:{line}: [operation-id-missing] DELETE /items/{{id}} has no operationId",
        "1 finding(s)",
    ]


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, line = write(tmp_path, FAULTS[0])
    assert main([str(path), "--format", "json"]) == 1
    [finding] = json.loads(capsys.readouterr().out)
    assert finding["line"] == line and finding["rule"] == "operation-id-missing"


def test_a_clean_spec_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(BASE)]) == 0
    assert capsys.readouterr().out.strip().endswith("clean")


def test_a_usage_error_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--format", "xml"]) == 2
    assert capsys.readouterr().err.startswith("rooms-contract lint: argument --format")


def test_the_installed_command_lints_the_repo_spec() -> None:
    command = [sys.executable, "-m", "contract_tests.cli", "lint", "openapi.yaml"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
