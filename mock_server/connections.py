"""Limits on connections: how many at once, how long idle, how long a request may take.

A mock that runs for weeks meets clients that hold a connection and do nothing,
and clients that send a request a byte at a time. uvicorn has a cap
(`limit_concurrency`, answered in plain text, and counted against every
connection, the oldest too) and an idle timer it arms only after a first
answer, and no timer at all on a request that is still arriving. So the mock
serves HTTP with a subclass of uvicorn's httptools protocol that adds:

- **a cap on connections**: a connection opened while `max_connections` are
  open, or while as many requests are in flight (a request whose client left
  still counts until it ends), has its request answered with a 503 problem of
  type `urn:rooms-mock:busy` and is closed; the connections already open go on;
- **an idle timeout**: a connection that sends nothing for `keep_alive_s`,
  before its first request as between requests, is closed (uvicorn's timer);
- **a request timeout**: a request must arrive whole, head and body, within
  `request_timeout_s` of its first byte; else it gets a 408 problem of type
  `urn:rooms-mock:request-timeout` and the connection is closed;
- **a bound on the head**: httptools holds a request's line and headers in
  memory however long they grow; a head still incomplete past MAX_HEAD_BYTES
  gets a 431 problem of type `urn:rooms-mock:head-too-large`, and the
  connection is closed (so a head never holds more than that and one read).

These problems are the mock's own (their `type` says so), not the API's: no
operation documents them. The mock writes the 408 and the 431 itself, then
closes without a reset (see `_linger`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
from uvicorn._types import ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from .one_write import OneWrite
from .responses import PROBLEM_JSON, problem_body

logger = logging.getLogger("mock_server.connections")

BUSY = "urn:rooms-mock:busy"
REQUEST_TIMEOUT = "urn:rooms-mock:request-timeout"
HEAD_TOO_LARGE = "urn:rooms-mock:head-too-large"
# httptools keeps a request's head (line and headers) in memory with no limit of its own.
MAX_HEAD_BYTES = 64 * 1024
DEFAULT_MAX_CONNECTIONS = 1000
DEFAULT_KEEP_ALIVE_S = 5
DEFAULT_REQUEST_TIMEOUT_S = 10
# Files the process needs besides its connections: the listening socket, logs, fixtures.
SPARE_FILES = 64
# After a 408 or 431, how long to read (and drop) what the client still sends, then close.
LINGER_S = 2.0


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    keep_alive_s: int = DEFAULT_KEEP_ALIVE_S
    request_timeout_s: int = DEFAULT_REQUEST_TIMEOUT_S


def own_problem(status: int, kind: str, detail: str, instance: str | None = None) -> bytes:
    """A problem+json body whose `type` marks it as the mock's, not the API's."""
    body = problem_body(status, detail, instance=instance)
    body["type"] = kind
    return orjson.dumps(body)


def problem_head(body: bytes) -> list[tuple[bytes, bytes]]:
    """The headers of an answer with that problem body, after which the connection closes."""
    return [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]


class Refusal:
    """ASGI: the 503 a connection past the cap gets for its request, and then closes."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.detail = (
            f"The mock holds {limits.max_connections} connections or requests, its limit "
            "(rooms-mock --max-connections); try again when one ends."
        )

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        # Read the body first: closing with bytes unread resets the connection, which can
        # destroy the answer before the client reads it. A slow body meets the timeout.
        message = await receive()
        while message["type"] == "http.request" and message.get("more_body", False):
            message = await receive()
        path = scope.get("path")
        instance = path if isinstance(path, str) else None
        body = own_problem(503, BUSY, self.detail, instance=instance)
        headers = [*problem_head(body), (b"retry-after", b"1")]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})


class LimitedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the cap, the idle timeout from the first byte
    on, the request timeout and the bound on heads (configured by `limited_protocol`)."""

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()
    refusal: ClassVar[Refusal] = Refusal(limits)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._arrival: asyncio.TimerHandle | None = None
        self._receiving = False  # a request has begun and is not whole yet
        self._began_at = 0.0
        self._head_done = False
        self._head_bytes = 0  # read while the head is incomplete (a chunk may hold more)
        self._lingering = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # (uvicorn's own signature narrows asyncio's BaseTransport the same way.)
        # An answer's head and body in one write (one_write.py).
        super().connection_made(OneWrite(transport, self.loop))  # type: ignore[arg-type]
        cap = self.limits.max_connections
        if len(self.connections) > cap or len(self.tasks) >= cap:
            self.app = self.refusal  # its one request gets the 503; the answer closes it
            logger.warning(
                "refused a connection from %s: %d connections and %d requests at once, "
                "the limit is %d (--max-connections)",
                _client(self.client),
                len(self.connections) - 1,
                len(self.tasks),
                cap,
            )
        # uvicorn arms the idle timer only after an answer; a silent connection is idle too.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_arrival()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # answered and closing: what still comes is dropped
        idle = self.timeout_keep_alive_task
        idle_until = idle.when() if idle is not None else None
        super().data_received(data)  # cancels the idle timer: the bytes may begin a request
        if self.transport.is_closing():
            return
        if self._receiving and not self._head_done:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._send_head_too_large()
                return
        if self._receiving:
            # Armed only for a request still incomplete once its bytes so far are read: most
            # arrive in one read and never cost a timer.
            if self._arrival is None:
                self._arrival = self.loop.call_at(
                    self._began_at + self.limits.request_timeout_s, self._arrival_timed_out
                )
        elif (
            idle_until is not None
            and self.timeout_keep_alive_task is None
            and (self.cycle is None or self.cycle.response_complete)
        ):
            # Bytes that begin no request (blank lines) are no activity: idle time runs on.
            self.timeout_keep_alive_task = self.loop.call_at(
                idle_until, self.timeout_keep_alive_handler
            )

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._receiving, self._head_done, self._head_bytes = True, False, 0
        self._began_at = self.loop.time()

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._head_done = True

    def on_message_complete(self) -> None:
        self._receiving = False
        self._stop_arrival()
        super().on_message_complete()

    def _stop_arrival(self) -> None:
        if self._arrival is not None:
            self._arrival.cancel()
            self._arrival = None

    def _arrival_timed_out(self) -> None:
        """The request did not arrive whole in time: a 408 if nothing else is being
        answered on this connection (answers go out in order), and close."""
        self._arrival = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if not self._head_done:
            if cycle is not None and not cycle.response_complete:
                cycle.keep_alive = False  # answer the requests that came whole, then close
            else:
                self._send_timeout(None)
            return
        if cycle is None or self.pipeline or (cycle.response_started and cycle.response_complete):
            self.transport.close()  # queued behind another, or answered without its body
        elif cycle.response_started:
            cycle.keep_alive = False
        else:
            self._send_timeout(self.scope.get("path"))
            # The handler waiting for the body sees the client gone and answers nothing.
            cycle.disconnected = True
            cycle.message_event.set()

    def _send_timeout(self, path: str | None) -> None:
        seconds = self.limits.request_timeout_s
        detail = (
            f"The request did not arrive whole within {seconds} s of its first byte "
            "(rooms-mock --request-timeout); the connection is closed."
        )
        self._answer_and_close(408, REQUEST_TIMEOUT, detail, path)
        logger.info("a request from %s timed out before it arrived whole", _client(self.client))

    def _send_head_too_large(self) -> None:
        """A head past MAX_HEAD_BYTES (headers are not read further): 431, and close. If
        another answer is under way on this connection, close after it instead."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.keep_alive = False
            self.flow.pause_reading()  # read no further meanwhile
            return
        detail = (
            f"The request's line and headers are larger than {MAX_HEAD_BYTES} bytes; "
            "the connection is closed."
        )
        self._answer_and_close(431, HEAD_TOO_LARGE, detail, None)

    def _answer_and_close(self, status: int, kind: str, detail: str, path: str | None) -> None:
        """Write a problem answer ourselves (no handler saw the request), then linger."""
        body = own_problem(status, kind, detail, instance=path)
        headers = [*self.server_state.default_headers, *problem_head(body)]
        head = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        self.transport.write(STATUS_LINE[status] + head + b"\r\n" + body)
        self._linger()

    def _linger(self) -> None:
        """Close after the answer without a reset: send FIN, drop what the client still
        sends for up to LINGER_S, then close. Closing a socket that has unread bytes resets
        the connection, and a reset can destroy the answer before the client reads it."""
        self._lingering = True
        self._stop_arrival()
        self._unset_keepalive_if_required()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)


def limited_protocol(limits: ConnectionLimits) -> type[LimitedHttpProtocol]:
    """The protocol class to give uvicorn (`Config(http=...)`) for these limits."""

    class Configured(LimitedHttpProtocol):
        pass

    Configured.limits = limits
    Configured.refusal = Refusal(limits)
    return Configured


def allow_open_files(limits: ConnectionLimits) -> None:
    """Raise the soft limit on open files to what the cap needs, where the hard limit allows;
    warn (once, at start) when it cannot, since past it connections fail to be accepted."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    needed = limits.max_connections + SPARE_FILES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < needed:
        logger.warning(
            "--max-connections %d needs %d open files; this process may open %d (ulimit -n)",
            limits.max_connections,
            needed,
            target,
        )


def _client(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "a client"
