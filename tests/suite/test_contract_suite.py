"""The contract suite tested on servers whose faults are known: it passes a correct server and
the mock, flags every faulty one with a rule that names the fault, and every rule it has is
one that some faulty server is caught by.

Each run is `rooms-contract` in its own process (as QA runs it) against a server on
127.0.0.1; faulty servers run two at a time per process, fail-fast, each once per session
however many xdist workers there are, and the detection table is printed at the end of the
session (without xdist: its workers' summaries are not shown).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import pytest

from contract_tests.suite.rules import RULES
from tests.contract_targets.faults import FAULTS, Fault
from tests.contract_targets.reference import RoomsApi
from tests.contract_targets.serve import serving
from tests.suite.shared import claim, compute, result, shared_folder
from tests.support.servers import PROJECT_ROOT, running_mock

RULE_LINE = re.compile(r"^\[([a-z][a-z0-9-]*)\] ", re.MULTILINE)
RUN_TIMEOUT_S = 120
PARALLEL_RUNS = 2
FAULT_OPTIONS = ("--fail-fast", "--max-examples", "5", "--seed", "20260106")
SUITE_DIR = PROJECT_ROOT / "contract_tests" / "suite"
# Rules a fail-fast run never reports first (another rule catches the fault sooner), each
# shown by running one layer alone, with plain pytest, against a fault that breaks it.
LAYER_RUNS = {"documented-headers": ("test_schema.py", "location-missing")}


@dataclass(frozen=True)
class Run:
    """One `rooms-contract` run: its exit code, what it printed, the rules it flagged."""

    code: int
    output: str
    seconds: float

    @property
    def rules(self) -> list[str]:
        return RULE_LINE.findall(self.output)

    def caught(self, fault: Fault) -> list[str]:
        """The rules of the fault this run flagged it with, in the order it reported them."""
        return [rule for rule in self.rules if rule in fault.flagged_by] if self.code == 1 else []

    def tail(self) -> str:
        return self.output[-4000:]


def timed(*command: str) -> Run:
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    output = finished.stdout + finished.stderr
    return Run(finished.returncode, output, time.monotonic() - started)


def rooms_contract(base_url: str, *options: str) -> Run:
    return timed("contract_tests.cli", "--base-url", base_url, *options)


def run_against(fault: Fault | None, *options: str) -> Run:
    with serving(RoomsApi() if fault is None else fault.server()) as base_url:
        return rooms_contract(base_url, *options, *(fault.options if fault else ()))


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
                flagged = (run.caught(fault) or ["MISSED"])[0]
                write(f"{fault.name:32} {flagged:28} {run.seconds:7.1f}")
        caught = sum(1 for run in self.runs.values() if run.code == 1)
        write(f"{caught} of {len(self.runs)} faulty servers flagged")


def selected_faults(session: pytest.Session) -> list[Fault]:
    """The faults this session's tests need: those of its selected items, or all of them
    when the test of every rule is selected."""
    names = {item.name.partition("[")[0] for item in session.items}
    if test_every_rule_is_caught_by_some_faulty_server.__name__ in names:
        return list(FAULTS)
    return [
        item.callspec.params["fault"]
        for item in session.items
        if hasattr(item, "callspec") and isinstance(item.callspec.params.get("fault"), Fault)
    ]


@pytest.fixture(scope="session")
def fault_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Run]]:
    """The suite against every selected faulty server, two at a time, each once per session
    (an xdist worker runs the faults it claims first, then reads the others' runs)."""
    selected = selected_faults(request.session)
    folder = shared_folder(tmp_path_factory, "fault-runs")

    def mine(fault: Fault) -> Run | None:
        if not claim(folder, fault.name):
            return None
        return Run(
            **compute(folder, fault.name, lambda: asdict(run_against(fault, *FAULT_OPTIONS)))
        )

    with ThreadPoolExecutor(PARALLEL_RUNS) as pool:
        ran = dict(zip([fault.name for fault in selected], pool.map(mine, selected), strict=True))
    wait_s = RUN_TIMEOUT_S * len(selected)
    runs = {name: run or Run(**result(folder, name, wait_s)) for name, run in ran.items()}
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


def test_every_rule_is_caught_by_some_faulty_server(fault_runs: dict[str, Run]) -> None:
    """No rule of the suite is dead: a faulty server gets caught by it, or, for a rule a
    fail-fast run always finds something else first, a run of its layer alone reports it."""
    caught = {rule for fault in FAULTS for rule in fault_runs[fault.name].caught(fault)}
    never = sorted(set(RULES) - caught - set(LAYER_RUNS))
    assert not never, f"no faulty server is caught by {never}: add a fault to faults.py"


@pytest.mark.parametrize("rule", sorted(LAYER_RUNS))
def test_a_layer_alone_reports_what_fail_fast_finds_later(rule: str) -> None:
    """The plain pytest plugin, one layer of the suite, a fault: the rule is in the report."""
    module, name = LAYER_RUNS[rule]
    fault = next(fault for fault in FAULTS if fault.name == name)
    assert rule in fault.flagged_by
    with serving(fault.server()) as base_url:
        run = timed(
            "pytest",
            str(SUITE_DIR / module),
            "--base-url",
            base_url,
            *FAULT_OPTIONS[1:],
            "-q",
            "-p",
            "no:cacheprovider",
        )
    assert run.code == 1, run.tail()
    assert rule in run.rules, f"{name} on {module} reported {run.rules}:\n{run.tail()}"
    assert "Traceback" not in run.output, run.tail()


def test_there_are_enough_faults_and_each_breaks_a_known_rule() -> None:
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
