"""The proxy's client to the backend: HTTP/1.1 over asyncio streams, a bounded pool of
keep-alive connections, and httptools' C parser (the one uvicorn reads requests with) for the
answers.

httpx came first, and is what the rest of the kit uses; but in front of a backend that wrk
gets answers from in 0.2 ms, its AsyncClient served 150 to 300 requests/s with 16 at once,
where bare asyncio streams served 6,000 (`benchmarks/bench_proxy.py`). A proxy sends one kind
of request to one origin, which is all this does: no redirects, no cookies, no retries but one
for a kept-alive connection the backend had closed (and only for a method that may be sent
twice). The caller bounds the time (`asyncio.timeout`); a connection whose exchange did not
finish is closed, never reused.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

import httptools

READ_BYTES = 64 * 1024
IDEMPOTENT = frozenset((b"GET", b"HEAD", b"PUT", b"DELETE", b"OPTIONS"))
WITH_BODY = frozenset((b"POST", b"PUT", b"PATCH"))
HttpHeaders = list[tuple[bytes, bytes]]


class BackendError(Exception):
    """The backend could not be reached (`connect`), broke off its answer (`broken`), or sent
    more than the limit (`too-large`); the message is one line."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Reply:
    """One answer as the backend sent it: status, headers in order, the body as framed."""

    status: int = 0
    headers: HttpHeaders = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)
    complete: bool = False
    headers_done: bool = False
    received: int = 0
    limit: int = 0

    # httptools' callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.headers_done = True

    def on_body(self, chunk: bytes) -> None:
        self.body += chunk

    def on_message_complete(self) -> None:
        self.complete = True


@dataclass
class Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    def usable(self) -> bool:
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()


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

    async def request(
        self, method: str, target: bytes, headers: HttpHeaders, body: bytes
    ) -> tuple[int, HttpHeaders, bytes]:
        """The backend's answer: status, headers, body (its framing undone, its
        Content-Encoding kept)."""
        verb = method.encode("ascii")
        head = self._head(verb, target, headers, body)
        async with self._slots:
            while self._idle:
                connection = self._idle.pop()
                if connection.usable():
                    break
                connection.close()
            else:
                connection = await self._connect()
                return await self._exchange(connection, verb, head, body, retry=False)
            return await self._exchange(connection, verb, head, body, retry=verb in IDEMPOTENT)

    async def _exchange(
        self, connection: Connection, verb: bytes, head: bytes, body: bytes, retry: bool
    ) -> tuple[int, HttpHeaders, bytes]:
        reply = Reply(limit=self.max_bytes)
        finished = False
        try:
            try:
                await self._send_and_read(connection, verb, head + body, reply)
            except (OSError, BackendError) as error:
                stale = isinstance(error, OSError) or error.kind == "broken"
                if not (retry and stale and reply.received == 0):
                    raise
                connection.close()  # kept alive, but the backend had closed it: once more
                connection = await self._connect()
                reply = Reply(limit=self.max_bytes)
                await self._send_and_read(connection, verb, head + body, reply)
            finished = True
        except OSError as error:
            reason = error.strerror or str(error) or type(error).__name__
            raise BackendError("broken", f"broke off its answer: {reason}") from None
        finally:
            if finished and _keeps_alive(reply):
                self._idle.append(connection)
            else:
                connection.close()
        return reply.status, reply.headers, bytes(reply.body)

    async def _send_and_read(
        self, connection: Connection, verb: bytes, data: bytes, reply: Reply
    ) -> None:
        connection.writer.write(data)
        parser = httptools.HttpResponseParser(reply)
        while not reply.complete:
            chunk = await connection.reader.read(READ_BYTES)
            if not chunk:
                if reply.headers_done and _delimited_by_close(reply):
                    reply.complete = True
                    break
                raise BackendError("broken", "broke off its answer: the connection closed")
            reply.received += len(chunk)
            try:
                parser.feed_data(chunk)
            except httptools.HttpParserError as error:
                raise BackendError("broken", f"sent what is not HTTP/1.1: {error}") from None
            if len(reply.body) > reply.limit or reply.received > reply.limit + READ_BYTES:
                limit = reply.limit
                raise BackendError(
                    "too-large", f"The backend's answer is larger than {limit} bytes."
                )
            reply.status = parser.get_status_code()
            if verb == b"HEAD" and reply.headers_done:
                reply.complete = True
            if reply.complete and 100 <= reply.status < 200:  # an interim answer: read on
                parser = httptools.HttpResponseParser(reply)
                reply.headers.clear()
                reply.complete = reply.headers_done = False

    async def _connect(self) -> Connection:
        try:
            reader, writer = await asyncio.open_connection(
                self.host, self.port, ssl=self.ssl, limit=READ_BYTES
            )
        except (OSError, ssl.SSLError) as error:
            raise BackendError("connect", error.strerror or str(error)) from None
        return Connection(reader, writer)

    def _head(self, verb: bytes, target: bytes, headers: HttpHeaders, body: bytes) -> bytes:
        lines = [verb + b" " + target + b" HTTP/1.1", b"host: " + self.authority]
        lines += [name + b": " + value for name, value in headers]
        if body or verb in WITH_BODY:
            lines.append(b"content-length: " + str(len(body)).encode())
        return b"\r\n".join(lines) + b"\r\n\r\n"

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def _header(reply: Reply, name: bytes) -> bytes | None:
    return next((value for key, value in reply.headers if key.lower() == name), None)


def _delimited_by_close(reply: Reply) -> bool:
    """An answer with neither a length nor chunks ends when the connection does."""
    encoding = (_header(reply, b"transfer-encoding") or b"").lower()
    return _header(reply, b"content-length") is None and b"chunked" not in encoding


def _keeps_alive(reply: Reply) -> bool:
    connection = (_header(reply, b"connection") or b"").lower()
    return b"close" not in connection and not _delimited_by_close(reply)
