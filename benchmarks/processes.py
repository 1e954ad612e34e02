"""Servers under test as child processes: start on a free loopback port, wait, always stop.

Every server is pinned to one core (the load generator gets the other), and
`running` stops it on the way out whatever happened: SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from loadgen import pin_to

STOP_TIMEOUT_S = 5.0
POLL_S = 0.005


@dataclass(frozen=True)
class ServerSpec:
    """How to start one server: a command with `{port}` in it, and the path that says ready."""

    name: str
    command: tuple[str, ...]
    base_path: str
    ready_path: str


@dataclass
class Running:
    spec: ServerSpec
    process: subprocess.Popen[bytes]
    port: int
    started_s: float

    def rss_mb(self) -> float:
        """Resident memory of the server process, from /proc (Linux)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def cpu_s(self) -> float:
        """CPU time the server process has used so far, all its threads, in seconds.

        From each thread's `/proc/PID/task/TID/schedstat` (nanoseconds on the CPU, Linux),
        not `stat`'s utime and stime, which count in 10 ms ticks: too coarse for a 1 s slice.
        A thread that ends between the listing and the read is skipped.
        """
        total = 0
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request(
    port: int, method: str, path: str, body: bytes | None = None, timeout: float = 30.0
) -> tuple[int, bytes]:
    """One request on a fresh connection: status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _wait_ready(process: subprocess.Popen[bytes], port: int, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before answering")
        try:
            if request(port, "GET", path, timeout=1.0)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(POLL_S)
    raise TimeoutError(f"no 200 on {path} within {timeout} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    _signal(process, signal.SIGCONT)  # a paused server (see `alone`) cannot stop
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _signal(process: subprocess.Popen[bytes], number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, number)


@contextmanager
def alone(measured: Running | Collection[Running], servers: Iterable[Running]) -> Iterator[None]:
    """`measured` (one server or several) with every other server paused (SIGSTOP to its
    process group), then resumed: what they do in the background, a JVM's collector after
    its load, a Node timer, cannot run on the core `measured` is being timed on."""
    kept = {id(measured)} if isinstance(measured, Running) else {id(one) for one in measured}
    others = [server for server in servers if id(server) not in kept]
    for server in others:
        _signal(server.process, signal.SIGSTOP)
    try:
        yield
    finally:
        for server in others:
            _signal(server.process, signal.SIGCONT)


@contextmanager
def running(spec: ServerSpec, core: int | None, timeout: float = 60.0) -> Iterator[Running]:
    """Start `spec` pinned to `core`, yield once it answers 200 on its ready path, then stop it."""
    port = free_port()
    command = [part.format(port=port) for part in spec.command]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=pin_to(core),
        start_new_session=True,  # its own process group: `alone` pauses its children too
    )
    try:
        _wait_ready(process, port, spec.ready_path, timeout)
        yield Running(spec, process, port, time.perf_counter() - started)
    finally:
        _stop(process)
