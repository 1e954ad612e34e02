"""How stable is the stateful layer? Run it N times against a correct server, count failures.

    python -m tests.contract_targets.stability --runs 20             # the reference server
    python -m tests.contract_targets.stability --runs 20 --mock      # rooms-mock --fixtures none

Every run has its own seed; against a correct server any failure is a flaky one. Prints one
line per run and the figure, and exits 1 if any run failed.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.contract_targets.reference import RoomsApi
from tests.contract_targets.serve import serving
from tests.servers import PROJECT_ROOT, running_mock

STATEFUL = Path(PROJECT_ROOT, "contract_tests", "test_stateful.py")
RUN_TIMEOUT_S = 300


@contextmanager
def correct_server(mock: bool) -> Iterator[str]:
    if mock:
        with running_mock("--fixtures", "none") as base_url:
            yield base_url
    else:
        with serving(RoomsApi()) as base_url:
            yield base_url


def stateful_run(base_url: str, seed: int, max_examples: int) -> tuple[bool, float, str]:
    started = time.monotonic()
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(STATEFUL),
            "--base-url",
            base_url,
            "--seed",
            str(seed),
            "--max-examples",
            str(max_examples),
            "--assert=plain",
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    return finished.returncode == 0, time.monotonic() - started, finished.stdout[-3000:]


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--runs", type=int, default=20)
    cli.add_argument("--max-examples", type=int, default=25)
    cli.add_argument("--mock", action="store_true", help="run rooms-mock instead")
    args = cli.parse_args(argv)
    failed = 0
    with correct_server(args.mock) as base_url:
        for run in range(1, args.runs + 1):
            seed = random.randrange(2**32)
            passed, seconds, output = stateful_run(base_url, seed, args.max_examples)
            failed += not passed
            verdict = "passed" if passed else "FAILED"
            print(f"run {run:2}: seed {seed:10} {verdict} {seconds:5.1f} s")
            if not passed:
                print(output)
    target = "rooms-mock" if args.mock else "the reference server"
    print(f"stateful layer against {target}: {failed} flaky failure(s) in {args.runs} runs")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
