"""`rooms-contract --base-url URL`: run the whole contract suite against a live server.

Exit 0 when the server keeps the contract, 1 when it breaks a rule, 2 when the suite could
not run (a wrong option, an unreachable target); a 2 comes with one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from contextlib import chdir
from pathlib import Path
from typing import NoReturn

import pytest

from .target import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_REQUEST_TIMEOUT_S,
    Target,
    TargetError,
    check_base_url,
    parse_header,
    probe,
)

PROG = "rooms-contract"
SUITE_DIR = Path(__file__).resolve().parent
HYPOTHESIS_HOME = "HYPOTHESIS_STORAGE_DIRECTORY"
PYTEST_EXITS = {2: "interrupted", 3: "internal error", 4: "usage error", 5: "no tests ran"}


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit 2), not the usage text."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def positive(kind: type[int] | type[float]) -> object:
    def convert(text: str) -> int | float:
        value = kind(text)
        if value <= 0:
            raise ValueError(text)
        return value

    convert.__name__ = f"positive {kind.__name__}"
    return convert


def parser() -> Parser:
    cli = Parser(
        prog=PROG,
        description="Check a Rooms API server against the spec and the behavioural contract.",
        epilog="'rooms-contract lint' and 'rooms-contract diff' check specs instead. "
        "Exit codes: 0 conformant, 1 violations found, 2 usage error or target unreachable.",
    )
    cli.add_argument(
        "--base-url",
        required=True,
        metavar="URL",
        help="the server, with the API's base path: http://127.0.0.1:4010/api/v1",
    )
    cli.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header with every request (repeatable), e.g. 'Authorization: Bearer T'",
    )
    cli.add_argument(
        "--max-examples",
        type=positive(int),
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
        help=f"generated examples per operation and per check (default {DEFAULT_MAX_EXAMPLES})",
    )
    cli.add_argument(
        "--seed", type=int, metavar="N", help="repeat a run exactly (each run prints its seed)"
    )
    cli.add_argument("--junit-xml", metavar="PATH", help="also write a JUnit XML report here")
    cli.add_argument(
        "--workers",
        type=positive(int),
        default=1,
        metavar="N",
        help="run the checks in N processes (pytest-xdist; default 1)",
    )
    cli.add_argument("--spec", metavar="PATH", help="the OpenAPI spec (default: the bundled one)")
    cli.add_argument(
        "--request-timeout",
        type=positive(float),
        default=DEFAULT_REQUEST_TIMEOUT_S,
        metavar="SECONDS",
        help=f"give up on a request after this long (default {DEFAULT_REQUEST_TIMEOUT_S:g})",
    )
    cli.add_argument(
        "-x",
        "--fail-fast",
        action="store_true",
        help="stop at the first violation, reported as found (no shrinking)",
    )
    return cli


def target_of(args: argparse.Namespace) -> Target:
    """The target the options describe; a ValueError names the option that is wrong."""
    headers = dict(parse_header(text) for text in args.header)
    target = Target(
        base_url=check_base_url(args.base_url),
        headers=headers,
        max_examples=args.max_examples,
        seed=args.seed,
        request_timeout=args.request_timeout,
        fail_fast=args.fail_fast,
    )
    if args.spec is not None and not Path(args.spec).is_file():
        raise ValueError(f"--spec {args.spec}: no such file")
    if args.workers > 1 and importlib.util.find_spec("xdist") is None:
        raise ValueError("--workers needs pytest-xdist: pip install pytest-xdist")
    return target


def pytest_args(args: argparse.Namespace) -> list[str]:
    """The pytest command line that runs the suite as `args` ask."""
    command = [
        str(SUITE_DIR),
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
        "--base-url",
        args.base_url,
        "--max-examples",
        str(args.max_examples),
        "--request-timeout",
        str(args.request_timeout),
    ]
    for header in args.header:
        command += ["--header", header]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    if args.spec is not None:
        command += ["--spec", str(Path(args.spec).resolve())]
    if args.junit_xml:
        command += [f"--junitxml={Path(args.junit_xml).resolve()}"]
    if args.workers > 1:
        command += ["-n", str(args.workers)]
    if args.fail_fast:
        command += ["--exitfirst"]
    return command


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / PROG


def error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        target = target_of(args)
    except (UsageError, ValueError) as problem:
        return error(f"{problem} (see {PROG} --help)")
    try:
        probe(target)
    except TargetError as problem:
        return error(str(problem))
    # Hypothesis keeps a cache under its home directory: keep it out of the user's project.
    os.environ.setdefault(HYPOTHESIS_HOME, str(cache_dir() / "hypothesis"))
    command = pytest_args(args)
    with chdir(SUITE_DIR):  # failures then read `test_behaviour.py::test_...`
        code = int(pytest.main(command))
    if code in (0, 1):
        return code
    return error(f"the suite did not run to its end ({PYTEST_EXITS.get(code, code)})")
