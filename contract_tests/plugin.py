"""The contract suite as a pytest plugin: `pytest contract_tests --base-url URL`.

Loaded in every pytest session of an environment where the kit is installed, so it does
nothing until `--base-url` is given: without it the suite's modules are not even collected.
"""

from __future__ import annotations

import random
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from .client import LEDGER, ApiClient
from .target import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_REQUEST_TIMEOUT_S,
    Target,
    TargetError,
    check_base_url,
    configure,
    current,
    parse_header,
    probe,
)

SUITE_DIR = Path(__file__).resolve().parent
SEED_KEY = "rooms_contract_seed"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rooms-contract", "Rooms API contract suite")
    group.addoption(
        "--base-url",
        metavar="URL",
        help="the server to test, with its base path: http://127.0.0.1:4010/api/v1",
    )
    group.addoption(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header with every request (repeatable), e.g. for auth",
    )
    group.addoption(
        "--max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
        help=f"generated examples per operation and per check (default {DEFAULT_MAX_EXAMPLES})",
    )
    group.addoption("--seed", type=int, metavar="N", help="repeat a run exactly")
    group.addoption("--spec", metavar="PATH", help="the OpenAPI spec (default: the bundled one)")
    group.addoption(
        "--request-timeout",
        type=float,
        default=DEFAULT_REQUEST_TIMEOUT_S,
        metavar="SECONDS",
        help=f"give up on a request after this long (default {DEFAULT_REQUEST_TIMEOUT_S:g})",
    )


def target_from(config: pytest.Config) -> Target | None:
    """The target the options describe, or None without --base-url; bad options are usage errors."""
    base_url = config.getoption("base_url")
    if not base_url:
        return None
    spec = config.getoption("spec")
    try:
        target = Target(
            base_url=check_base_url(base_url),
            headers=dict(parse_header(text) for text in config.getoption("header")),
            max_examples=config.getoption("max_examples"),
            seed=session_seed(config),
            spec_path=Path(spec) if spec else None,
            request_timeout=config.getoption("request_timeout"),
            fail_fast=bool(config.getoption("maxfail")),  # -x or --maxfail N
        )
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    if target.max_examples < 1 or target.request_timeout <= 0:
        raise pytest.UsageError("--max-examples and --request-timeout must be positive")
    if target.spec_path is not None and not target.spec_path.is_file():
        raise pytest.UsageError(f"--spec {spec}: no such file")
    return target


def session_seed(config: pytest.Config) -> int:
    """--seed, else one drawn now (xdist workers get the controller's), so any run can repeat."""
    seed = config.getoption("seed")
    if seed is not None:
        return seed
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and SEED_KEY in workerinput:
        return workerinput[SEED_KEY]
    return random.randrange(2**32)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker uses the controller's seed."""
    node.workerinput[SEED_KEY] = current().seed


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if config.getoption("base_url") and not hasattr(config, "workerinput"):
        seed = current().seed
        terminalreporter.write_line(f"rooms-contract: seed {seed} (repeat with --seed {seed})")


def _is_suite_path(path: Path) -> bool:
    return path == SUITE_DIR or SUITE_DIR in path.parents


def pytest_configure(config: pytest.Config) -> None:
    target = target_from(config)
    configure(target)
    if target is None and any(
        _is_suite_path(Path(arg.split("::", 1)[0]).resolve()) for arg in config.args
    ):
        raise pytest.UsageError("the contract suite needs --base-url URL (with the /api/v1)")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The suite's modules run only against a target."""
    if config.getoption("base_url") is None and _is_suite_path(collection_path):
        return True
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if config.getoption("base_url") is None or hasattr(config, "workerinput"):
        return
    try:
        probe(current())
    except TargetError as error:
        pytest.exit(f"rooms-contract: {error}", returncode=2)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Delete every room the suite created and did not delete itself."""
    if session.config.getoption("base_url") is None or not LEDGER.live:
        return
    client = ApiClient(current(), LEDGER)
    try:
        client.delete_all(set(LEDGER.live))
    finally:
        client.close()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each Schemathesis test its operation in its node id (`test_x[POST /rooms]`).

    With pytest 9, Schemathesis' items all get the bare function's id, which xdist and
    JUnit reports cannot tell apart.
    """
    for item in items:
        if item.parent is None or item.nodeid.endswith(item.name) or "[" not in item.name:
            continue
        function, _, params = item.name.partition("[")
        item._id = item.parent.id.child(function).with_params(params[:-1])  # type: ignore[attr-defined]


def describe_failure(call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """Show a broken rule as the rule, the curl lines and the response, without a traceback."""
    if call.excinfo is None or report.passed:
        return
    from .reporting import describe  # imports Schemathesis: only when a test failed

    text = describe(call.excinfo.value)
    if text is not None:
        report.longrepr = text


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    describe_failure(call, report)  # before JUnit and xdist read the report
    return report


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(
    node: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> None:
    describe_failure(call, report)  # again, after Schemathesis' plugin rewrote it


@pytest.fixture(scope="session")
def contract_target() -> Target:
    return current()


@pytest.fixture(scope="session")
def api(contract_target: Target) -> Iterator[ApiClient]:
    """A client of the target that records what it sends; rooms it creates are deleted."""
    client = ApiClient(contract_target, LEDGER)
    yield client
    client.close()
