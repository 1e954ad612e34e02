"""The contract suite as a pytest plugin: `pytest contract_tests --base-url URL`, and the engine
of `rooms-contract`, which hands it a target already built and probed (`Handoff`).

Loaded in every pytest session of any environment with the kit installed, so it costs nothing
until asked: at import it loads pytest and the standard library only (as Hypothesis' own plugin
does), and the suite's HTTP client, Schemathesis and the spec are imported only once a session
has a target. Without one the suite's modules are not even collected.

The options are `options.py`'s table. A target comes, in this order of precedence, from
`rooms-contract` (a `Handoff`), from the xdist controller (a worker's `workerinput`), or from
the options, built and probed here: bad values are usage errors, an unusable target exit 2.

The suite's tests run at once in a thread pool (`pool.py`: this plugin's `pytest_runtestloop`
and `pytest_pyfunc_call`). At the end the controller (or the only process) has the run's
record (`run_record.py`: the journal, each worker's merged in, and every test's report) and
prints the coverage matrix, writes the reports asked for and saves every failure for replay.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from _pytest._code.code import TerminalRepr  # what pytest's reports expect of a longrepr

from .options import OptionError, add_options, target_from
from .target import Target, configure, configured, current

if TYPE_CHECKING:
    from _pytest._io import TerminalWriter

    from .client import ApiClient
    from .violation import Violation

SUITE_DIR = Path(__file__).resolve().parent
TARGET_KEY = "rooms_contract_target"
GATE_KEY = "rooms_contract_gate"
"""The folder whose files the xdist workers of one run lock together (gate.py's `share`)."""
_GATE_FOLDER: str | None = None  # the controller's, made for the first worker, removed at the end
VIOLATION_KEY = "rooms_contract_violation"
"""The report attribute that carries a failure's violation as JSON (it crosses xdist)."""
RULE_PROPERTY = "rooms_contract_rule"
"""The JUnit property that names each rule a failure breaks."""
JOURNAL_KEY = "rooms_contract_journal"
"""What an xdist worker hands the controller at its end: its journal, as data."""
RANDOM_IN_STRATEGIES = "Do not use the `random` module inside strategies"
"""Hypothesis' note when the global PRNG moved during a draw: under threads another check moved
it, not the strategy (and Schemathesis' own generation uses it)."""


@dataclass
class RunLog:
    """Every suite test's report, as the controller sees it (plain data: it crosses xdist)."""

    started: float = field(default_factory=time.time)
    tests: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, report: pytest.TestReport) -> None:
        seen = self.tests.setdefault(
            report.nodeid,
            {"outcome": "passed", "seconds": 0.0, "text": "", "violation": None},
        )
        seen["seconds"] += report.duration
        violation = getattr(report, VIOLATION_KEY, None)
        if violation is not None:
            seen.update(outcome="failed", violation=violation)
        elif report.failed:
            seen.update(outcome="error", text=str(report.longrepr))
        elif report.skipped and seen["outcome"] == "passed":
            seen.update(outcome="skipped", text=_skip_reason(report))


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr or "")


RUN_LOG = RunLog()


class Handoff:
    """A target `rooms-contract` built, validated and probed: `pytest.main(args,
    plugins=[Handoff(target)])` runs the suite on it, and the plugin builds nothing itself.
    `progress`: draw a progress line (the command is on a terminal)."""

    def __init__(self, target: Target, *, progress: bool = False) -> None:
        self.target = target
        self.progress = progress


def progress_asked(config: pytest.Config) -> bool:
    return any(
        isinstance(plugin, Handoff) and plugin.progress
        for plugin in config.pluginmanager.get_plugins()
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rooms-contract", "Rooms API contract suite")
    add_options(group.addoption, command=False)


def session_target(config: pytest.Config) -> Target | None:
    """The session's target, built and probed only when no one else did."""
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, Handoff):
            return plugin.target
    workerinput = getattr(config, "workerinput", {})
    if TARGET_KEY in workerinput:
        return Target.from_data(workerinput[TARGET_KEY])
    try:
        # -x or --maxfail N: stop at the first violation, reported as found.
        target = target_from(vars(config.option), fail_fast=bool(config.option.maxfail))
    except OptionError as error:
        raise pytest.UsageError(str(error)) from None
    if target is not None:
        from .probe import TargetError, probe

        try:
            target = probe(target)
        except TargetError as error:
            pytest.exit(f"rooms-contract: {error}", returncode=2)
    return target


