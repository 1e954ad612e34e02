"""The proxy's short way through the server: a request served without uvicorn's ASGI cycle.

In proxy mode the mock does for each request what the backend behind it does, and more, so
what the server costs counts twice. For every request uvicorn builds a `RequestResponseCycle`
(an `asyncio.Event` with it), runs the app through `run_asgi`, and frames the answer in
`send` (a regular expression per header name and value, a pass over the headers for their
framing): measured, a sixth of a proxied get. A request the lane can take (`LaneProtocol.
takes`: a whole body of known, small length, no `Expect`, no upgrade, nothing else in
flight on the connection, and `MockServer.lane_takes` says its path is the proxy's) gets a
`LaneCycle` instead: the same app (`MockServer`, with its Host check, CORS and router) is
called with a `receive` that gives the body read and a `send` that gathers the answer, and
the answer goes out in one write, framed as uvicorn frames the proxy's answers.

Everything else takes uvicorn's way unchanged: a request pipelined behind one in flight
(uvicorn queues it; the lane's end starts it), a chunked or large body (streamed to the app),
the Swagger UI and the controls (the live event stream), a connection past the cap (its
503), and every request with `--access-log` (uvicorn logs them). What uvicorn's protocol and
connections.py read of a cycle (`response_complete`, `keep_alive`, `disconnected`,
`message_event`, ...) a `LaneCycle` has too, so their timeouts, shutdown and disconnects
work on both.

It writes header names and values as the app gave them, without uvicorn's check for line
breaks: the proxy's headers are its own, or the backend's as httptools parsed them, and a
parsed header holds no line break.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Protocol, cast

import httptools
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from .connections import LimitedHttpProtocol

logger = logging.getLogger("uvicorn.error")  # where uvicorn logs an app's exceptions


class Lane(Protocol):
    """The app the lane serves (MockServer): ASGI, and which paths it may take."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None: ...

    def lane_takes(self, path: str) -> bool: ...


NOT_FRAMED = frozenset((204, 304))
SERVER_ERROR = (
    b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 21\r\nconnection: close\r\n\r\nInternal Server Error"
)
_DISCONNECT = {"type": "http.disconnect"}


class LaneCycle:
    """One request the lane serves: its scope and body, and its answer as it is gathered."""

    __slots__ = (
        "body",
        "chunks",
        "disconnected",
        "given",
        "headers",
        "keep_alive",
        "more_body",
        "protocol",
        "response_complete",
        "response_started",
        "scope",
        "status",
    )

    def __init__(self, protocol: LaneProtocol, scope: dict[str, Any], keep_alive: bool) -> None:
        self.protocol = protocol
        self.scope = scope
        self.keep_alive = keep_alive
        self.body = b""  # uvicorn's on_body adds to it
        self.more_body = True  # uvicorn's on_message_complete sets it False
        self.given = False
        self.disconnected = False
        self.response_started = False
        self.response_complete = False
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    @property
    def message_event(self) -> LaneCycle:
        return self  # uvicorn and connections.py `set()` it: nothing here waits on it

    def set(self) -> None:
        pass

    async def receive(self) -> dict[str, Any]:
        """The body, whole; then (as uvicorn answers once the answer is out) a disconnect."""
        if not self.given and not self.disconnected and not self.response_complete:
            self.given = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        return _DISCONNECT

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.response_started:
                raise RuntimeError("Expected ASGI message 'http.response.body', but got start.")
            self.response_started = True
            self.status = message["status"]
            self.headers = list(message.get("headers", ()))
        elif kind == "http.response.body":
            if not self.response_started or self.response_complete:
                raise RuntimeError(f"Unexpected ASGI message {kind!r} at this point.")
            body = message.get("body", b"")
            if body:
                self.chunks.append(body)
            if not message.get("more_body", False):
                await self.protocol.answered(self)
        else:
            raise RuntimeError(f"Unexpected ASGI message {kind!r}.")


