"""Soak the mock: weeks of use in minutes, against one real `rooms-mock` on loopback.

Drives a million create-and-delete pairs (every other room updated, every
fourth ended before its delete) over keep-alive connections, beside a thousand
rooms that stay, a few hundred idle keep-alive connections that ask for
`/_mock/health` now and then, and slow clients that send a request a byte at a
time and must be cut off with a 408. The journal is on (its default size). It
prints RSS and throughput at the start, every so often and at the end, and the
count of errors, of which none is allowed.

The target: RSS after all the pairs within 10 MB of RSS after the first
10,000, and throughput at the end within 10% of the start. Exit status 0 when
both are met with no error, 1 otherwise.

    .venv/bin/python benchmarks/soak.py                    # 1,000,000 pairs
    .venv/bin/python benchmarks/soak.py --pairs 100000     # a shorter run

The mock runs pinned to core 0 and the clients to core 1 (when there are two),
on a free port of 127.0.0.1; the run stops at --max-seconds whatever happens,
and the mock is stopped when it ends, even if it fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from processes import Running, ServerSpec, running

SERVER_CORE, CLIENT_CORE = (0, 1) if (os.cpu_count() or 1) >= 2 else (None, None)
CREATE = b'{"name": "Soak room", "config": {"max_participants": 40}}'
PATCH = b'{"name": "Soaked", "config": {"chat_enabled": false}}'
STANDING = b'{"name": "Standing room"}'
RSS_TARGET_MB = 10.0
THROUGHPUT_TARGET = 0.9
IO_TIMEOUT_S = 30.0


@dataclass
class Tally:
    """What the clients saw; each error is counted by its kind, with its first message."""

    pairs: int = 0
    requests: int = 0
    idle_requests: int = 0
    idle_reconnects: int = 0
    timed_out: int = 0
    errors: int = 0
    kinds: dict[str, tuple[int, str]] = field(default_factory=dict)  # kind: count, first

    def error(self, kind: str, detail: str = "") -> None:
        self.errors += 1
        count, first = self.kinds.get(kind, (0, detail))
        self.kinds[kind] = (count + 1, first)


@dataclass(frozen=True)
class Snapshot:
    pairs: int
    seconds: float
    pairs_per_s: float
    requests_per_s: float
    rss_mb: float
    errors: int
    cpu_us_per_pair: float  # the mock's own CPU time: what other load on the machine blurs less


def cpu_s(server: Running) -> float:
    """User and system CPU seconds of the server process so far, from /proc (Linux)."""
    stat = Path(f"/proc/{server.process.pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Connection:
    """One keep-alive HTTP/1.1 connection: a request, then its whole answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        return await read_answer(self.reader)

    def close(self) -> None:
        self.writer.close()


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one answer (the mock always sends a Content-Length)."""
    top = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IO_TIMEOUT_S)
    status = int(top[9:12])
    length = 0
    for line in top.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await asyncio.wait_for(reader.readexactly(length), IO_TIMEOUT_S) if length else b""
    return status, body


async def worker(port: int, tally: Tally, claim: Callable[[], int | None]) -> None:
    """Pairs until none are left: create, maybe update, maybe end, delete; statuses checked."""
    connection = await Connection.open(port)
    try:
        while (index := claim()) is not None:
            status, body = await connection.request("POST", "/api/v1/rooms", CREATE)
            if status != 201:
                tally.error(f"create answered {status}", repr(body[:200]))
                continue
            path = f"/api/v1/rooms/{orjson.loads(body)['id']}"
            steps = [("PATCH", path, PATCH, 200)] if index % 2 else []
            if index % 4 == 3:
                steps.append(("POST", f"{path}/end", b"", 200))
            steps.append(("DELETE", path, b"", 204))
            for method, target, payload, expected in steps:
                status, body = await connection.request(method, target, payload)
                if status != expected:
                    tally.error(f"{method} answered {status}", f"{target}: {body[:200]!r}")
            tally.requests += 1 + len(steps)
            tally.pairs += 1
    except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
        tally.error("a load connection failed", repr(error))
    finally:
        connection.close()


async def idle_client(port: int, every_s: float, tally: Tally, stop: asyncio.Event) -> None:
    """A keep-alive connection that asks for health now and then; it must stay open."""
    connection = await Connection.open(port)
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)
            if stop.is_set():
                break
            try:
                status, _ = await connection.request("GET", "/_mock/health")
            except (OSError, asyncio.IncompleteReadError) as error:
                tally.error("an idle keep-alive connection was dropped", repr(error))
                tally.idle_reconnects += 1
                connection.close()
                connection = await Connection.open(port)
                continue
            if status != 200:
                tally.error(f"health on an idle connection answered {status}")
            tally.idle_requests += 1
    finally:
        connection.close()


async def slow_client(
    port: int, number: int, timeout_s: int, tally: Tally, stop: asyncio.Event
) -> None:
    """Send a request a byte every half second, head or body, and expect the 408 and close."""
    while not stop.is_set():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        if number % 2:
            start = b"GET /api/v1/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
        else:
            start = (
                b"POST /api/v1/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
            )
        writer.write(start)

        async def trickle(writer: asyncio.StreamWriter = writer) -> None:
            for _ in range(1000):
                await asyncio.sleep(0.5)
                writer.write(b"a")

        sender = asyncio.ensure_future(trickle())
        try:
            status, body = await asyncio.wait_for(read_answer(reader), timeout_s + 5)
            closed = await asyncio.wait_for(reader.read(), 5) == b""
            if status == 408 and closed and b"urn:rooms-mock:request-timeout" in body:
                tally.timed_out += 1
            else:
                tally.error(f"a slow client got {status}", f"{body[:200]!r} (closed: {closed})")
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
            if not stop.is_set():
                tally.error("a slow client got no 408", repr(error))
        finally:
            sender.cancel()
            writer.close()


async def soak(server: Running, args: argparse.Namespace) -> bool:
    """The whole run against `server`; True when every target is met with no error."""
    port = server.port
    tally = Tally()
    stop, interrupted = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):  # end the run cleanly, with its report
        loop.add_signal_handler(signum, interrupted.set)
    setup = await Connection.open(port)
    for _ in range(args.standing_rooms):
        status, _ = await setup.request("POST", "/api/v1/rooms", STANDING)
        if status != 201:
            tally.error(f"a standing room answered {status}")
    setup.close()
    remaining = iter(range(args.pairs))

    def claim() -> int | None:
        return None if stop.is_set() else next(remaining, None)

    # Each idle connection asks at 40 to 50% of the keep-alive timeout, spread over them.
    background = [
        asyncio.ensure_future(
            idle_client(port, args.keep_alive_timeout * (0.4 + 0.1 * i / args.idle), tally, stop)
        )
        for i in range(args.idle)
    ]
    background += [
        asyncio.ensure_future(slow_client(port, i, args.request_timeout, tally, stop))
        for i in range(args.slow)
    ]
    await asyncio.sleep(0.5)  # the idle and slow connections are open before the load starts
    started = time.perf_counter()
    snapshots = [Snapshot(0, 0.0, 0.0, 0.0, server.rss_mb(), 0, 0.0)]
    print_header()
    print_snapshot(snapshots[0], tally)
    workers = [asyncio.ensure_future(worker(port, tally, claim)) for _ in range(args.connections)]
    marks = sorted(
        {min(args.baseline_pairs, args.pairs), *range(args.every, args.pairs, args.every)}
    )
    marks.append(args.pairs)
    marks = sorted(set(marks))
    last_pairs, last_requests, last_time, last_cpu = 0, 0, started, cpu_s(server)
    deadline = started + args.max_seconds
    for mark in marks:
        while tally.pairs < mark and not all(task.done() for task in workers):
            if time.perf_counter() > deadline or interrupted.is_set():
                break
            await asyncio.sleep(0.02)
        now, cpu = time.perf_counter(), cpu_s(server)
        span = max(now - last_time, 1e-9)
        done = max(tally.pairs - last_pairs, 1)
        snapshot = Snapshot(
            tally.pairs,
            now - started,
            (tally.pairs - last_pairs) / span,
            (tally.requests - last_requests) / span,
            server.rss_mb(),
            tally.errors,
            (cpu - last_cpu) / done * 1e6,
        )
        snapshots.append(snapshot)
        print_snapshot(snapshot, tally)
        last_pairs, last_requests, last_time, last_cpu = tally.pairs, tally.requests, now, cpu
        if now > deadline:
            tally.error(f"--max-seconds {args.max_seconds} passed before the pairs were done")
            break
        if interrupted.is_set():
            tally.error("interrupted by a signal")
            break
    stop.set()
    await asyncio.gather(*workers, return_exceptions=True)
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    return report(snapshots, tally, args)


def print_header() -> None:
    print(
        "| pairs     | seconds | pairs/s | requests/s | mock CPU us/pair | RSS MB | errors | "
        "idle requests | slow clients cut off |"
    )
    widths = (11, 9, 9, 12, 18, 8, 8, 15, 22)
    print("|" + "|".join("-" * width for width in widths) + "|")


def print_snapshot(snapshot: Snapshot, tally: Tally) -> None:
    print(
        f"| {snapshot.pairs:<9,} | {snapshot.seconds:7.1f} | {snapshot.pairs_per_s:7,.0f} | "
        f"{snapshot.requests_per_s:10,.0f} | {snapshot.cpu_us_per_pair:16,.0f} | "
        f"{snapshot.rss_mb:6.1f} | {snapshot.errors:6} | "
        f"{tally.idle_requests:13,} | {tally.timed_out:20,} |",
        flush=True,
    )


def report(snapshots: list[Snapshot], tally: Tally, args: argparse.Namespace) -> bool:
    start_rss = snapshots[0].rss_mb
    baseline = next((s for s in snapshots if s.pairs >= args.baseline_pairs), snapshots[-1])
    end = snapshots[-1]
    # Throughput at the start: the first window after the baseline; at the end: the last.
    windows = [s for s in snapshots if s.pairs > baseline.pairs]
    first = windows[0] if windows else end
    growth = end.rss_mb - baseline.rss_mb
    ratio = end.pairs_per_s / first.pairs_per_s if first.pairs_per_s else 0.0
    # The same question asked of the mock's CPU time per pair (what it could serve alone).
    cpu_ratio = first.cpu_us_per_pair / end.cpu_us_per_pair if end.cpu_us_per_pair else 0.0
    done = end.pairs >= args.pairs
    checks = [
        ("pairs done", f"{args.pairs:,}", f"{end.pairs:,}", done),
        ("errors", "0", f"{tally.errors}", tally.errors == 0),
        (
            f"RSS after {end.pairs:,} pairs - RSS after {baseline.pairs:,}",
            f"<= {RSS_TARGET_MB:g} MB",
            f"{growth:+.1f} MB ({baseline.rss_mb:.1f} -> {end.rss_mb:.1f}; "
            f"{start_rss:.1f} at the start)",
            growth <= RSS_TARGET_MB,
        ),
        (
            "pairs/s, last window / first window",
            f">= {THROUGHPUT_TARGET:g}",
            f"{ratio:.2f} ({end.pairs_per_s:,.0f} / {first.pairs_per_s:,.0f})",
            ratio >= THROUGHPUT_TARGET,
        ),
        (
            "mock CPU per pair, first window / last window",
            f">= {THROUGHPUT_TARGET:g}",
            f"{cpu_ratio:.2f} ({first.cpu_us_per_pair:,.0f} / {end.cpu_us_per_pair:,.0f} us)",
            cpu_ratio >= THROUGHPUT_TARGET,
        ),
        (
            "slow clients cut off with a 408",
            "> 0" if args.slow else "-",
            f"{tally.timed_out}",
            tally.timed_out > 0 or not args.slow,
        ),
    ]
    print(
        f"\n{end.seconds:.0f} s; {tally.requests:,} requests from {args.connections} "
        f"connections; {args.idle} idle keep-alive connections made {tally.idle_requests:,} "
        f"requests ({tally.idle_reconnects} reconnects); {args.slow} slow clients; "
        f"{args.standing_rooms:,} standing rooms\n"
    )
    width = max(len(check[0]) for check in checks)
    target_width = max(len(check[1]) for check in checks)
    for name, target, found, met in checks:
        print(f"{name:<{width}}  {target:<{target_width}}  {'yes' if met else 'NO '}  {found}")
    for kind, (count, example) in sorted(tally.kinds.items()):
        print(f"error: {kind}: {count} time(s); the first: {example}")
    return all(check[3] for check in checks)


def mock_spec(args: argparse.Namespace) -> ServerSpec:
    command = (
        sys.executable,
        "-m",
        "mock_server",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--fixtures",
        "none",
        "--log-level",
        "warning",
        "--max-rooms",
        str(args.standing_rooms + args.connections + 10),
        "--keep-alive-timeout",
        str(args.keep_alive_timeout),
        "--request-timeout",
        str(args.request_timeout),
        "--max-connections",
        str(args.connections + args.idle + args.slow + 50),
    )
    return ServerSpec("mock", command, "/api/v1", "/api/v1/rooms")


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    number = int  # every option is a whole number
    cli.add_argument("--pairs", type=number, default=1_000_000, help="default 1,000,000")
    cli.add_argument("--connections", type=number, default=16, help="load connections (16)")
    cli.add_argument("--idle", type=number, default=300, help="idle keep-alive connections (300)")
    cli.add_argument("--slow", type=number, default=8, help="slow clients (8)")
    cli.add_argument("--standing-rooms", type=number, default=1_000, help="rooms that stay (1000)")
    cli.add_argument("--every", type=number, default=100_000, help="pairs between reports")
    cli.add_argument("--baseline-pairs", type=number, default=10_000, help="default 10,000")
    cli.add_argument("--keep-alive-timeout", type=number, default=5, help="the mock's (5 s)")
    cli.add_argument("--request-timeout", type=number, default=2, help="the mock's (2 s)")
    cli.add_argument("--max-seconds", type=number, default=3600, help="stop after (3600)")
    args = cli.parse_args(argv)
    if min(args.pairs, args.connections, args.every, args.baseline_pairs) < 1:
        cli.error("--pairs, --connections, --every and --baseline-pairs must be at least 1")
    if min(args.idle, args.slow, args.standing_rooms) < 0:
        cli.error("--idle, --slow and --standing-rooms must be 0 or more")
    spec = mock_spec(args)
    print(
        f"soak: {args.pairs:,} pairs over {args.connections} connections, {args.idle} idle, "
        f"{args.slow} slow; mock on core {SERVER_CORE}, clients on core {CLIENT_CORE}; "
        f"mock options: {' '.join(spec.command[7:])}",
        flush=True,
    )
    if CLIENT_CORE is not None:
        os.sched_setaffinity(0, {CLIENT_CORE})
    try:
        import uvloop

        run: Callable[..., bool] = uvloop.run
    except ImportError:
        run = asyncio.run
    # A signal before the run's own handlers are in place still stops the mock (`running`).
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # a shell ignores it for a job in the background
    try:
        with running(spec, SERVER_CORE) as server:
            met = run(soak(server, args))
    except KeyboardInterrupt:
        print("soak: interrupted; the mock is stopped", file=sys.stderr)
        return 1
    return 0 if met else 1


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
