"""The suite's checks at once: every test of the suite runs in a thread pool of `--concurrency`
threads inside the pytest session, and pytest reports each as it finishes.

Against a server across a network the run is waiting, not working: each check sends its
requests one after another (a Hypothesis example is a sequence), but the checks are
independent, so they go on side by side, each with its own client over one keep-alive pool,
heaviest first (`budget.weighted`; with fail-fast, in pytest's order). What a seed fixes
stays fixed: each test draws its own examples from the run's seed, whatever runs beside it.
Checks that read List across several requests hold the room set still meanwhile (`gate.py`).

pytest itself stays in the main thread: a test's function runs in a worker thread, and when it
is done the main thread runs pytest's usual protocol for it (setup, call, teardown, reports),
whose call hands over the outcome (`pytest_pyfunc_call`). `--concurrency 1` is one thread: the
tests one after another. Under xdist every test runs in pytest's own loop, through the same
`run_test`.
With fail-fast the first failure (in pytest's order) stops the others at their next request
(`gate.STOP`).
"""

from __future__ import annotations

import ast
import functools
import inspect
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis.reporting import with_reporter

from .budget import weight_of
from .client import LEDGER, SWEEPER, ApiClient
from .gate import STOP
from .journal import JOURNAL, Scope, scope
from .progress import EVERY_S, Progress
from .target import Target

OUTCOME = pytest.StashKey["Outcome"]()
LAYERS = {
    "test_behaviour": "behaviour",
    "test_schema": "schema",
    "test_stateful": "stateful",
    "test_near_miss": "near-miss",
    "test_concurrency": "concurrency",
    "test_exclusive": "exclusive",
    "test_reference_model": "differential",
}


@dataclass(frozen=True)
class Outcome:
    """How a test's function ended in its thread, and what it sent (its scope)."""

    error: BaseException | None
    scope: Scope
    seconds: float
    """How long the test's function ran (its report's duration: the call phase only hands it
    over)."""


def layer_named(nodeid: str) -> str:
    """The layer of a test, by the module its node id names."""
    return LAYERS.get(Path(nodeid.split("::", 1)[0]).stem, "other")


def layer_of(item: pytest.Item) -> str:
    return LAYERS.get(Path(str(item.path)).stem, "other")


def _quiet(_: object) -> None:
    """Hypothesis' reports of a test in a thread: the failure itself says what broke."""


def run_test(item: pytest.Item, target: Target) -> Outcome:
    """Call the test's function in this thread, with the suite's own arguments: its own client
    as `api`, the target as `contract_target`."""
    assert isinstance(item, pytest.Function)  # runs_here
    names = inspect.signature(item.obj).parameters
    client = ApiClient(target, LEDGER) if "api" in names else None
    provided = {"api": client, "contract_target": target}
    started = time.monotonic()
    with scope(item.nodeid, layer_of(item)) as current, with_reporter(_quiet):
        try:
            item.obj(**{name: provided[name] for name in names})
        except BaseException as error:
            return Outcome(error, current, time.monotonic() - started)
        finally:
            if client is not None:
                client.close()
    return Outcome(None, current, time.monotonic() - started)


def runs_here(item: pytest.Item) -> bool:
    """A test of the suite whose arguments the suite provides."""
    if not isinstance(item, pytest.Function) or layer_of(item) == "other":
        return False
    try:
        names = inspect.signature(item.obj).parameters
    except (TypeError, ValueError):
        return False
    return set(names) <= {"api", "contract_target"}


def hand_over(item: pytest.Function, target: Target) -> None:
    """The call phase of a suite test: its outcome from the pool, or run it now."""
    outcome = item.stash.get(OUTCOME, None)
    if outcome is None:
        outcome = run_test(item, target)
        item.stash[OUTCOME] = outcome
    if outcome.error is not None:
        raise outcome.error


