"""`rooms-contract --base-url URL`: run the whole contract suite against a live server.

The suite's options are the plugin's (`options.py`); this command adds only what pytest does
not have in these words (--workers, --junit-xml, -x/--fail-fast, --version), builds the target
once, with its spec loaded and validated and the server probed, then hands it to the plugin.
Exit 0 when the server keeps the contract, 1 when it breaks a rule, 2 when the suite could not
run (a wrong option, an unusable spec or report path, an unreachable target): a 2 comes with
one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import sys
from contextlib import chdir
from pathlib import Path
from typing import NoReturn

import pytest

from .options import OptionError, add_options, path, target_from, whole_number
from .plugin import SUITE_DIR, Handoff
from .probe import TargetError, probe

PROG = "rooms-contract"
DISTRIBUTION = "rooms-api-kit"
MAX_WORKERS = 64
HYPOTHESIS_HOME = "HYPOTHESIS_STORAGE_DIRECTORY"
PYTEST_EXITS = {2: "interrupted", 3: "internal error", 4: "usage error", 5: "no tests ran"}
PYTEST_SETTINGS = (
    f"--rootdir={SUITE_DIR}",
    "-c",
    os.devnull,  # the suite's own settings, whatever project it is run from
    "-p",
    "no:cacheprovider",
    "--assert=plain",  # the checks raise their own errors; rewriting costs seconds
    "-q",
    "-rfE",
    "-W",
    "ignore::DeprecationWarning",
    "-W",
    "ignore::pytest.PytestAssertRewriteWarning",
)


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit 2), not the usage text."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def parser() -> Parser:
    cli = Parser(
        prog=PROG,
        description="Check a Rooms API server against the spec and the behavioural contract.",
        epilog="'rooms-contract replay FAILURE --base-url URL' repeats a failure a run saved; "
        "'rooms-contract lint' and 'rooms-contract diff' check specs instead. Exit codes: "
        "0 conformant, 1 violations found, 2 usage error or target unreachable.",
    )
    add_options(cli.add_argument, command=True)
    cli.add_argument("--junit-xml", type=path, metavar="PATH", help="also write a JUnit report")
    cli.add_argument(
        "--workers",
        type=whole_number(1, MAX_WORKERS + 1),
        default=1,
        metavar="N",
        help=f"run the checks in N processes, up to {MAX_WORKERS} (pytest-xdist; default 1)",
    )
    cli.add_argument(
        "-x",
        "--fail-fast",
        action="store_true",
        help="stop at the first violation, reported as found (no shrinking)",
    )
    cli.add_argument("--version", action="version", version=f"{PROG} {version()}")
    return cli


def writable(report: Path) -> Path:
    """A path a report can be written to at the end of the run, checked before it starts."""
    if report.is_dir():
        raise OptionError(f"--junit-xml {report}: is a directory")
    if not report.parent.is_dir():
        raise OptionError(f"--junit-xml {report}: {report.parent} is not a directory")
    existed = report.exists()
    try:
        with report.open("a"):
            pass
    except OSError as error:
        raise OptionError(f"--junit-xml {report}: cannot write: {error.strerror}") from None
    if not existed:
        report.unlink()
    return report.resolve()  # the suite runs from its own folder


def pytest_args(args: argparse.Namespace) -> list[str]:
    """pytest's own options for what this command adds; the suite's go in the `Handoff`."""
    command = [str(SUITE_DIR), *PYTEST_SETTINGS]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        command += ["-p", "contract_tests.suite.plugin", "-p", "schemathesis.pytest.plugin"]
        command += ["-p", "xdist.plugin"] if args.workers > 1 else []
    if args.junit_xml:
        command.append(f"--junitxml={args.junit_xml}")
    if args.workers > 1:
        command += ["-n", str(args.workers)]
    if args.fail_fast:
        command.append("--exitfirst")
    return command


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / PROG


def error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        if args.workers > 1 and args.exclusive:
            raise UsageError("--exclusive needs --workers 1: other workers' rooms would move")
        if args.workers > 1 and importlib.util.find_spec("xdist") is None:
            raise UsageError("--workers needs pytest-xdist: pip install pytest-xdist")
        if args.junit_xml:
            args.junit_xml = writable(args.junit_xml)
        target = target_from(vars(args), fail_fast=args.fail_fast)
    except UsageError as problem:
        return error(f"{problem} (see {PROG} --help)")
    except OptionError as problem:
        return error(str(problem))
    assert target is not None  # --base-url is required
    try:
        target = probe(target)
    except TargetError as problem:
        return error(str(problem))
    # Hypothesis keeps a cache under its home directory: keep it out of the user's project.
    os.environ.setdefault(HYPOTHESIS_HOME, str(cache_dir() / "hypothesis"))
    with chdir(SUITE_DIR):  # failures then read `test_behaviour.py::test_...`
        progress = sys.stdout.isatty() and args.workers == 1
        command = pytest_args(args) + (["-o", "console_output_style=classic"] if progress else [])
        code = int(pytest.main(command, plugins=[Handoff(target, progress=progress)]))
    if code in (0, 1):
        return code
    return error(f"the suite did not run to its end ({PYTEST_EXITS.get(code, code)})")
