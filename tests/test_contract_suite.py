"""The contract suite tested on servers whose faults are known: it passes a correct server and
the mock, and flags every faulty one with a rule that names the fault.

Each run is `rooms-contract` in its own process (as QA runs it) against a server on
127.0.0.1; faulty servers run two at a time, fail-fast, and the detection table is printed
at the end of the session.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from tests.contract_targets.faults import FAULTS, Fault
from tests.contract_targets.reference import RoomsApi
from tests.contract_targets.serve import serving
from tests.servers import PROJECT_ROOT, running_mock

RULE_LINE = re.compile(r"^\[([a-z][a-z0-9-]*)\] ", re.MULTILINE)
RUN_TIMEOUT_S = 120
PARALLEL_RUNS = 2
FAULT_OPTIONS = ("--fail-fast", "--max-examples", "5", "--seed", "20260106")


@dataclass(frozen=True)
class Run:
    """One `rooms-contract` run: its exit code, what it printed, the rules it flagged."""

    code: int
    output: str
    seconds: float

    @property
    def rules(self) -> list[str]:
        return RULE_LINE.findall(self.output)

    def tail(self) -> str:
        return self.output[-4000:]


def rooms_contract(base_url: str, *options: str) -> Run:
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-m", "contract_tests.cli", "--base-url", base_url, *options],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    output = finished.stdout + finished.stderr
    return Run(finished.returncode, output, time.monotonic() - started)


def run_against(fault: str | None, *options: str) -> Run:
    with serving(RoomsApi(fault)) as base_url:
        return rooms_contract(base_url, *options)


class DetectionTable:
    """Prints, at the end of the session, which rule caught each fault and how fast."""

    def __init__(self, runs: dict[str, Run]) -> None:
        self.runs = runs

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        write = terminalreporter.write_line
        terminalreporter.section("contract suite: detection of faulty servers")
        write(f"{'fault':32} {'flagged by':28} {'seconds':>7}")
        for fault in FAULTS:
            run = self.runs.get(fault.name)
            if run is not None:
                named = [rule for rule in run.rules if rule in fault.flagged_by]
                flagged = named[0] if run.code == 1 and named else "MISSED"
                write(f"{fault.name:32} {flagged:28} {run.seconds:7.1f}")
        caught = sum(1 for run in self.runs.values() if run.code == 1)
        write(f"{caught} of {len(self.runs)} faulty servers flagged")


@pytest.fixture(scope="session")
def fault_runs(request: pytest.FixtureRequest) -> Iterator[dict[str, Run]]:
    """The suite against every selected faulty server, two at a time, once per session."""
    selected = [
        item.callspec.params["fault"].name
        for item in request.session.items
        if hasattr(item, "callspec") and isinstance(item.callspec.params.get("fault"), Fault)
    ]
    with ThreadPoolExecutor(PARALLEL_RUNS) as pool:
        results = pool.map(lambda name: run_against(name, *FAULT_OPTIONS), selected)
        runs = dict(zip(selected, results, strict=True))
    table = DetectionTable(runs)
    request.config.pluginmanager.register(table, "rooms-contract-detection-table")
    yield runs


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_the_suite_flags_a_faulty_server(fault: Fault, fault_runs: dict[str, Run]) -> None:
    run = fault_runs[fault.name]
    assert run.code == 1, f"{fault.name} ({fault.breaks}) was not flagged:\n{run.tail()}"
    assert set(run.rules) & fault.flagged_by, (
        f"{fault.name} ({fault.breaks}) was flagged as {run.rules}, "
        f"expected one of {sorted(fault.flagged_by)}:\n{run.tail()}"
    )


def test_there_are_enough_faults_and_each_breaks_a_known_rule() -> None:
    from contract_tests.rules import RULES

    assert len(FAULTS) >= 25
    assert len({fault.name for fault in FAULTS}) == len(FAULTS)
    for fault in FAULTS:
        assert fault.flagged_by <= set(RULES), fault.name


def test_the_suite_passes_a_correct_server() -> None:
    run = run_against(None, "--max-examples", "10", "--seed", "20260106")
    assert run.code == 0, run.tail()
    assert "passed" in run.output and "failed" not in run.output


def test_the_suite_passes_the_mock() -> None:
    with running_mock("--fixtures", "none") as base_url:
        run = rooms_contract(base_url)
    assert run.code == 0, run.tail()
    assert " passed" in run.output and "failed" not in run.output
