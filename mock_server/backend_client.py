"""The proxy's client to the backend: HTTP/1.1 on asyncio protocols, a bounded pool of
keep-alive connections, and httptools' C parser (the one uvicorn reads requests with) for the
answers.

httpx came first, and is what the rest of the kit uses; but in front of a backend that wrk
gets answers from in 0.2 ms, its AsyncClient served 150 to 300 requests/s with 16 at once,
where bare asyncio streams served 6,000 (`benchmarks/bench_proxy.py`). Streams in turn cost a
reader, a writer, a task wake-up per read and an `asyncio.timeout` per request; a protocol
feeds the parser as bytes arrive and wakes the request once, when its answer is whole, and
one timer, shared by every request, bounds the exchanges.

A proxy sends one kind of request to one origin, which is all this does: no redirects, no
cookies, no retries but one for a kept-alive connection the backend had closed (and only for
a method that may be sent twice). `timeout_s` bounds the whole request (the wait for a slot,
the connect, the exchange): TimeoutError past it. A connection whose exchange did not finish
is closed, never reused.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, cast

import httptools

HEAD_BYTES = 64 * 1024
"""What an answer's status line and headers may add to its body's limit."""
TICK_S = 0.02
"""How often the answers awaited are looked at for their deadlines (see `Deadlines`)."""
IDEMPOTENT = frozenset((b"GET", b"HEAD", b"PUT", b"DELETE", b"OPTIONS"))
WITH_BODY = frozenset((b"POST", b"PUT", b"PATCH"))
HttpHeaders = list[tuple[bytes, bytes]]
Answer = tuple[int, HttpHeaders, bytes]


class BackendError(Exception):
    """The backend could not be reached (`connect`), broke off its answer (`broken`), or sent
    more than the limit (`too-large`); the message is one line."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Connection(asyncio.Protocol):
    """One keep-alive connection to the backend, reading one answer at a time.

    `exchange` writes a request and returns a future of its answer; the parser's callbacks
    build the answer as bytes arrive, and the future is settled once: with the answer, or
    with a BackendError when the connection breaks or the answer goes over the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._answer: asyncio.Future[Answer] | None = None
        self._parser: Any = None
        self._begin(head=False)

    def _begin(self, head: bool) -> None:
        """Forget the last answer: what one exchange reads starts here."""
        self._head = head
        self._status = 0
        self._headers: HttpHeaders = []
        self._body: list[bytes] = []
        self._size = 0
        self.received = 0
        self.headers_done = False
        self.keep_alive = True

    # -- asyncio's callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        answer = self._answer
        if answer is None or answer.done():
            self.close()  # bytes nobody asked for: this connection cannot be trusted again
            return
        self.received += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail("broken", "sent what is not HTTP/1.1: an upgrade")
        except httptools.HttpParserError as error:
            self._fail("broken", f"sent what is not HTTP/1.1: {error}")
        if not answer.done() and self.received > self.limit + HEAD_BYTES:
            self._too_large()

    def eof_received(self) -> bool | None:
        return None  # the transport closes itself; connection_lost settles the answer

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._answer is None or self._answer.done():
            return
        if self.headers_done and self._delimited_by_close():
            self.keep_alive = False
            self._settle()
            return
        reason = "the connection closed"
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc) or type(exc).__name__
        self._fail("broken", f"broke off its answer: {reason}")

    # -- httptools' callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()
        if 100 <= self._status < 200:
            return  # an interim answer: its message ends, and the real one follows
        self.headers_done = True
        self.keep_alive = self._parser.should_keep_alive()
        if self._head:
            self._settle()

    def on_body(self, chunk: bytes) -> None:
        self._body.append(chunk)
        self._size += len(chunk)
        if self._size > self.limit:
            self._too_large()

    def on_message_complete(self) -> None:
        if not self.headers_done:  # an interim answer ended: the parser reads on to the next
            self._headers = []
            return
        self._settle()

    # -- one exchange

    def exchange(self, data: bytes, head: bool) -> asyncio.Future[Answer]:
        """Send `data` (a whole request); the future of its answer."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self._answer = loop.create_future()
        self._parser = httptools.HttpResponseParser(self)
        self._begin(head)
        self.transport.write(data)
        return self._answer

    def reusable(self) -> bool:
        return not self.closed and self.keep_alive and self.transport is not None

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()

    def _settle(self) -> None:
        if self._answer is not None and not self._answer.done():
            body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
            self._answer.set_result((self._status, self._headers, body))

    def _fail(self, kind: str, message: str) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(BackendError(kind, message))
        self.close()

    def _too_large(self) -> None:
        self._fail("too-large", f"The backend's answer is larger than {self.limit} bytes.")

    def _delimited_by_close(self) -> bool:
        """An answer with neither a length nor chunks ends when the connection does."""
        names = {name.lower() for name, _value in self._headers}
        if b"content-length" in names:
            return False
        encoding = b",".join(v for k, v in self._headers if k.lower() == b"transfer-encoding")
        return b"chunked" not in encoding.lower()


