"""The proxy's lane (mock_server/lane.py): the requests it takes get the answers uvicorn's way
gives, in order, framed the same; the requests it leaves take uvicorn's way and work as
before. Real sockets, the reference backend, the server `rooms-mock --proxy` runs."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mock_server import MockServer, MockSettings
from mock_server.lane import LaneProtocol
from mock_server.proxy_settings import ProxySettings
from tests.contract_targets.reference import RoomsApi
from tests.contract_targets.serve import serving
from tests.proxy.support import Running, proxying, raw_backend
from tests.support.raw_http import read_response, read_responses

CREATE = b'{"name": "CS101"}'
SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"


@contextmanager
def through_the_proxy() -> Iterator[tuple[Running, str]]:
    """The proxy in front of the reference backend, and a room the backend made."""
    with serving(RoomsApi()) as backend, proxying(backend) as proxy:
        room = httpx.post(f"{backend}/rooms", json={"name": "CS101"}).json()["id"]
        yield proxy, room


@pytest.fixture
def laned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the lane served, in order (a spy on `LaneProtocol._serve`)."""
    served: list[str] = []
    serve = LaneProtocol._serve

    async def spied(self: LaneProtocol, cycle: Any) -> None:
        served.append(f"{cycle.scope['method']} {cycle.scope['path']}")
        await serve(self, cycle)

    monkeypatch.setattr(LaneProtocol, "_serve", spied)
    return served


def connect(proxy: Running) -> socket.socket:
    host, port = proxy.origin.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def request(method: str, path: str, body: bytes = b"", *extra: bytes) -> bytes:
    head = [f"{method} {path} HTTP/1.1".encode(), b"Host: 127.0.0.1", *extra]
    if body:
        head += [b"Content-Type: application/json", b"Content-Length: %d" % len(body)]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def test_the_lane_takes_the_apis_requests_and_leaves_the_rest(laned: list[str]) -> None:
    with through_the_proxy() as (proxy, room), httpx.Client() as client:
        got = client.get(f"{proxy.base_url}/rooms/{room}")
        made = client.post(f"{proxy.base_url}/rooms", json={"name": "Lane"})
        health = client.get(f"{proxy.origin}/_mock/health")
        spec = client.get(f"{proxy.base_url}/openapi.json")
        chunked = client.post(
            f"{proxy.base_url}/rooms",
            content=iter([b'{"name": ', b'"chunked"}']),
            headers={"content-type": "application/json"},
        )
    assert [got.status_code, made.status_code, health.status_code] == [200, 201, 200]
    assert spec.status_code == 200 and chunked.status_code == 201
    assert laned == [f"GET /api/v1/rooms/{room}", "POST /api/v1/rooms"]
    # Framed as uvicorn frames it: the length given once, CORS' Vary, no body on 201 lost.
    assert got.headers.get_list("content-length") == [str(len(got.content))]
    assert got.headers["vary"] == "Origin"
    assert made.json()["name"] == "Lane"
    assert made.headers["location"].endswith(made.json()["id"])


def test_pipelined_requests_are_answered_in_order(laned: list[str]) -> None:
    with through_the_proxy() as (proxy, room), connect(proxy) as sock:
        sock.sendall(
            request("GET", f"/api/v1/rooms/{room}")
            + request("POST", "/api/v1/rooms", CREATE)
            + request("GET", "/api/v1/rooms/room_missing0")
            + request("DELETE", f"/api/v1/rooms/{room}")
        )
        answers = read_responses(sock, 4)
    assert [answer.status_code for answer in answers] == [200, 201, 404, 204]
    assert answers[0].json()["id"] == room and answers[1].json()["name"] == "CS101"
    assert answers[2].headers["content-type"] == "application/problem+json"
    assert laned[0] == f"GET /api/v1/rooms/{room}"  # the rest queued behind it, uvicorn's way


@pytest.mark.parametrize(
    ("version", "extra"), [("HTTP/1.0", b""), ("HTTP/1.1", b"Connection: close")]
)
def test_a_request_that_ends_the_connection_gets_its_answer_then_the_close(
    laned: list[str], version: str, extra: bytes
) -> None:
    with through_the_proxy() as (proxy, room), connect(proxy) as sock:
        lines = [f"GET /api/v1/rooms/{room} {version}".encode(), b"Host: 127.0.0.1"]
        sock.sendall(b"\r\n".join([*lines, *([extra] if extra else [])]) + b"\r\n\r\n")
        answer = read_response(sock)
        rest = sock.recv(100)
    assert answer.status_code == 200 and answer.json()["id"] == room
    assert answer.headers["connection"] == "close"
    assert rest == b""  # closed after the answer
    assert laned == [f"GET /api/v1/rooms/{room}"]


