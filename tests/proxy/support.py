"""What the proxy tests share: the proxy in process on a real socket in front of a backend, a
backend made of a raw socket (for answers no framework sends), and one scenario of requests
that touches every operation, valid and invalid, for judging a backend by one run of it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from mock_server import MockServer, MockSettings
from mock_server.journal import Finding
from mock_server.proxy_settings import ProxySettings
from mock_server.testing import start_mock

ACCEPT_TIMEOUT_S = 0.2
CLIENT_TIMEOUT_S = 10.0


@dataclass
class Running:
    """The proxy in process: its base URL and the server itself (its journal, its report)."""

    base_url: str
    server: MockServer

    @property
    def origin(self) -> str:
        return self.base_url.split("/api/", 1)[0]

    def findings(self) -> list[Finding]:
        return [finding for entry in self.server.journal for finding in entry.contract]

    def rules(self, side: str = "backend") -> set[str]:
        return {finding.rule for finding in self.findings() if finding.side == side}


@contextmanager
def proxying(
    backend: str, *, settings: dict[str, Any] | None = None, **proxy: Any
) -> Iterator[Running]:
    """The mock in proxy mode in front of `backend`, on 127.0.0.1 and a free port: the
    server `rooms-mock --proxy` runs (its protocol, its limits, its lane), in process."""
    options: dict[str, Any] = {"fixtures": None, **(settings or {})}
    with start_mock(MockSettings(proxy=ProxySettings(url=backend, **proxy)), **options) as mock:
        assert mock.server is not None
        yield Running(mock.base_url, mock.server)


@contextmanager
def raw_backend(answer: Callable[[socket.socket, bytes], None]) -> Iterator[str]:
    """A backend on a raw socket: `answer` gets each connection and what arrived of it once
    its request's head is in, and may write anything (or nothing) before it is closed."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(ACCEPT_TIMEOUT_S)
    stop = threading.Event()

    def serve_one(connection: socket.socket) -> None:
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                data += chunk
            answer(connection, data)

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve_one, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def scenario(api: str) -> list[httpx.Response]:
    """Every operation, valid and invalid requests, in one fixed order (no randomness)."""
    sent: list[httpx.Response] = []
    with httpx.Client(timeout=CLIENT_TIMEOUT_S) as client:

        def send(method: str, path: str, **options: Any) -> httpx.Response:
            response = client.request(method, f"{api}{path}", **options)
            sent.append(response)
            return response

        made = send("POST", "/rooms", json={"name": "CS101", "config": {"max_participants": 5}})
        body = made.json() if made.headers.get("content-type", "").endswith("json") else None
        room = body.get("id") if isinstance(body, dict) and body.get("id") else "room_none00"
        send("GET", f"/rooms/{room}")
        send("GET", "/rooms")
        send("GET", "/rooms", params={"limit": 0})
        send("GET", "/rooms", params={"offset": 1000})
        send("GET", "/rooms", params={"offset": 3_000_000_000})
        send("PATCH", f"/rooms/{room}", json={})
        send("PATCH", f"/rooms/{room}", json={"config": {"chat_enabled": False}})
        send("POST", f"/rooms/{room}/end")
        send("GET", "/rooms/room_unknown1")
        send("GET", "/rooms/not-a-room-id")
        json_type = {"content-type": "application/json"}
        send("POST", "/rooms", content=b'{"name": ', headers=json_type)
        send("POST", "/rooms", json={"name": "Extra", "owner": "me"})
        send("POST", "/rooms", content=b'{"name": "Plain"}', headers={"content-type": "text/plain"})
        send("POST", "/rooms", json={"name": "x" * 201})
        send("POST", "/rooms", json={"name": "Empty", "config": {"max_participants": 0}})
        send("DELETE", f"/rooms/{room}")
    return sent
