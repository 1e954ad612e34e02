"""Limits for a mock that runs for weeks, over real sockets to a running `rooms-mock`.

The cap on connections (a 503 problem past it, and service again once some
close), requests in flight whose clients left counting against it, the idle
timeout, and a slow client cut off with a 408 while the others are served;
then the in-process bounds: the shared-config table and the open-file limit.
Every wait is bounded; every socket is closed. The socket tests run twice: on the
mock, and on `rooms-mock --proxy` in front of the reference backend, whose API
requests take the proxy's lane (mock_server/lane.py) past uvicorn's cycle.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext

import httpx
import pytest

from mock_server.connections import (
    BUSY,
    HEAD_TOO_LARGE,
    MAX_HEAD_BYTES,
    REQUEST_TIMEOUT,
    SPARE_FILES,
)
from mock_server.store import MAX_SHARED_CONFIGS, RoomStore
from tests.contract_targets.reference import RoomsApi
from tests.contract_targets.serve import serving
from tests.support.mock import assert_problem
from tests.support.raw_http import read_response
from tests.support.servers import MockProcess, mock_process

IO_TIMEOUT_S = 10.0
CAP = 4


def connect(mock: MockProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", mock.port), timeout=IO_TIMEOUT_S)


@contextmanager
def connections(mock: MockProcess, count: int) -> Iterator[list[socket.socket]]:
    with ExitStack() as stack:
        yield [stack.enter_context(connect(mock)) for _ in range(count)]


def head(method: str, path: str, *extra: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response_to(sock: socket.socket, request: bytes) -> httpx.Response:
    sock.sendall(request)
    return read_response(sock)


def get(sock: socket.socket, path: str = "/_mock/health") -> httpx.Response:
    return read_response_to(sock, head("GET", path))


def closed_by_server(sock: socket.socket, within_s: float) -> float | None:
    """Seconds until the server closed `sock` (reading nothing more), or None if it stayed open."""
    started = time.monotonic()
    sock.settimeout(within_s)
    try:
        data = sock.recv(65536)
    except TimeoutError:
        return None
    except ConnectionResetError:
        data = b""
    assert data == b"", data
    return time.monotonic() - started


MODES = ["mock", "proxy"]


@contextmanager
def launched(mode: str, *options: str) -> Iterator[MockProcess]:
    """`rooms-mock` with `options`: alone, or (`proxy`) in front of the reference backend."""
    with serving(RoomsApi()) if mode == "proxy" else nullcontext("") as backend:
        proxying = ("--proxy", backend) if backend else ()
        with mock_process("--fixtures", "none", *proxying, *options) as running:
            yield running


@pytest.fixture(scope="module", params=MODES)
def capped(request: pytest.FixtureRequest) -> Iterator[MockProcess]:
    with launched(request.param, "--max-connections", str(CAP)) as running:
        yield running


def test_past_the_cap_a_connection_gets_a_503_problem_and_service_comes_back(
    capped: MockProcess,
) -> None:
    with connections(capped, CAP) as held:
        assert [get(sock).status_code for sock in held] == [200] * CAP
        with connect(capped) as extra:
            refused = read_response_to(extra, head("GET", "/api/v1/rooms"))
            body = assert_problem(refused, 503)
            assert body["type"] == BUSY  # the mock's own, not an answer of the API
            assert body["instance"] == "/api/v1/rooms"
            assert "--max-connections" in body["detail"]
            assert refused.headers["retry-after"] == "1"
            assert refused.headers["connection"] == "close"
            assert closed_by_server(extra, 2.0) is not None
        # The connections inside the cap were never disturbed.
        assert [get(sock).status_code for sock in held] == [200] * CAP
        held[0].close()
        held[1].close()
        time.sleep(0.2)  # the server sees them close
        with connections(capped, 2) as newcomers:
            assert [get(sock).status_code for sock in newcomers] == [200, 200]
    assert "refused a connection" in capped.output()


def test_requests_whose_clients_left_count_until_they_end(capped: MockProcess) -> None:
    """A client that leaves during a delay leaves its request running: it still counts."""
    delayed = head("GET", "/api/v1/rooms", "Prefer: delay=1500")
    for _ in range(CAP):
        with connect(capped) as sock:
            sock.sendall(delayed)
            time.sleep(0.05)  # the request is under way before the client leaves
    time.sleep(0.2)
    with connect(capped) as sock:
        assert_problem(read_response_to(sock, head("GET", "/_mock/health")), 503)
    time.sleep(1.8)  # the delayed requests have ended
    with connect(capped) as sock:
        assert get(sock).status_code == 200


@pytest.fixture(scope="module", params=MODES)
def impatient(request: pytest.FixtureRequest) -> Iterator[MockProcess]:
    options = ("--keep-alive-timeout", "1", "--request-timeout", "1")
    with launched(request.param, *options) as running:
        yield running


def test_a_slow_client_is_timed_out_while_others_are_served(impatient: MockProcess) -> None:
    served: list[float] = []
    failures: list[str] = []
    stop = threading.Event()

    def fast_client() -> None:
        with httpx.Client(base_url=impatient.base_url, timeout=IO_TIMEOUT_S) as client:
            while not stop.is_set():
                started = time.monotonic()
                response = client.post("/rooms", json={"name": "Fast"})
                served.append(time.monotonic() - started)
                if response.status_code != 201:
                    failures.append(response.text)
                    return
                client.delete(f"/rooms/{response.json()['id']}")

    worker = threading.Thread(target=fast_client)
    worker.start()
    try:
        with connect(impatient) as slow_head, connect(impatient) as slow_body:
            started = time.monotonic()
            slow_head.sendall(b"POST /api/v1/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            body = b'{"name": "Slow"}'
            slow_body.sendall(
                head(
                    "POST",
                    "/api/v1/rooms",
                    "Content-Type: application/json",
                    f"Content-Length: {len(body)}",
                )
            )
            for byte in body[:4]:  # a byte every 0.3 s: never whole within the second
                slow_body.sendall(bytes([byte]))
                time.sleep(0.3)
            head_answer, body_answer = read_response(slow_head), read_response(slow_body)
            waited = time.monotonic() - started
            assert closed_by_server(slow_head, 2.0) is not None
            assert closed_by_server(slow_body, 2.0) is not None
    finally:
        stop.set()
        worker.join(IO_TIMEOUT_S)
    for answer, instance in ((head_answer, None), (body_answer, "/api/v1/rooms")):
        problem = assert_problem(answer, 408)
        assert problem["type"] == REQUEST_TIMEOUT
        assert problem.get("instance") == instance
        assert answer.headers["connection"] == "close"
    assert 1.0 <= waited < 3.0
    assert not failures, failures
    # Served all along, never held up by the slow ones (a held-up request would wait 1 s).
    assert len(served) > 20 and statistics.median(served) < 0.2 and max(served) < 2.0
    with httpx.Client(base_url=impatient.base_url, timeout=IO_TIMEOUT_S) as client:
        assert client.get("/rooms").json()["total"] == 0  # the slow body created nothing


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(
    impatient: MockProcess,
) -> None:
    with connect(impatient) as silent, connect(impatient) as served, connect(impatient) as blank:
        started = time.monotonic()
        assert get(served, "/api/v1/rooms").status_code == 200
        for _ in range(3):  # blank lines begin no request: no activity
            blank.sendall(b"\r\n")
            time.sleep(0.3)
        for sock in (silent, served, blank):
            closed_after = closed_by_server(sock, 3.0)
            assert closed_after is not None
        assert 0.9 <= time.monotonic() - started < 2.5
    with connect(impatient) as sock:  # an active connection stays open past the timeout
        for _ in range(5):
            assert get(sock, "/api/v1/rooms").status_code == 200
            time.sleep(0.4)
        assert closed_by_server(sock, 0.2) is None


def test_the_shared_config_table_stays_bounded() -> None:
    """Every structure that grows with use has a limit: configs shared among rooms too."""
    store = RoomStore(max_rooms=10)
    for count in range(1, 10_001):
        room = store.create("x", {"max_participants": count})
        store.delete(room.id)
        assert len(store._configs) <= MAX_SHARED_CONFIGS
    first, second = store.create("a"), store.create("b")
    assert first.config is second.config  # sharing goes on after the table starts over


def test_the_open_file_limit_is_raised_to_fit_the_cap() -> None:
    """Past the open-file limit connections fail to be accepted, so the cap raises it."""
    script = (
        "import resource\n"
        "from mock_server.connections import ConnectionLimits, allow_open_files\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (200, resource.getrlimit("
        "resource.RLIMIT_NOFILE)[1]))\n"
        "allow_open_files(ConnectionLimits(max_connections=500))\n"
        "print(resource.getrlimit(resource.RLIMIT_NOFILE)[0])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True
    )
    assert int(done.stdout) == 500 + SPARE_FILES


def test_a_head_that_keeps_growing_is_refused_with_a_431(capped: MockProcess) -> None:
    """httptools would keep any head in memory; past 64 KiB still incomplete, the mock stops."""
    with connect(capped) as sock:
        sock.sendall(b"GET /api/v1/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sent = 0
        try:
            while sent < 2 * MAX_HEAD_BYTES:  # the head never ends: no blank line
                sock.sendall(f"X-Filler-{sent}: {'a' * 4000}\r\n".encode())
                sent += 4000
                time.sleep(0.002)
        except OSError:
            pass  # the server has answered and stopped reading
        answer = read_response(sock)
        problem = assert_problem(answer, 431)
        assert problem["type"] == HEAD_TOO_LARGE
        assert closed_by_server(sock, 3.0) is not None
    with connect(capped) as sock:
        assert get(sock).status_code == 200
