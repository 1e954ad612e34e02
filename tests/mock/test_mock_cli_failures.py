"""`rooms-mock` fails clearly: one line on stderr and exit 2 for bad input, never a traceback;
SIGINT and SIGTERM stop it within a second, whatever its clients are doing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.servers import PROJECT_ROOT, MockProcess, mock_command, mock_process

RUN_TIMEOUT_S = 60.0
# The issue asks for a stop within a second; the bound adds room for a busy machine.
STOP_BOUND_S = 1.5


def assert_one_line_failure(args: list[str], *fragments: str) -> str:
    """Run the CLI to its exit: status 2, nothing on stdout, one `rooms-mock: error:` line."""
    result = subprocess.run(
        mock_command(*args), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rooms-mock: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0]
    assert (result.returncode, result.stdout) == (2, "")
    return lines[0]


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def directory_named_json(folder: Path) -> Path:
    """A fixture directory whose `a.json` is itself a directory: it cannot be read."""
    (folder / "a.json").mkdir(parents=True)
    return folder


# -- bad fixtures -----------------------------------------------------------------

BAD_FIXTURES: dict[str, Callable[[Path], Path]] = {
    "not-json": lambda tmp: write(tmp / "rooms.json", '{"rooms": ['),
    "not-utf8": lambda tmp: write(tmp / "rooms.json", b'{"rooms": ["\xff"]}'),
    "not-an-object": lambda tmp: write(tmp / "rooms.json", "[]"),
    "invalid-room": lambda tmp: write(tmp / "rooms.json", '{"rooms": [{"id": "room_1"}]}'),
    "too-deep": lambda tmp: write(tmp / "rooms.json", "[" * 100_000 + "]" * 100_000),
    "bad-file-in-a-directory": lambda tmp: write(tmp / "fixtures" / "b.json", "{").parent,
    "directory-named-json": lambda tmp: directory_named_json(tmp / "fixtures"),
    "missing": lambda tmp: tmp / "nowhere.json",
}


@pytest.mark.parametrize("make", BAD_FIXTURES.values(), ids=BAD_FIXTURES.keys())
def test_a_bad_fixture_path_is_one_line_naming_it(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    path = make(tmp_path)
    assert_one_line_failure(["--fixtures", str(path)], str(path))


# -- unreadable specs ---------------------------------------------------------------

MINIMAL = 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\n'
BAD_SPECS: dict[str, Callable[[Path], Path]] = {
    "missing": lambda tmp: tmp / "nowhere.yaml",
    "directory": lambda tmp: tmp,
    "not-utf8": lambda tmp: write(tmp / "spec.yaml", b"openapi: \xff\xfe\n"),
    "not-yaml": lambda tmp: write(tmp / "spec.yaml", "openapi: [3.0.3\n"),
    "too-deep": lambda tmp: write(tmp / "spec.yaml", "a: " + "[" * 5_000 + "]" * 5_000),
    "not-a-mapping": lambda tmp: write(tmp / "spec.yaml", "- openapi\n"),
    "swagger-2": lambda tmp: write(tmp / "spec.yaml", 'swagger: "2.0"\n'),
    "invalid-openapi": lambda tmp: write(tmp / "spec.yaml", "openapi: 3.0.3\npaths: {}\n"),
    "unresolvable-ref": lambda tmp: write(
        tmp / "spec.yaml",
        MINIMAL + "paths: {/a: {get: {operationId: getRoom, responses: {'200': "
        "{$ref: '#/components/responses/Nope'}}}}}\n",
    ),
    "another-api": lambda tmp: write(
        tmp / "spec.yaml",
        MINIMAL + "paths: {/things: {get: {operationId: listThings, "
        "responses: {'200': {description: ok}}}}}\n",
    ),
    "no-operation-id": lambda tmp: write(
        tmp / "spec.yaml", MINIMAL + "paths: {/a: {get: {responses: {'200': {description: ok}}}}}\n"
    ),
}


@pytest.mark.parametrize("make", BAD_SPECS.values(), ids=BAD_SPECS.keys())
def test_an_unreadable_spec_is_one_line_naming_it(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    path = make(tmp_path)
    assert_one_line_failure(["--fixtures", "none", "--spec", str(path)], str(path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_spec_without_read_permission_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "spec.yaml", MINIMAL)
    path.chmod(0)
    assert_one_line_failure(["--fixtures", "none", "--spec", str(path)], str(path), "cannot read")


# -- ports ----------------------------------------------------------------------------


def test_a_port_in_use_is_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert_one_line_failure(["--port", str(port)], f"127.0.0.1:{port}", "in use")


def test_an_address_that_is_not_this_machines_is_one_line() -> None:
    # 192.0.2.0/24 is TEST-NET-1: documentation only, never a local address.
    assert_one_line_failure(["--host", "192.0.2.1"], "192.0.2.1")


# -- signals ---------------------------------------------------------------------------


@contextmanager
def client_that_is(kind: str, mock: MockProcess) -> Iterator[None]:
    """No client, one idle on a kept-alive connection, or one stuck halfway through a body."""
    if kind == "none":
        yield
        return
    with socket.create_connection(("127.0.0.1", mock.port), timeout=5) as sock:
        if kind == "keep-alive":
            sock.sendall(b"GET /api/v1/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        else:
            sock.sendall(
                b"POST /api/v1/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                b'{"name": "Never fin'
            )
        time.sleep(0.2)  # the server has seen the request
        yield


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("kind", ["none", "keep-alive", "mid-body"])
def test_sigint_and_sigterm_stop_the_mock_within_a_second(sig: signal.Signals, kind: str) -> None:
    with mock_process("--fixtures", "none") as mock, client_that_is(kind, mock):
        elapsed = mock.stop(sig)
    print(f"\n{sig.name} with client {kind}: stopped in {elapsed:.3f} s")
    assert elapsed < STOP_BOUND_S
    # It exits by itself (stop() kills and raises otherwise): 0 after Ctrl-C, or the signal.
    assert mock.process.returncode in (0, -sig)
    # uvicorn itself stopped: the signal came after its handlers were in place (said "serving"
    # before them, a signal could land in asyncio's startup or an import's lock and be lost).
    assert "Finished server process" in mock.output(), mock.output()
    if kind != "mid-body":  # cancelling a request mid-body makes uvicorn log the cancellation
        assert "Traceback" not in mock.output(), mock.output()


# -- clients that leave, and what the log says ----------------------------------------


def _cut_off_mid_body(port: int, path: str) -> bytes:
    """Send headers announcing 100 bytes, 9 of them, then close the sending side."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 100\r\n\r\n".encode()
            + b'{"name":'
        )
        time.sleep(0.1)
        sock.shutdown(socket.SHUT_WR)
        return sock.recv(4096)


