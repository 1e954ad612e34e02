"""Load generators: wrk when it is installed, else a keep-alive asyncio client.

Both drive one request (method, path, body) over `connections` keep-alive
connections on loopback, for a duration or a number of requests, and report
requests/s, p50/p99 latency and the count of answers that were not 2xx or 3xx.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

JSON_HEADERS = {"Content-Type": "application/json"}
WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path() -> str | None:
    return shutil.which("wrk")


def pin_to(core: int | None) -> Callable[[], None] | None:
    """A `preexec_fn` that pins a child process to one core (Linux), or None."""
    if core is None or not hasattr(os, "sched_setaffinity"):
        return None
    return lambda: os.sched_setaffinity(0, {core})


def _lua_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _wrk_script(request: Request, directory: Path) -> Path:
    lines = [f"wrk.method = {_lua_string(request.method)}"]
    if request.body:
        lines.append(f"wrk.body = {_lua_string(request.body.decode())}")
        lines.extend(
            f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in JSON_HEADERS.items()
        )
    script = directory / "request.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def _wrk_ms(text: str, label: str) -> float:
    found = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    return float(found[1]) * WRK_UNITS[found[2]] if found else float("nan")


def run_wrk(
    port: int, request: Request, duration: float, connections: int, core: int | None
) -> Result:
    """One wrk run (one thread, `connections` connections) and its parsed summary."""
    wrk = wrk_path()
    assert wrk is not None
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as directory:
        script = _wrk_script(request, Path(directory))
        seconds = max(1, round(duration))
        command = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
        completed = subprocess.run(
            [*command, f"http://127.0.0.1:{port}{request.path}"],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            preexec_fn=pin_to(core),
            check=True,
        )
    out = completed.stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s)", out)
    if total is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+)", out)
    failed = int(errors[1]) if errors else 0
    if socket_errors:
        failed += sum(int(count) for count in socket_errors.groups())
    return Result(
        requests=int(total[1]),
        seconds=float(total[2]) * WRK_UNITS[total[3]] / 1e3,
        errors=failed,
        p50_ms=_wrk_ms(out, "50%"),
        p99_ms=_wrk_ms(out, "99%"),
    )


def _raw_request(port: int, request: Request) -> bytes:
    head = f"{request.method} {request.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    if request.body:
        head += "".join(f"{k}: {v}\r\n" for k, v in JSON_HEADERS.items())
        head += f"Content-Length: {len(request.body)}\r\n"
    return (head + "\r\n").encode() + request.body


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response (Content-Length or chunked body); its status code."""
    head = (await reader.readuntil(b"\r\n\r\n")).lower()
    status = int(head[9:12])
    marker = head.find(b"\r\ncontent-length:")
    if marker >= 0:
        length = int(head[marker + 17 :].split(b"\r\n", 1)[0])
        if length:
            await reader.readexactly(length)
    elif b"transfer-encoding: chunked" in head:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _drive(
    port: int, request: Request, duration: float, connections: int, limit: int | None
) -> Result:
    raw = _raw_request(port, request)
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.perf_counter() + duration

    async def connection() -> None:
        nonlocal errors, sent
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline and (limit is None or sent < limit):
                sent += 1
                started = time.perf_counter()
                writer.write(raw)
                status = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                errors += status >= 400
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    seconds = time.perf_counter() - started
    latencies.sort()
    count = len(latencies)
    p50, p99 = (latencies[int(count * q)] * 1e3 for q in (0.5, 0.99)) if count else (0.0, 0.0)
    return Result(count, seconds, errors, p50, p99)


def run_python(
    port: int,
    request: Request,
    duration: float,
    connections: int,
    limit: int | None = None,
) -> Result:
    """The asyncio client, on uvloop when it is installed; stops at `limit` requests if given."""
    try:
        import uvloop

        runner: Callable[..., Result] = uvloop.run
    except ImportError:
        runner = asyncio.run
    return runner(_drive(port, request, duration, connections, limit))
