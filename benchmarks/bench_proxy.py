"""Benchmark `rooms-mock --proxy` against calling its backend directly, in one run.

The backend is the suite's correct reference (tests/contract_targets/reference.py) under
uvicorn, pinned to core 0; the proxy runs pinned to core 1, the load generator (wrk, or the
asyncio client without it: bench_mock's choice) beside it on core 1, as a developer's machine
runs a proxy in front of a backend elsewhere. For get and create it prints one table: p50 with
one connection (what a request's latency gains through the proxy), and requests/s with
--connections connections, direct and through the proxy, with the ratio. Beside the proxy,
on the same core, it runs bare_forwarder.py, the least a Python forwarder does (the floor of
the proxy's cost); and it prints each process's CPU time per request, which the host's
swings move far less than the requests/s.

    .venv/bin/python benchmarks/bench_proxy.py            # about a minute
    .venv/bin/python benchmarks/bench_proxy.py --quick    # about half a minute

Targets: p50 added at most 1 ms, throughput at least 0.7 of direct.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

from bench_mock import (
    CLIENT_CORE,
    CREATE_BODY,
    SERVER_CORE,
    choose_generator,
    fmt_ms,
    fmt_rps,
    median_result,
    mock_spec,
    ratio,
    table,
)
from loadgen import Request, Result
from processes import Running, ServerSpec, request, running

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
P50_ADDED_TARGET_MS = 1.0
THROUGHPUT_TARGET = 0.7
SCENARIOS = {"get": ("GET", "/rooms/{id}", b""), "create": ("POST", "/rooms", CREATE_BODY)}


def reference_spec() -> ServerSpec:
    command = (
        sys.executable,
        "-m",
        "uvicorn",
        "tests.contract_targets.reference:RoomsApi",
        "--factory",
        "--app-dir",
        str(ROOT),
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--log-level",
        "warning",
        "--no-access-log",
    )
    return ServerSpec("direct", command, "/api/v1", "/api/v1/rooms")


def proxy_spec(backend: Running) -> ServerSpec:
    """The proxy as a user runs it (journal on), but logging warnings only."""
    url = f"http://127.0.0.1:{backend.port}/api/v1"
    spec = mock_spec("--proxy", url, "--fixtures", "none", "--log-level", "warning")
    return ServerSpec("proxy", spec.command, spec.base_path, spec.ready_path)


def bare_spec(backend: Running) -> ServerSpec:
    """bare_forwarder.py: the least any Python forwarder does, the floor of the proxy's cost."""
    command = (sys.executable, str(HERE / "bare_forwarder.py"), "--port", "{port}")
    command += ("--backend-port", str(backend.port))
    return ServerSpec("bare", command, "/api/v1", "/api/v1/rooms")


def a_room(backend: Running) -> str:
    status, body = request(backend.port, "POST", "/api/v1/rooms", CREATE_BODY)
    if status != 201:
        raise RuntimeError(f"the backend did not create a room: {status} {body[:200]!r}")
    return str(json.loads(body)["id"])


