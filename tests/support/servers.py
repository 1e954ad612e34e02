"""Start `rooms-mock` as a real process on a free loopback port for a test, and always stop it.

    with running_mock("--fixtures", "none", "--strict") as base_url:
        httpx.get(f"{base_url}/rooms")

`mock_process` gives the process itself too (for signals and its output); `mock_command`
is the command line both use, for tests that run the CLI to its exit.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVING = re.compile(r"serving the Rooms API at (http://\S+)")
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0


def mock_command(*args: str) -> list[str]:
    """`python -m mock_server` on 127.0.0.1 and an OS-chosen port; later `args` override."""
    return [sys.executable, "-m", "mock_server", "--host", "127.0.0.1", "--port", "0", *args]


@dataclass
class MockProcess:
    """A running mock: its process, its base URL (`.../api/v1`) and what it wrote to stderr."""

    process: subprocess.Popen[str]
    base_url: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`, for the `/_mock` controls outside the base path."""
        return self.base_url.split("/api/", 1)[0]

    @property
    def port(self) -> int:
        return int(self.origin.rsplit(":", 1)[1])

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT_S) -> float:
        """Send `sig` and wait for the exit; the seconds it took. Kills it if it overstays."""
        if self.process.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        return time.monotonic() - started


@contextmanager
def mock_process(*args: str, timeout: float = START_TIMEOUT_S) -> Iterator[MockProcess]:
    """Start the mock with `args`, wait until it serves, and stop it (SIGTERM, then kill)."""
    process = subprocess.Popen(
        mock_command(*args),
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    mock = MockProcess(process)
    served = threading.Event()

    def drain() -> None:
        """Keep reading stderr, so a chatty mock can never block on a full pipe."""
        assert process.stderr is not None
        for line in process.stderr:
            mock.lines.append(line)
            found = SERVING.search(line)
            if found and not served.is_set():
                mock.base_url = found.group(1)
                served.set()
        served.set()  # the process ended: stop waiting

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        if not served.wait(timeout) or not mock.base_url:
            raise RuntimeError(f"rooms-mock did not start: {mock.output() or 'no output'}")
        yield mock
    finally:
        try:
            mock.stop()
        finally:
            reader.join(STOP_TIMEOUT_S)


@contextmanager
def running_mock(*args: str) -> Iterator[str]:
    """The mock's base URL, e.g. `http://127.0.0.1:PORT/api/v1`, while it runs."""
    with mock_process(*args) as mock:
        yield mock.base_url


def served_by(origin: str) -> tuple[Counter[int], int]:
    """On Redis, the shared journal: how many of the entries it keeps each worker answered
    (their `worker`), and its newest id (how many requests it has seen)."""
    with httpx.Client(base_url=origin, timeout=10) as http:
        listed = http.get("/_mock/requests").json()
    return Counter(entry["worker"] for entry in listed["requests"]), int(listed["last_id"])
