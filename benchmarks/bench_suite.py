"""Benchmark the contract suite: the default run's time against the local mock and against a
correct server one region away (the reference server, `tests/contract_targets/reference.py`,
answering every request 50 ms late), in one run.

    .venv/bin/python benchmarks/bench_suite.py                  # about a minute
    .venv/bin/python benchmarks/bench_suite.py --sequential     # also --concurrency 1 (before)
    .venv/bin/python benchmarks/bench_suite.py --runs 3         # the median of 3 runs each

Each server is a child process on 127.0.0.1 and a free port; each run is `rooms-contract
--base-url URL --seed N` in its own process, timed from its start to its exit (process start,
probe and report included), as QA runs it. The table gives the seconds, the requests the run
sent (its own count) and its exit code; the targets are at most 40 s against the 50 ms server
and no slower than one check after another against the mock.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from processes import ServerSpec, running

ROOT = Path(__file__).resolve().parents[1]
LATENCY_MS = 50
SLOW_TARGET_S = 40.0
REQUESTS = re.compile(r"([\d,]+) requests sent")
RUN_TIMEOUT_S = 900


@dataclass(frozen=True)
class Result:
    target: str
    concurrency: str
    seconds: list[float]
    requests: int
    codes: list[int]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def serve_slow_reference(port: int, latency_ms: int) -> None:
    """The hidden mode the benchmark starts as a child: the reference, `latency_ms` late."""
    sys.path.insert(0, str(ROOT))
    import uvicorn
    from starlette.types import Receive, Scope, Send

    from tests.contract_targets.reference import RoomsApi

    app = RoomsApi()

    async def late(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await asyncio.sleep(latency_ms / 1000)
        await app(scope, receive, send)

    uvicorn.run(late, host="127.0.0.1", port=port, log_level="critical", access_log=False)


def mock_spec() -> ServerSpec:
    command = (sys.executable, "-m", "mock_server", "--host", "127.0.0.1", "--port", "{port}")
    options = ("--log-level", "warning")
    return ServerSpec("mock", (*command, *options), "/api/v1", "/api/v1/rooms")


def slow_spec(latency_ms: int) -> ServerSpec:
    command = (sys.executable, __file__, "--serve-slow-reference", "{port}", str(latency_ms))
    return ServerSpec(f"reference +{latency_ms} ms", command, "/api/v1", "/api/v1/rooms")


def suite_run(
    base_url: str, seed: int, concurrency: str | None, project: Path
) -> tuple[float, int, int]:
    command = [sys.executable, "-m", "contract_tests.cli", "--base-url", base_url]
    command += ["--seed", str(seed)]
    command += ["--concurrency", concurrency] if concurrency else []
    started = time.monotonic()
    finished = subprocess.run(
        command, cwd=project, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    seconds = time.monotonic() - started
    found = REQUESTS.search(finished.stdout)
    if finished.returncode != 0:
        print(finished.stdout[-3000:] + finished.stderr[-2000:], file=sys.stderr)
    return seconds, int(found.group(1).replace(",", "")) if found else 0, finished.returncode


def measure(
    spec: ServerSpec, runs: int, seed: int, concurrency: str | None, project: Path
) -> Result:
    seconds, codes, requests = [], [], 0
    with running(spec, None) as server:
        base_url = f"http://127.0.0.1:{server.port}{spec.base_path}"
        for _ in range(runs):
            took, requests, code = suite_run(base_url, seed, concurrency, project)
            seconds.append(took)
            codes.append(code)
            print(
                f"  {spec.name}, concurrency {concurrency or 'default'}: {took:.1f} s", flush=True
            )
    return Result(spec.name, concurrency or "default", seconds, requests, codes)


def table(results: list[Result]) -> list[str]:
    lines = [
        "| target | concurrency | seconds (median) | runs | requests | exit |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        spread = ", ".join(f"{s:.1f}" for s in result.seconds)
        lines.append(
            f"| {result.target} | {result.concurrency} | {result.median:.1f} | {spread} "
            f"| {result.requests:,} | {', '.join(map(str, sorted(set(result.codes))))} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per target (median shown)")
    parser.add_argument("--seed", type=int, default=1, help="the runs' seed (default 1)")
    parser.add_argument("--latency-ms", type=int, default=LATENCY_MS)
    parser.add_argument(
        "--sequential", action="store_true", help="also run with --concurrency 1, for comparison"
    )
    parser.add_argument(
        "--suite-from",
        type=Path,
        default=ROOT,
        metavar="DIR",
        help="run the suite of another checkout (e.g. `git archive HEAD | tar -x -C DIR`); "
        "a suite without --concurrency is run with its defaults",
    )
    parser.add_argument("--serve-slow-reference", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_slow_reference:
        serve_slow_reference(*args.serve_slow_reference)
        return 0
    modes: list[str | None] = [None, "1"] if args.sequential else [None]
    results = []
    for spec in (mock_spec(), slow_spec(args.latency_ms)):
        for mode in modes:
            results.append(measure(spec, args.runs, args.seed, mode, args.suite_from))
    print("\n".join(table(results)))
    slow = next(r for r in results if r.target != "mock" and r.concurrency == "default")
    verdict = "met" if slow.median <= SLOW_TARGET_S else "NOT met"
    print(
        f"\n{args.latency_ms} ms server: {slow.median:.1f} s "
        f"(target <= {SLOW_TARGET_S:g} s: {verdict})"
    )
    mock = [r for r in results if r.target == "mock"]
    if len(mock) == 2:
        default, one = mock
        faster = "no slower" if default.median <= one.median * 1.05 else "SLOWER"
        print(
            f"mock: {default.median:.1f} s at once, {one.median:.1f} s one after another ({faster})"
        )
    return 0 if all(code == 0 for r in results for code in r.codes) else 1


if __name__ == "__main__":
    sys.exit(main())