def measure(
    generator: object,
    servers: dict[str, Running],
    room: str,
    duration: float,
    connections: int,
    reps: int,
) -> tuple[dict[tuple[str, str, int], Result], dict[tuple[str, str], float]]:
    """Each scenario on every server, one connection then `connections`, interleaved `reps`
    times (the order reversed every other rep): the median rep of each; and, of the runs
    with `connections`, the median CPU per request (µs) of the server driven and, through a
    forwarder, of the backend behind it (`(scenario, "proxy:direct")`). CPU time is what the
    host's swings move least: a neighbour that takes the core delays the work, it is not
    counted in it."""
    run = generator  # (port, request, seconds, connections) -> Result
    backend = servers["direct"]
    found: dict[tuple[str, str, int], list[Result]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    for name, (method, path, body) in SCENARIOS.items():
        for rep in range(reps):
            order = list(servers.items())
            for server_name, server in order if rep % 2 == 0 else reversed(order):
                req = Request(method, server.spec.base_path + path.format(id=room), body)
                if rep == 0:
                    run(server.port, req, 1.0, connections)  # type: ignore[operator]
                for conns in (1, connections):
                    before = server.cpu_s(), backend.cpu_s()
                    result = run(server.port, req, duration, conns)  # type: ignore[operator]
                    used = server.cpu_s() - before[0], backend.cpu_s() - before[1]
                    found.setdefault((name, server_name, conns), []).append(result)
                    if conns == connections and result.requests:
                        per_request = [1e6 * seconds / result.requests for seconds in used]
                        cpu.setdefault((name, server_name), []).append(per_request[0])
                        if server is not backend:
                            cpu.setdefault((name, f"{server_name}:direct"), []).append(
                                per_request[1]
                            )
                    print(
                        f"  {name} {server_name} x{conns}: {result.rps:,.0f}/s "
                        f"p50 {result.p50_ms:.2f} ms",
                        file=sys.stderr,
                        flush=True,
                    )
    results = {key: median_result(runs) for key, runs in found.items()}
    return results, {key: statistics.median(values) for key, values in cpu.items()}


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--duration", type=float, default=3.0, help="seconds per run (default 3)")
    cli.add_argument("--connections", type=int, default=16, help="connections (default 16)")
    cli.add_argument("--reps", type=int, default=3, help="interleaved repetitions (default 3)")
    cli.add_argument("--quick", action="store_true", help="2 s runs, one repetition")
    cli.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator (default: wrk when on PATH)",
    )
    args = cli.parse_args(argv)
    duration, reps = (2.0, 1) if args.quick else (args.duration, args.reps)
    generator_name, generator = choose_generator(args.generator)
    with running(reference_spec(), SERVER_CORE) as backend:
        room = a_room(backend)
        with (
            running(proxy_spec(backend), CLIENT_CORE) as proxy,
            running(bare_spec(backend), CLIENT_CORE) as bare,
        ):
            results, cpu = measure(
                generator,
                {"direct": backend, "proxy": proxy, "bare": bare},
                room,
                duration,
                args.connections,
                reps,
            )
    conns = args.connections
    rows: list[list[str]] = []
    verdicts: list[bool] = []
    for name in SCENARIOS:
        direct_1, proxy_1 = results[(name, "direct", 1)], results[(name, "proxy", 1)]
        direct_n, proxy_n = results[(name, "direct", conns)], results[(name, "proxy", conns)]
        bare_n = results[(name, "bare", conns)]
        added = proxy_1.p50_ms - direct_1.p50_ms
        share = proxy_n.rps / direct_n.rps if direct_n.rps else 0.0
        verdicts += [added <= P50_ADDED_TARGET_MS, share >= THROUGHPUT_TARGET]
        rows.append(
            [
                name,
                fmt_ms(direct_1.p50_ms),
                fmt_ms(proxy_1.p50_ms),
                fmt_ms(added),
                fmt_rps(direct_n),
                fmt_rps(proxy_n),
                ratio(proxy_n.rps, direct_n.rps),
                fmt_rps(bare_n),
                ratio(bare_n.rps, direct_n.rps),
            ]
        )
    header = [
        "scenario",
        "p50 direct (ms, x1)",
        "p50 proxy (ms, x1)",
        "p50 added (ms)",
        f"direct req/s (x{conns})",
        f"proxy req/s (x{conns})",
        "proxy/direct",
        f"bare forwarder req/s (x{conns})",
        "bare/direct",
    ]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())  # others on the machine
    print(
        f"generator: {generator_name}; backend on core {SERVER_CORE}, proxy and generator on "
        f"core {CLIENT_CORE}; {duration:g} s runs, {reps} rep(s), median; load average {load}"
    )
    for line in table(header, rows):
        print(line)
    print(f"\nCPU per request, µs (x{conns}, median of the reps; each process's /proc counters)")
    cpu_header = ["scenario", "backend, direct", "proxy", "backend, behind the proxy"]
    cpu_header += ["bare forwarder", "backend, behind it"]
    cpu_rows = [
        [name]
        + [
            f"{cpu[name, key]:.0f}"
            for key in ("direct", "proxy", "proxy:direct", "bare", "bare:direct")
        ]
        for name in SCENARIOS
    ]
    for line in table(cpu_header, cpu_rows):
        print(line)
    print(
        f"targets: p50 added <= {P50_ADDED_TARGET_MS:g} ms, proxy/direct >= "
        f"{THROUGHPUT_TARGET:g}: {'met' if all(verdicts) else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
