"""A whole answer in one write: an answer's head waits, one event-loop turn at most, for
its body.

uvicorn writes an answer's status line and headers when the app sends
`http.response.start` and its body when the app sends `http.response.body`: two writes,
two system calls and, on a socket with TCP_NODELAY (uvloop's default), two packets for
every answer, though nearly every answer has its body ready at once. `OneWrite` stands
in for a connection's transport: a head is held until the next write, which is its body,
and goes out with it; when the app waits before its body (an event stream), the head goes
out alone at the event loop's next turn. Every write of the connection passes here, so
the order on the wire is the order of the writes.
"""

from __future__ import annotations

import asyncio
from typing import Any

HEAD_START = b"HTTP/1.1 "
HEAD_END = b"\r\n\r\n"


class OneWrite:
    """The transport of one connection, with heads held for their bodies."""

    __slots__ = ("_held", "_loop", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._held = b""

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held:
            data = self._held + bytes(data)
            self._held = b""
        elif data[:9] == HEAD_START and data[-4:] == HEAD_END:
            self._held = bytes(data)
            self._loop.call_soon(self.flush)
            return
        self.transport.write(data)

    def flush(self) -> None:
        """Write a held head (its body did not follow within the turn)."""
        if self._held:
            held, self._held = self._held, b""
            if not self.transport.is_closing():
                self.transport.write(held)

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def write_eof(self) -> None:
        self.flush()
        self.transport.write_eof()

    def abort(self) -> None:
        self._held = b""
        self.transport.abort()

    def __getattr__(self, name: str) -> Any:
        # Everything else (get_extra_info, pause_reading, can_write_eof, ...) as it is.
        return getattr(self.transport, name)
