"""A thin HTTP client for the behaviour checks: it records every exchange (`exchange.py`, and
the run's `journal.py`) and keeps a ledger of the rooms the suite created so it can delete them.

The suite runs against shared servers (staging), so it never assumes it is alone: it only
reasons about rooms it created, and removes them when a scenario and the session end. Checks
run at once, each with its own client (its own history and rooms) over the target's shared
keep-alive connections (`HttpClients`); a create or a delete waits while a check holds the
room set still (`gate.py`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from .exchange import Exchange
from .gate import ROOMS, Cancelled, check_stop
from .journal import JOURNAL, created_id
from .target import Target

ROOM = "/rooms/{}"


@dataclass
class Ledger:
    """Every room id the suite was given, and those not deleted yet."""

    created: set[str] = field(default_factory=set)
    live: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, exchange: Exchange) -> tuple[str | None, str | None]:
        """Note what a response says about the rooms the suite owns (used for every request):
        the room it created, or the room it deleted."""
        made = created_id(exchange)
        gone = deleted_id(exchange)
        with self._lock:
            if made is not None:
                self.created.add(made)
                self.live.add(made)
            if gone is not None:
                self.live.discard(gone)
        return made, gone

    def forget(self, room_id: str) -> None:
        with self._lock:
            self.live.discard(room_id)

    def snapshot(self) -> tuple[frozenset[str], frozenset[str]]:
        """(created, live), copied under the lock: other threads add to them."""
        with self._lock:
            return frozenset(self.created), frozenset(self.live)


def deleted_id(exchange: Exchange) -> str | None:
    if exchange.method != "DELETE" or exchange.status not in (204, 404):
        return None
    return exchange.path.rstrip("/").rsplit("/", 1)[-1]


def moves_rooms(method: str, path: str) -> bool:
    """A delete (it moves every later room one place up in List) or a create: a new room
    usually goes last, but where timestamps tie (a server that keeps whole seconds) it goes
    by id, between rooms a check may be paging through."""
    return method == "DELETE" or (method == "POST" and path.rstrip("/").endswith("/rooms"))


MAX_IDLE_CLIENTS = 64


class HttpClients:
    """httpx clients to one target, each used by one thread at a time: a request borrows one
    (with its kept-alive connection) and gives it back.

    httpcore's connection pool (1.0.9, the newest) is not safe to share between threads: one
    thread's pass over the pool can close a connection it has just handed to another thread
    (encode/httpcore#1110), whose request then fails with `ReadError: [Errno 9] Bad file
    descriptor` or waits out its timeout; the suite's race once saw that from a correct server.
    A client no thread shares never takes that path. At most `MAX_IDLE_CLIENTS` wait idle; as
    many exist as requests were ever in flight at once (the checks' and the race's threads).
    """

    def __init__(self, headers: dict[str, str], timeout: float) -> None:
        self.headers, self.timeout = headers, timeout
        self._idle: list[httpx.Client] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def borrowed(self) -> Iterator[httpx.Client]:
        with self._lock:
            client = self._idle.pop() if self._idle else None
        if client is None:
            client = httpx.Client(
                headers=self.headers,
                timeout=self.timeout,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            )
        try:
            yield client
        finally:
            with self._lock:
                kept = not self._closed and len(self._idle) < MAX_IDLE_CLIENTS
                if kept:
                    self._idle.append(client)
            if not kept:
                client.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for client in idle:
            client.close()


_shared: dict[tuple[str, float, tuple[tuple[str, str], ...]], HttpClients] = {}
_shared_lock = threading.Lock()


def shared_http(target: Target) -> HttpClients:
    """The target's clients, one set for every check of the process."""
    key = (target.base_url, target.request_timeout, tuple(sorted(target.headers.items())))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = HttpClients(target.headers, target.request_timeout)
        return _shared[key]


def close_shared() -> None:
    with _shared_lock:
        for clients in _shared.values():
            clients.close()
        _shared.clear()


class ApiClient:
    """Requests to the target under its base URL, each kept as an `Exchange`."""

    def __init__(self, target: Target, ledger: Ledger, *, shared: bool = True) -> None:
        self.target = target
        self.ledger = ledger
        self.history: list[Exchange] = []
        self.rooms: set[str] = set()
        """Rooms this client created and has not deleted."""
        self._own = not shared
        self._http = (
            shared_http(target) if shared else HttpClients(target.headers, target.request_timeout)
        )

    def close(self) -> None:
        if self._own:
            self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Exchange:
        check_stop()
        sent_headers = dict(headers or {})
        if json is not None:
            content = orjson.dumps(json)
            sent_headers.setdefault("Content-Type", "application/json")
        started = time.time()
        url = self.target.url(path)
        gate = ROOMS.changing() if moves_rooms(method, path) else nullcontext()
        with gate, self._http.borrowed() as http:
            response = http.request(
                method, url, content=content, headers=sent_headers, params=params
            )
        exchange = Exchange.of(response, {**self.target.headers, **sent_headers}, content, started)
        self.history.append(exchange)
        JOURNAL.sent(exchange)
        made, gone = self.ledger.record(exchange)
        if made is not None:
            self.rooms.add(made)
        self.rooms.discard(gone or "")
        return exchange

    def create(self, body: Any) -> Exchange:
        return self.request("POST", "/rooms", json=body)

    def get(self, room_id: str) -> Exchange:
        return self.request("GET", ROOM.format(room_id))

    def patch(self, room_id: str, body: Any) -> Exchange:
        return self.request("PATCH", ROOM.format(room_id), json=body)

    def end(self, room_id: str) -> Exchange:
        return self.request("POST", ROOM.format(room_id) + "/end")

    def delete(self, room_id: str) -> Exchange:
        return self.request("DELETE", ROOM.format(room_id))

    def list(self, **params: int) -> Exchange:
        return self.request("GET", "/rooms", params=params or None)

    @contextmanager
    def scenario(self) -> Iterator[ApiClient]:
        """One example's requests: its history starts empty, its rooms are deleted after (by
        the run's sweeper when there is one)."""
        self.history = []
        before = set(self.rooms)
        try:
            yield self
        finally:
            left = self.rooms - before
            if SWEEPER.active:
                SWEEPER.sweep(left)
                self.rooms -= left
            else:
                self.delete_all(left)

    def delete_all(self, room_ids: set[str] | frozenset[str]) -> None:
        """Delete rooms the suite made; a server that cannot is reported by the checks, not here.
        (Each delete is in the journal, outside the scenario's history.)"""
        kept = self.history
        try:
            for room_id in sorted(room_ids):
                self.history = []
                with suppress(httpx.HTTPError):
                    self.request("DELETE", ROOM.format(room_id))
                self.ledger.forget(room_id)
                self.rooms.discard(room_id)
        finally:
            self.history = kept


LEDGER = Ledger()
"""The rooms this process created: one pytest session, or one xdist worker."""


class Sweeper:
    """Deletes the rooms a finished example leaves, in the background, while the checks go on:
    across a network a check's next example need not wait for the last one's deletes. Used
    while the checks run at once (`pool.py`); `drain` waits for every delete."""

    THREADS = 4

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._target: Target | None = None

    @property
    def active(self) -> bool:
        return self._pool is not None

    def start(self, target: Target) -> None:
        self._target = target
        self._pool = ThreadPoolExecutor(self.THREADS, thread_name_prefix="rooms-contract-sweep")

    def sweep(self, room_ids: set[str] | frozenset[str]) -> None:
        pool = self._pool
        if pool is None or self._target is None:
            return
        for room_id in sorted(room_ids):
            pool.submit(self._delete, self._target, room_id)

    def clear(self, target: Target, room_ids: set[str]) -> None:
        """Delete the rooms an example left, and empty `room_ids`: in the background while the
        checks run at once, else now."""
        if not room_ids:
            return
        if self.active:
            self.sweep(frozenset(room_ids))
        else:
            ApiClient(target, LEDGER).delete_all(frozenset(room_ids))
        room_ids.clear()

    @staticmethod
    def _delete(target: Target, room_id: str) -> None:
        client = ApiClient(target, LEDGER)
        with suppress(httpx.HTTPError, Cancelled):
            client.delete_all({room_id})

    def drain(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


SWEEPER = Sweeper()
