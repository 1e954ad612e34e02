"""What each store costs: the mock on memory, on Redis with one worker, on Redis with two.

Starts a redis-server of its own (no persistence, a free loopback port), then the
mock three ways, and drives each with the scenarios of bench_mock.py (get, list of
1,000 rooms, create, patch), interleaved, in one run; prints requests/s and p50/p99.
`--baseline DIR` adds the memory store of another checkout (e.g. the commit before a
change, from `git archive`) to the same run, so a change to the hot path is measured
against what it changed, on the same machine at the same moment.

The servers (the mock's workers and Redis) share core 0 and the load generator has
core 1, as in bench_mock.py: on a machine with two cores two workers cannot use
more than that one core, so the two-worker row shows the cost of sharing, not a gain.

    .venv/bin/python benchmarks/bench_store.py --quick
    .venv/bin/python benchmarks/bench_store.py --baseline /tmp/base --reps 3
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench_mock import (
    LOADED,
    SCENARIOS,
    SERVER_CORE,
    choose_generator,
    fmt_ms,
    fmt_rps,
    median_result,
    mock_spec,
    table,
    throughput,
)
from loadgen import pin_to
from processes import ServerSpec, free_port, running

MOCK_ARGS = ("--host", "127.0.0.1", "--port", "{port}", *LOADED)


def baseline_spec(checkout: Path) -> ServerSpec:
    """The mock of another checkout (its `mock_server` first on sys.path), same options."""
    code = (
        f"import sys; sys.path.insert(0, {str(checkout)!r}); sys.argv[0] = 'rooms-mock'; "
        "from mock_server.cli import main; sys.exit(main())"
    )
    return ServerSpec("mock", (sys.executable, "-c", code, *MOCK_ARGS), "/api/v1", "/api/v1/rooms")


@contextmanager
def redis_server(core: int | None) -> Iterator[str]:
    """A redis-server on a free port, pinned beside the mock; its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("bench_store: redis-server is not on PATH (apt-get install redis-server)")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--loglevel", "warning"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, preexec_fn=pin_to(core))
    try:
        time.sleep(0.3)
        if process.poll() is not None:
            raise SystemExit(f"bench_store: redis-server exited with code {process.returncode}")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait()


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    cli.add_argument("--duration", type=float, default=5.0, help="seconds per run (default 5)")
    cli.add_argument("--connections", type=int, default=16, help="connections (default 16)")
    cli.add_argument("--reps", type=int, default=1, help="interleaved runs, median shown")
    cli.add_argument("--quick", action="store_true", help="2 s runs")
    cli.add_argument("--baseline", type=Path, metavar="DIR", help="another checkout's memory store")
    cli.add_argument("--no-redis", action="store_true", help="only the memory store(s)")
    cli.add_argument(
        "--generator", choices=("auto", "wrk", "python"), default="auto", help="load generator"
    )
    args = cli.parse_args(argv)
    duration = 2.0 if args.quick else args.duration
    generator_name, generator = choose_generator(args.generator)
    with ExitStack() as stack:
        specs: dict[str, ServerSpec] = {"memory": mock_spec(*LOADED)}
        if args.baseline is not None:
            specs["memory (baseline)"] = baseline_spec(args.baseline.resolve())
        if not args.no_redis:
            url = stack.enter_context(redis_server(SERVER_CORE))
            for workers in (1, 2):
                options = ("--store", url, "--redis-prefix", f"bench{workers}:")
                specs[f"redis, {workers} worker(s)"] = mock_spec(
                    *LOADED, *options, "--workers", str(workers)
                )
        servers = {
            name: stack.enter_context(running(spec, SERVER_CORE)) for name, spec in specs.items()
        }
        runs = throughput(generator, servers, duration, args.connections, args.reps)
    results = {key: median_result(reps) for key, reps in runs.items()}
    header = ["scenario"]
    for name in specs:
        header += [f"{name} req/s", "p50 ms", "p99 ms"]
    rows = []
    for scenario in SCENARIOS:
        row = [scenario.label]
        for name in specs:
            result = results[scenario.name, name]
            row += [fmt_rps(result), fmt_ms(result.p50_ms), fmt_ms(result.p99_ms)]
        rows.append(row)
    print(
        f"\nThe stores: {generator_name}, {args.connections} connections, median of {args.reps} "
        f"interleaved {duration:g} s runs; servers (and Redis) on core {SERVER_CORE}\n"
    )
    print("\n".join(table(header, rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