class LaneProtocol(LimitedHttpProtocol):
    """LimitedHttpProtocol with the lane for the requests `takes` admits (see the module)."""

    lane: ClassVar[Lane | None] = None
    max_body: ClassVar[int] = 0

    def on_headers_complete(self) -> None:
        if not self._takes():
            super().on_headers_complete()
            return
        parser = self.parser
        method = parser.get_method().decode("ascii")
        http_version = parser.get_http_version()
        url = self.url
        scope = self.scope
        scope["method"] = method
        if http_version != "1.1":
            scope["http_version"] = http_version
        parsed = httptools.parse_url(url)
        raw_path = parsed.path
        path = raw_path.decode("ascii")
        assert self.lane is not None  # _takes says so
        if "%" in path or not self.lane.lane_takes(path):
            super().on_headers_complete()  # uvicorn's way, from the start
            return
        scope["path"] = path
        scope["raw_path"] = raw_path
        scope["query_string"] = parsed.query or b""
        keep_alive = http_version != "1.0" and parser.should_keep_alive()
        self.cycle = LaneCycle(self, cast(dict[str, Any], scope), keep_alive)  # type: ignore[assignment]
        self._head_done = True

    def _takes(self) -> bool:
        """Can the lane take this request, as far as its head and the connection show?"""
        cycle = self.cycle
        if (
            self.lane is None
            or self.access_log
            or self.expect_100_continue
            or self.app is self.refusal
            or (cycle is not None and not cycle.response_complete)  # pipelined: queued
            or self.parser.should_upgrade()
        ):
            return False
        for name, value in self.headers:
            if name == b"content-length":
                if not (value.isdigit() and len(value) < 10 and int(value) <= self.max_body):
                    return False
            elif name == b"transfer-encoding":
                return False
        return True

    def on_message_complete(self) -> None:
        cycle = self.cycle
        super().on_message_complete()
        if type(cycle) is LaneCycle and not cycle.more_body:
            task = self.loop.create_task(self._serve(cycle))
            task.add_done_callback(self.tasks.discard)
            self.tasks.add(task)

    async def _serve(self, cycle: LaneCycle) -> None:
        assert self.lane is not None
        try:
            await self.lane(cycle.scope, cycle.receive, cycle.send)
        except BaseException as exc:
            logger.error("Exception in ASGI application\n", exc_info=exc)
            if not cycle.response_complete:
                self._give_up(cycle)
            if not isinstance(exc, Exception):
                raise
        else:
            if not cycle.response_complete and not cycle.disconnected:
                logger.error("ASGI callable returned without completing response.")
                self._give_up(cycle)

    def _give_up(self, cycle: LaneCycle) -> None:
        """What uvicorn does when the app fails an answer: a 500 and the close if nothing
        was sent yet, else the close."""
        if cycle.response_started:
            self.transport.close()
        else:
            cycle.keep_alive = False
            self._finish(cycle, SERVER_ERROR)

    async def answered(self, cycle: LaneCycle) -> None:
        """The answer is whole: write it, framed, in one write."""
        status, headers = cycle.status, cycle.headers
        body = b"".join(cycle.chunks)
        head = cycle.scope["method"] == "HEAD"
        length_given = False
        lines = [STATUS_LINE.get(status) or b"HTTP/1.1 %d \r\n" % status]
        for name, value in self.server_state.default_headers:
            lines += (name, b": ", value, b"\r\n")
        for name, value in headers:
            lowered = name.lower()
            if lowered == b"content-length":
                length_given = True
            elif lowered == b"connection" and value.lower() == b"close":
                cycle.keep_alive = False
                continue  # written below, once
            lines += (name, b": ", value, b"\r\n")
        if not (length_given or head or status in NOT_FRAMED or 100 <= status < 200):
            lines += (b"content-length: ", str(len(body)).encode("ascii"), b"\r\n")
        if not cycle.keep_alive:
            lines.append(b"connection: close\r\n")
        lines.append(b"\r\n")
        if not head:
            lines.append(body)
        # As uvicorn's `send`: a client that does not read holds its answer back (and, the
        # answer not complete, its next requests queue and reading pauses), so answers
        # never pile up in the write buffer.
        flow = self.flow
        if flow.write_paused and not cycle.disconnected:
            await flow.drain()
        self._finish(cycle, b"".join(lines))

    def _finish(self, cycle: LaneCycle, answer: bytes) -> None:
        if cycle.disconnected or self.transport.is_closing():
            cycle.response_complete = True
            return
        self.transport.write(answer)
        cycle.response_complete = True
        if not cycle.keep_alive:
            self.transport.close()
        self.on_response_complete()


def lane_protocol(base: type[LimitedHttpProtocol], lane: Lane, max_body: int) -> type[LaneProtocol]:
    """A LaneProtocol with `base`'s limits that hands the requests it takes to `lane`; a
    body the lane reads whole is at most `max_body` bytes (the mock's `--max-body-bytes`)."""

    class Configured(LaneProtocol):
        pass

    Configured.limits = base.limits
    Configured.refusal = base.refusal
    Configured.lane = lane
    Configured.max_body = min(max_body, HIGH_WATER_LIMIT)
    return Configured
