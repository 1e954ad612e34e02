"""The suite's HTTP clients: a request never shares a client (and its connection pool) with
another thread's request, and what waits idle is bounded."""

from __future__ import annotations

import threading
from contextlib import ExitStack

import httpx

from contract_tests.suite.client import MAX_IDLE_CLIENTS, HttpClients
from tests.support.servers import running_mock


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


def test_threads_sharing_the_clients_each_get_their_own_answers_from_the_mock() -> None:
    clients = HttpClients({}, 10.0)
    answers: dict[str, object] = {}
    lock = threading.Lock()

    def ask(base_url: str, number: int) -> None:
        for request in range(25):
            name = f"thread {number} room {request}"
            with clients.borrowed() as client:
                answer = client.post(base_url + "/rooms", json={"name": name})
            with lock:
                answers[name] = answer.json().get("name")

    with running_mock("--fixtures", "none") as base_url:
        workers = [threading.Thread(target=ask, args=(base_url, n)) for n in range(16)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
    assert len(answers) == 16 * 25
    assert all(sent == named for sent, named in answers.items())
    assert len(clients._idle) <= 16  # no more clients than requests were ever in flight
    clients.close()
