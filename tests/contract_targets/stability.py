"""How stable is the suite against correct servers? Run it N times, count failures.

    python -m tests.contract_targets.stability --runs 20             # the stateful layer
    python -m tests.contract_targets.stability --runs 20 --mock      # ... on rooms-mock
    python -m tests.contract_targets.stability --runs 20 --layer concurrency --layer near-miss
                                                                     # other layers, alone
    python -m tests.contract_targets.stability --variants --runs 20  # the whole suite, every
                                                                     # correct variant and
                                                                     # rooms-mock
    python -m tests.contract_targets.stability --only slow-25ms --runs 1 --seed 42  # repeat
    python -m tests.contract_targets.stability --only rooms-mock --concurrency 8  # checks at once
    python -m tests.contract_targets.stability --only rooms-mock-redis-2-workers --runs 20

Every run has its own seed; against a correct server any failure is a false alarm. Prints
one line per run and the figures, and exits 1 if any run failed.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from tests.contract_targets.reference import RoomsApi
from tests.contract_targets.serve import serving
from tests.contract_targets.variants import (
    BY_NAME,
    MOCKS,
    ROOMS_MOCK,
    VARIANTS,
    SuiteRun,
    Variant,
    run_suite,
    schedule,
)
from tests.support.servers import PROJECT_ROOT, running_mock

SUITE = Path(PROJECT_ROOT, "contract_tests", "suite")
LAYER_MODULES = {
    "stateful": "test_stateful.py",
    "concurrency": "test_concurrency.py",
    "near-miss": "test_near_miss.py",
    "exclusive": "test_exclusive.py",
    "differential": "test_reference_model.py",
}
"""The layers a run can take alone, by the module that holds each."""
RUN_TIMEOUT_S = 300


@contextmanager
def correct_server(mock: bool) -> Iterator[str]:
    if mock:
        with running_mock("--fixtures", "none") as base_url:
            yield base_url
    else:
        with serving(RoomsApi()) as base_url:
            yield base_url


def layers_run(
    base_url: str, seed: int, max_examples: int, layers: list[str]
) -> tuple[bool, float, str]:
    started = time.monotonic()
    exclusive = ["--exclusive"] if "exclusive" in layers else []
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *(str(SUITE / LAYER_MODULES[layer]) for layer in layers),
            *exclusive,
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


def layers(args: argparse.Namespace) -> int:
    failed = 0
    chosen = args.layer or ["stateful"]
    with correct_server(args.mock) as base_url:
        for run in range(1, args.runs + 1):
            seed = random.randrange(2**32)
            passed, seconds, output = layers_run(base_url, seed, args.max_examples, chosen)
            failed += not passed
            verdict = "passed" if passed else "FAILED"
            print(f"run {run:2}: seed {seed:10} {verdict} {seconds:5.1f} s")
            if not passed:
                print(output)
    target = "rooms-mock" if args.mock else "the reference server"
    shown = " and ".join(chosen)
    print(f"{shown} against {target}: {failed} flaky failure(s) in {args.runs} runs")
    return 1 if failed else 0


def variants(args: argparse.Namespace) -> int:
    """The whole suite, as a user runs it, `--runs` times against each correct variant and the
    mock."""
    known = {**BY_NAME, **{mock.name: mock for mock in MOCKS}}
    chosen = [known[name] for name in args.only] if args.only else [*VARIANTS, ROOMS_MOCK]
    jobs = schedule(chosen, args.runs)
    runs: dict[str, list[SuiteRun]] = {variant.name: [] for variant in chosen}
    started = time.monotonic()

    options = ("--concurrency", str(args.concurrency)) if args.concurrency else ()

    def one(variant: Variant) -> SuiteRun:
        run = run_suite(variant, args.seed, *options)
        print(run.summary(), flush=True)
        if not run.passed:
            print(run.output[-6000:], flush=True)
        return run

    with ThreadPoolExecutor(args.parallel) as pool:
        for run in pool.map(one, jobs):
            runs[run.variant].append(run)
    print(f"\n{'variant':32} {'passed':>9} {'mean s':>7}  false alarms (rule: seeds)")
    for name, done in runs.items():
        passed = sum(run.passed for run in done)
        mean = sum(run.seconds for run in done) / len(done)
        alarms: dict[str, list[int]] = {}
        for run in done:
            for rule in run.rules if run.verdict == "false alarm" else []:
                alarms.setdefault(rule, []).append(run.seed)
            if run.verdict == "suite broke":
                alarms.setdefault("suite broke, no rule named", []).append(run.seed)
        shown = "; ".join(f"{rule}: {seeds}" for rule, seeds in alarms.items())
        print(f"{name:32} {passed:4} of {len(done):<2} {mean:7.1f}  {shown}")
    every = [run for done in runs.values() for run in done]
    alarmed = sum(run.verdict == "false alarm" for run in every)
    broke = sum(run.verdict == "suite broke" for run in every)
    print(
        f"{alarmed} false alarm(s) and {broke} run(s) where the suite broke down, in "
        f"{len(jobs)} runs of {len(chosen)} correct variants, {args.parallel} at a time, "
        f"in {time.monotonic() - started:.0f} s"
    )
    return 1 if alarmed or broke else 0


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--runs", type=int, default=20)
    cli.add_argument("--max-examples", type=int, default=25, help="layers alone only")
    cli.add_argument("--mock", action="store_true", help="layers alone: rooms-mock instead")
    cli.add_argument(
        "--layer",
        action="append",
        choices=sorted(LAYER_MODULES),
        help="run this layer alone (repeatable; default: stateful)",
    )
    cli.add_argument("--variants", action="store_true", help="the whole suite, every variant")
    cli.add_argument(
        "--only",
        action="append",
        choices=sorted([*BY_NAME, *(mock.name for mock in MOCKS)]),
        metavar="VARIANT",
        help="repeatable",
    )
    cli.add_argument("--parallel", type=int, default=3, help="variant runs at a time")
    cli.add_argument("--seed", type=int, help="variants: every run with this seed (a repeat)")
    cli.add_argument(
        "--concurrency", type=int, help="variants: passed to every run (default: the suite's)"
    )
    args = cli.parse_args(argv)
    if args.runs < 1 or args.parallel < 1:
        cli.error("--runs and --parallel must be at least 1")
    return variants(args) if args.variants or args.only else layers(args)


if __name__ == "__main__":
    sys.exit(main())