@pytest.mark.parametrize("path", ["/api/v1/rooms", "/_mock/reset"])
def test_a_client_cut_off_mid_body_gets_no_500_and_the_log_no_traceback(path: str) -> None:
    with mock_process("--fixtures", "none", "--log-level", "debug") as mock:
        answer = _cut_off_mid_body(mock.port, path)
        assert b" 500 " not in answer, answer
        import httpx

        assert httpx.get(f"{mock.base_url}/rooms").status_code == 200  # still serving
        mock.stop()
    assert "Traceback" not in mock.output(), mock.output()
    assert "Exception" not in mock.output(), mock.output()


def test_debug_logs_every_request_with_its_status_and_violations() -> None:
    import httpx

    with mock_process("--fixtures", "none", "--log-level", "debug") as mock:
        httpx.get(f"{mock.base_url}/rooms?limit=0")
        httpx.post(f"{mock.base_url}/rooms", json={"name": "A"})
        mock.stop()
    lines = mock.output().splitlines()
    assert any(
        "GET /api/v1/rooms?limit=0 -> 400" in line and "/limit: 0 is less than the minimum" in line
        for line in lines
    ), mock.output()
    assert any("POST /api/v1/rooms -> 201" in line for line in lines), mock.output()
    with mock_process("--fixtures", "none") as quiet:
        httpx.get(f"{quiet.base_url}/rooms?limit=0")
        quiet.stop()
    assert "-> 400" not in quiet.output()