def _is_suite_path(path: Path) -> bool:
    """The suite's folder, a file in it, or the `contract_tests` package that holds it."""
    return path in (SUITE_DIR, SUITE_DIR.parent) or SUITE_DIR in path.parents


def pytest_configure(config: pytest.Config) -> None:
    target = session_target(config)
    configure(target)
    gate = getattr(config, "workerinput", {}).get(GATE_KEY)
    if gate is not None:  # an xdist worker: its gate holds with the other workers' (gate.py)
        from .gate import ROOMS

        ROOMS.share(gate)
    if target is None and any(
        _is_suite_path(Path(arg.split("::", 1)[0]).resolve()) for arg in config.args
    ):
        raise pytest.UsageError("the contract suite needs --base-url URL (with the /api/v1)")
    if target is not None:
        from .journal import JOURNAL

        global RUN_LOG
        RUN_LOG = RunLog()
        JOURNAL.reset()
        JOURNAL.start(
            target.spec, target.base_url, keep=bool({"har", "ndjson"} & set(target.reports))
        )
        warnings.filterwarnings("ignore", RANDOM_IN_STRATEGIES)
        config.addinivalue_line("filterwarnings", f"ignore:{RANDOM_IN_STRATEGIES}")


def pytest_unconfigure(config: pytest.Config) -> None:
    configure(None)
    global _GATE_FOLDER
    if _GATE_FOLDER is not None:
        import shutil

        shutil.rmtree(_GATE_FOLDER, ignore_errors=True)
        _GATE_FOLDER = None


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """The suite's tests at once, in a pool (`pool.py`), when the session has more than one
    thread for them."""
    target = configured()
    if target is None or session.config.option.collectonly:
        return None
    from .pool import pool_size, run_all

    threads = pool_size(session.config, target)
    if threads < 1 or (
        session.testsfailed and not session.config.option.continue_on_collection_errors
    ):
        return None
    progress = None
    if progress_asked(session.config):
        from .progress import Progress

        progress = Progress(session.config.get_terminal_writer())
    run_all(session, target, threads, progress)
    return True


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    """With the progress line, no per-test letters (they would run into it)."""
    if configured() is None or not progress_asked(config):
        return None
    if report.when == "call" or report.failed:
        outcome = "error" if report.failed and report.when != "call" else report.outcome
        return outcome, "", outcome.upper()
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """A suite test's call: its outcome from the pool, or the test run now (`pool.run_test`)."""
    target = configured()
    if target is None:
        return None
    from .pool import hand_over, runs_here

    if not runs_here(pyfuncitem):
        return None
    hand_over(pyfuncitem, target)
    return True


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker tests the controller's target, with its seed."""
    target = configured()
    if target is not None:
        node.workerinput[TARGET_KEY] = target.as_data()
        node.workerinput[GATE_KEY] = _gate_folder()