def test_a_head_request_through_the_lane_has_no_body(laned: list[str]) -> None:
    with through_the_proxy() as (proxy, room), connect(proxy) as sock:
        sock.sendall(request("HEAD", f"/api/v1/rooms/{room}"))
        head = read_response(sock, with_body=False)
        sock.sendall(request("GET", "/api/v1/rooms"))
        listing = read_response(sock)
    # The length a GET's answer would have, and no body: the next answer starts at once.
    assert int(head.headers["content-length"]) > 0 and head.content == b""
    assert listing.status_code == 200 and "rooms" in listing.json()
    assert laned[0] == f"HEAD /api/v1/rooms/{room}"


def test_an_exception_in_the_app_is_a_500_and_the_close(
    laned: list[str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with through_the_proxy() as (proxy, room):
        assert proxy.server.proxy is not None

        async def broken(*args: Any) -> None:
            raise RuntimeError("a bug in the proxy")

        monkeypatch.setattr(type(proxy.server.proxy), "__call__", broken)
        # uvicorn's logging config (the backend's server loaded it) stops at "uvicorn".
        logger = logging.getLogger("uvicorn.error")
        logger.addHandler(caplog.handler)
        with connect(proxy) as sock:
            sock.sendall(request("GET", f"/api/v1/rooms/{room}"))
            answer = read_response(sock)
            rest = sock.recv(100)
        logger.removeHandler(caplog.handler)
    assert answer.status_code == 500 and answer.text == "Internal Server Error"
    assert rest == b""
    assert laned == [f"GET /api/v1/rooms/{room}"]
    assert any("a bug in the proxy" in str(record.exc_info) for record in caplog.records)


def test_a_client_that_leaves_before_its_answer_costs_nothing_else(laned: list[str]) -> None:
    def slow(app: Any) -> Any:
        async def delayed(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                await asyncio.sleep(0.3)
            await app(scope, receive, send)

        return delayed

    with serving(slow(RoomsApi())) as backend, proxying(backend) as proxy:
        with connect(proxy) as sock:
            sock.sendall(request("GET", "/api/v1/rooms"))
            time.sleep(0.1)  # the request is on its way to the backend when the client leaves
        deadline = time.monotonic() + 5
        while not list(proxy.server.journal) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = list(proxy.server.journal)
        after = httpx.get(f"{proxy.base_url}/rooms", timeout=10)
    assert [entry.status for entry in left] == [200]  # asked, judged, journaled; not written
    assert after.status_code == 200
    assert laned == ["GET /api/v1/rooms", "GET /api/v1/rooms"]


def test_a_client_that_does_not_read_holds_back_its_next_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As uvicorn's way: an answer waits while the client's write buffer is full, and the
    requests behind it wait unread, so answers and their tasks never pile up however many
    requests the client sends."""
    in_flight: list[int] = []
    answered = LaneProtocol.answered

    async def counted(self: LaneProtocol, cycle: Any) -> None:
        in_flight.append(len(self.tasks))
        await answered(self, cycle)

    monkeypatch.setattr(LaneProtocol, "answered", counted)
    big = b"x" * (256 * 1024)

    def answer(connection: socket.socket, head: bytes) -> None:
        connection.sendall(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n"
            b"content-length: %d\r\n\r\n" % len(big) + big
        )

    with raw_backend(answer) as backend, proxying(backend) as proxy, connect(proxy) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        for _ in range(40):
            sock.sendall(request("GET", "/api/v1/rooms/room_abc123"))
            time.sleep(0.02)
        time.sleep(0.5)
    assert in_flight and max(in_flight) <= 2, in_flight


@pytest.mark.parametrize("base", ["/api/v1", "/"])
def test_the_lane_leaves_the_controls_and_the_ui_whatever_the_base_path(
    tmp_path: Path, base: str
) -> None:
    spec = yaml.safe_load(SPEC_PATH.read_text())
    spec["servers"] = [{"url": base}]
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    proxy = ProxySettings(url="http://127.0.0.1:9/api/v1")
    server = MockServer(MockSettings(spec_path=tmp_path / "spec.yaml", fixtures=None, proxy=proxy))
    api = base.rstrip("/")
    assert server.lane_takes(f"{api}/rooms") and server.lane_takes(f"{api}/rooms/room_abc123")
    for path in ("/_mock/events", "/_mock/health", f"{api}/ui/", f"{api}/openapi.json"):
        assert not server.lane_takes(path), path
