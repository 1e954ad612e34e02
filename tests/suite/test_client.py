"""The suite's HTTP clients: a request never shares a client (and its connection pool) with
another thread's request, and what waits idle is bounded."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from contract_tests.suite.client import MAX_IDLE_CLIENTS, HttpClients


def test_requests_in_flight_at_once_each_hold_a_client_of_their_own() -> None:
    clients = HttpClients({}, 5.0)
    threads = 8
    together = threading.Barrier(threads, timeout=10)
    held: list[int] = []
    lock = threading.Lock()

    def borrow() -> None:
        with clients.borrowed() as client:
            with lock:
                held.append(id(client))
            together.wait()  # every thread holds its client at this moment

    workers = [threading.Thread(target=borrow) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert len(set(held)) == threads
    with clients.borrowed() as again:
        assert id(again) in held  # given back, then lent again: no new client per request
    clients.close()


def test_no_more_than_the_limit_wait_idle_and_the_rest_are_closed() -> None:
    clients = HttpClients({}, 5.0)
    lent: list[httpx.Client] = []
    with ExitStack() as stack:
        for _ in range(MAX_IDLE_CLIENTS + 3):
            lent.append(stack.enter_context(clients.borrowed()))
    closed = [client for client in lent if client.is_closed]
    assert len(closed) == 3
    assert len(clients._idle) == MAX_IDLE_CLIENTS
    clients.close()
    assert all(client.is_closed for client in lent)
    with clients.borrowed() as late:
        pass
    assert late.is_closed  # a client given back after close() is closed, not kept


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_threads_sharing_the_clients_each_get_their_own_answers_over_kept_alive_connections(
    echo: str,
) -> None:
    clients = HttpClients({}, 5.0)
    answers: dict[str, str] = {}
    lock = threading.Lock()

    def ask(number: int) -> None:
        for request in range(25):
            path = f"/{number}/{request}"
            with clients.borrowed() as client:
                text = client.get(echo + path).text
            with lock:
                answers[path] = text

    workers = [threading.Thread(target=ask, args=(number,)) for number in range(16)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert len(answers) == 16 * 25
    assert all(path == text for path, text in answers.items())
    assert len(clients._idle) <= 16  # no more clients than requests were ever in flight
    clients.close()