def _gate_folder() -> str:
    """Where the run's workers lock files to hold the room set still together (gate.py)."""
    global _GATE_FOLDER
    if _GATE_FOLDER is None:
        from .gate import shared_folder

        _GATE_FOLDER = shared_folder()
    return _GATE_FOLDER


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The suite's modules run only against a target."""
    if configured() is None and _is_suite_path(collection_path):
        return True
    return None


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The coverage matrix and the run's summary, the reports and the failures saved, then the
    seed (the controller, or the only process)."""
    target = configured()
    if target is None or hasattr(config, "workerinput"):
        return
    from .closing import close_run

    for line in close_run(target, RUN_LOG.started, RUN_LOG.tests, _version()):
        terminalreporter.write_line(line)
    seed = target.seed
    terminalreporter.write_line(f"rooms-contract: seed {seed} (repeat with --seed {seed})")


def _version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("rooms-api-kit")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Delete every room the suite created and did not delete itself; a worker hands its
    journal to the controller."""
    if configured() is None:
        return
    from .client import LEDGER, ApiClient, close_shared
    from .journal import JOURNAL
    from .schema import close_sessions

    live = LEDGER.snapshot()[1]
    if live:
        client = ApiClient(current(), LEDGER)
        try:
            client.delete_all(live)
        finally:
            client.close()
    close_shared()
    close_sessions()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[JOURNAL_KEY] = JOURNAL.as_data()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist's controller: a worker's journal joins the run's."""
    data = getattr(node, "workeroutput", {}).get(JOURNAL_KEY)
    if configured() is not None and data is not None:
        from .journal import JOURNAL

        JOURNAL.merge(data)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each Schemathesis test its operation in its node id (`test_x[POST /rooms]`).

    With pytest 9, Schemathesis' items all get the bare function's id, which xdist and
    JUnit reports cannot tell apart.
    """
    if configured() is None:
        return
    for item in items:
        if item.parent is None or item.nodeid.endswith(item.name) or "[" not in item.name:
            continue
        function, _, params = item.name.partition("[")
        item._id = item.parent.id.child(function).with_params(params[:-1])


# --- reports: a failure is its violation, rendered once, with no traceback -------------------


@dataclass(frozen=True)
class Crash:
    """What pytest's short summary, `--tb=line` and JUnit's `message` read of a failure."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(eq=False)
class ViolationRepr(TerminalRepr):
    """A violation as a report's `longrepr`: `render.py`'s text, and its headline."""

    text: str
    reprcrash: Crash

    @classmethod
    def of(cls, violation: Violation) -> ViolationRepr:
        from .render import headline, render

        return cls(render(violation), Crash(headline(violation)))

    def toterminal(self, tw: TerminalWriter) -> None:
        for line in self.text.splitlines():
            tw.line(line)


def describe(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """Read a failed test's error as a violation and make it the report (and name its rules
    in the item's properties, which JUnit writes)."""
    if configured() is None or call.excinfo is None or report.passed:
        return
    from .pool import OUTCOME, layer_of
    from .reporting import no_answer, violation_of, with_scope

    violation = violation_of(call.excinfo.value)
    if violation is not None:
        outcome = item.stash.get(OUTCOME, None)
        scope = outcome.scope if outcome is not None else None
        violation = with_scope(violation, item.nodeid, layer_of(item), scope)
        report.longrepr = ViolationRepr.of(violation)
        setattr(report, VIOLATION_KEY, violation.as_data())
        item.user_properties += [(RULE_PROPERTY, rule.id) for rule in violation.rules]
    else:
        report.longrepr = no_answer(call.excinfo.value) or report.longrepr


def restore(report: pytest.TestReport) -> None:
    """Make the report's violation its longrepr again, after another plugin rewrote it or
    xdist carried it over as text."""
    data = getattr(report, VIOLATION_KEY, None)
    if data is not None:
        from .violation import Violation

        report.longrepr = ViolationRepr.of(Violation.from_data(data))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    describe(item, call, report)  # before JUnit and xdist read the report
    if call.when == "call" and configured() is not None:
        from .pool import OUTCOME

        outcome = item.stash.get(OUTCOME, None)
        if outcome is not None:
            report.duration = outcome.seconds
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """On an xdist controller, before the terminal and JUnit read a worker's report; and every
    suite test's report joins the run's log (the controller's, or the only process's)."""
    if configured() is None:
        return
    if isinstance(report.longrepr, str):
        restore(report)
    RUN_LOG.add(report)


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(
    node: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> None:
    """Again, after Schemathesis' plugin rewrote the report."""
    if configured() is None or call.excinfo is None:
        return
    if hasattr(report, VIOLATION_KEY):
        restore(report)
    else:
        from .reporting import no_answer

        report.longrepr = no_answer(call.excinfo.value) or report.longrepr


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def contract_target() -> Target:
    return current()


@pytest.fixture(scope="session")
def api(contract_target: Target) -> Iterator[ApiClient]:
    """A client of the target that records what it sends; rooms it creates are deleted."""
    from .client import LEDGER, ApiClient

    client = ApiClient(contract_target, LEDGER)
    yield client
    client.close()