class BackendClient:
    """Requests to one origin, at most `pool` at once, each on a connection of its own."""

    def __init__(self, scheme: str, host: str, port: int, pool: int, max_bytes: int) -> None:
        self.host, self.port = host, port
        name = f"[{host}]".encode() if ":" in host else host.encode("idna")  # IPv6, or a name
        default = port == (443 if scheme == "https" else 80)
        self.authority = name if default else name + b":" + str(port).encode()
        self.ssl = ssl.create_default_context() if scheme == "https" else None
        self.max_bytes = max_bytes
        self._slots = asyncio.Semaphore(pool)
        self._idle: list[Connection] = []
        self._deadlines = Deadlines()

    async def request(
        self, method: str, target: bytes, headers: HttpHeaders, body: bytes, timeout_s: float
    ) -> Answer:
        """The backend's answer: status, headers, body (its framing undone, its
        Content-Encoding kept); TimeoutError past `timeout_s`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        verb = method.encode("ascii")
        data = self._head(verb, target, headers, body) + body
        if self._slots.locked():
            await asyncio.wait_for(self._slots.acquire(), timeout_s)
        else:
            await self._slots.acquire()
        try:
            while self._idle:
                connection = self._idle.pop()
                if connection.reusable():
                    break
                connection.close()
            else:
                connection = await self._connect(deadline - loop.time())
                return await self._exchange(connection, verb, data, deadline, retry=False)
            return await self._exchange(connection, verb, data, deadline, retry=verb in IDEMPOTENT)
        finally:
            self._slots.release()

    async def _exchange(
        self, connection: Connection, verb: bytes, data: bytes, deadline: float, retry: bool
    ) -> Answer:
        finished = False
        try:
            try:
                answer = await self._deadlines.within(
                    connection.exchange(data, verb == b"HEAD"), deadline
                )
            except BackendError as error:
                if not (retry and error.kind == "broken" and connection.received == 0):
                    raise
                connection.close()  # kept alive, but the backend had closed it: once more
                connection = await self._connect(deadline - asyncio.get_running_loop().time())
                answer = await self._deadlines.within(
                    connection.exchange(data, verb == b"HEAD"), deadline
                )
            finished = True
        finally:
            if finished and connection.reusable():
                self._idle.append(connection)
            else:
                connection.close()
        return answer

    async def _connect(self, timeout_s: float) -> Connection:
        loop = asyncio.get_running_loop()
        limit = self.max_bytes
        try:
            _transport, connection = await asyncio.wait_for(
                loop.create_connection(
                    lambda: Connection(limit), self.host, self.port, ssl=self.ssl
                ),
                max(timeout_s, 0.0),
            )
        except TimeoutError:
            raise
        except (OSError, ssl.SSLError) as error:  # TimeoutError is an OSError: it goes first
            raise BackendError("connect", error.strerror or str(error)) from None
        return connection

    def _head(self, verb: bytes, target: bytes, headers: HttpHeaders, body: bytes) -> bytes:
        lines = [verb + b" " + target + b" HTTP/1.1", b"host: " + self.authority]
        lines += [name + b": " + value for name, value in headers]
        if body or verb in WITH_BODY:
            lines.append(b"content-length: " + str(len(body)).encode())
        return b"\r\n".join(lines) + b"\r\n\r\n"

    async def close(self) -> None:
        self._deadlines.close()
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class Deadlines:
    """Times out the answers awaited past their deadlines, all with one timer that looks every
    TICK_S while any is awaited: a timer per request (`call_at`, then `cancel`) cost a proxied
    request more than the rest of this client's own work, and an answer past its deadline
    fails at most TICK_S late."""

    def __init__(self) -> None:
        self._awaited: dict[asyncio.Future[Answer], float] = {}
        self._timer: asyncio.TimerHandle | None = None

    async def within(self, answer: asyncio.Future[Answer], deadline: float) -> Answer:
        """The answer, or TimeoutError once `deadline` (the loop's clock) has passed."""
        self._awaited[answer] = deadline
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_at(loop.time() + TICK_S, self._look)
        try:
            return await answer
        finally:
            del self._awaited[answer]

    def _look(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        for answer, deadline in list(self._awaited.items()):
            if deadline <= now and not answer.done():
                answer.set_exception(TimeoutError())
        self._timer = loop.call_at(now + TICK_S, self._look) if self._awaited else None

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