@contextmanager
def one_parse_at_a_time() -> Iterator[None]:
    """`ast.parse` behind a lock while the checks run at once.

    CPython 3.11 keeps the AST converter's recursion depth per interpreter, not per thread, so
    two threads parsing at once (pytest rewriting a module a check imports late, Hypothesis
    reading a lambda's source to name a strategy) fail with "SystemError: AST constructor
    recursion depth mismatch" (python/cpython#106905)."""
    original = ast.parse
    lock = threading.RLock()

    @functools.wraps(original)
    def parse(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(*args, **kwargs)

    ast.parse = parse
    try:
        yield
    finally:
        ast.parse = original


@contextmanager
def environment_left_alone() -> Iterator[None]:
    """pytest's `PYTEST_CURRENT_TEST` left as it is while the checks run at once.

    pytest sets that variable around each test and deletes it after, in the main thread, while
    the checks' threads read the environment (requests looks up the proxy variables on every
    request). `os.environ` is not safe for that: a key deleted while another thread iterates it
    makes that thread's `os.environ.items()` raise KeyError, in the middle of a check. While
    the pool runs, pytest's updater (`_pytest.runner._update_current_test_var`, the one place
    it changes the environment) does nothing; the variable could not name one test anyway when
    many run."""
    import _pytest.runner as runner

    original = getattr(runner, "_update_current_test_var", None)
    if original is None:  # another pytest: nothing to hold
        yield
        return
    runner._update_current_test_var = lambda item, when: None
    try:
        yield
    finally:
        runner._update_current_test_var = original


def run_all(
    session: pytest.Session, target: Target, threads: int, progress: Progress | None = None
) -> None:
    """pytest's run loop, with the suite's tests in a pool, reported as they finish."""
    items = [
        item for item in session.items if isinstance(item, pytest.Function) and runs_here(item)
    ]
    rest = [item for item in session.items if item not in items]
    # heaviest first, else in pytest's order; fail-fast in pytest's order: the run stops at
    # the first failure in that order, so the tests before it are the ones to finish first
    ordered = (
        items
        if target.fail_fast
        else sorted(items, key=lambda item: -weight_of(getattr(item, "obj", None)))
    )
    with one_parse_at_a_time(), environment_left_alone():
        _run_at_once(session, target, threads, ordered, progress)
    for index, other in enumerate(rest):
        follows = rest[index + 1] if index + 1 < len(rest) else None
        other.config.hook.pytest_runtest_protocol(item=other, nextitem=follows)
        _stop_if_asked(session)


def _run_at_once(
    session: pytest.Session,
    target: Target,
    threads: int,
    ordered: Sequence[pytest.Item],
    progress: Progress | None,
) -> None:
    rest = [item for item in session.items if item not in ordered]
    STOP.clear()
    SWEEPER.start(target)
    executor = ThreadPoolExecutor(threads, thread_name_prefix="rooms-contract")
    try:
        futures: dict[pytest.Item, Future[Outcome]] = {
            item: executor.submit(run_test, item, target) for item in ordered
        }
        _report_in_order(session, futures, rest, progress)
    finally:
        STOP.set()
        executor.shutdown(wait=True, cancel_futures=True)
        STOP.clear()
        SWEEPER.drain()


def _report_in_order(
    session: pytest.Session,
    futures: dict[pytest.Item, Future[Outcome]],
    rest: list[pytest.Item],
    progress: Progress | None,
) -> None:
    """Each test reported in pytest's order once it is done, while the later ones go on: a run
    repeated with its seed reads the same, and fail-fast stops at the failure a run one test
    after another would stop at (the tests after it are stopped, not reported)."""
    items = [item for item in session.items if item in futures]
    total = Counter(layer_of(item) for item in items)
    for index, item in enumerate(items):
        while progress is not None and not futures[item].done():
            done = [i for i, f in futures.items() if f.done()]
            failures = sum(1 for i in done if futures[i].result().error is not None)
            progress.show(Counter(map(layer_of, done)), total, JOURNAL.total, failures)
            wait([futures[item]], timeout=EVERY_S)
        if progress is not None:
            progress.clear()
        item.stash[OUTCOME] = futures[item].result()
        follows = items[index + 1] if index + 1 < len(items) else (rest[0] if rest else None)
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=follows)
        _stop_if_asked(session)


def _stop_if_asked(session: pytest.Session) -> None:
    if session.shouldfail:
        raise session.Failed(session.shouldfail)
    if session.shouldstop:
        raise session.Interrupted(session.shouldstop)


def pool_size(config: pytest.Config, target: Target) -> int:
    """Threads for this session; none under xdist (its workers are the concurrency: each runs
    its tests in pytest's own loop)."""
    if hasattr(config, "workerinput") or getattr(config.option, "numprocesses", None):
        return 0
    return target.concurrency
