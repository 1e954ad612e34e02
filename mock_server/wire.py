"""What a fault does on the wire: a reset, an empty reply, a garbled or cut body, a dribble.

ASGI has no way to reset a connection or to close it mid-body, so these reach the
connection itself: uvicorn's request cycle, whose bound `receive` the app is given,
holds it as `.transport`. Where there is none (an in-process test client, another
server), a connection fault raises `ConnectionFault` instead, which such clients
pass on to the test as an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Send

DISCONNECT_WAIT_S = 1.0
GARBAGE = b"\xff\xfe\x00<not JSON>\x00"


class ConnectionFault(Exception):
    """A connection fault asked for where the connection cannot be reached."""


def transport_of(receive: Receive) -> Any:
    """The connection under uvicorn's `receive`, or None (see the module's docstring)."""
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    return transport if hasattr(transport, "abort") and hasattr(transport, "close") else None


async def break_connection(
    kind: str, transport: Any, receive: Receive, send: Send, status: int, body: bytes
) -> tuple[int | None, bytes]:
    """Do the fault `kind`; what was sent: its status (None: no answer) and body."""
    if transport is None:
        raise ConnectionFault(f"{kind}: the connection is out of reach (not served by uvicorn)")
    if kind == "malformed_body":
        _status, garbled = sent_by(kind, status, body)
        await send(_start(status, len(garbled)))
        await send({"type": "http.response.body", "body": garbled})
        return status, garbled
    sent: tuple[int | None, bytes] = (None, b"")
    if kind == "connection_reset":
        sock = transport.get_extra_info("socket")
        if sock is not None:  # linger 0: close() sends RST, not FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    elif kind == "empty_reply":
        transport.close()
    else:  # truncated_body: the full length announced, half of it sent, then FIN
        _status, half = sent_by(kind, status, body)
        await send(_start(status, len(body)))
        await send({"type": "http.response.body", "body": half, "more_body": True})
        transport.close()  # after what is buffered has gone out
        sent = (status, half)
    await _until_disconnected(receive)
    return sent


def sent_by(kind: str, status: int, body: bytes) -> tuple[int | None, bytes]:
    """What the fault `kind` sends of an answer: its status (None: none) and body bytes,
    known before it is done (the shared journal writes it first)."""
    if kind == "malformed_body":
        return status, body[: len(body) // 2] + GARBAGE
    if kind == "truncated_body":
        return status, body[: len(body) // 2]
    return None, b""


def _start(status: int, length: int) -> dict[str, Any]:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % length)]
    return {"type": "http.response.start", "status": status, "headers": headers}


async def _until_disconnected(receive: Receive) -> None:
    """Wait until the server has seen the connection go, so it neither logs that the app
    returned without an answer nor writes its own 500 on the broken connection."""

    async def drain() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(drain(), DISCONNECT_WAIT_S)


async def dribble(response: Response, send: Send, chunks: int, over_ms: int) -> None:
    """Send `response` with its body in `chunks` pieces spread over `over_ms`."""
    body = bytes(response.body)
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    size = max(1, -(-len(body) // chunks))  # ceiling division
    pieces = [body[start : start + size] for start in range(0, len(body), size)] or [b""]
    pause = over_ms / 1000 / max(len(pieces) - 1, 1)
    for index, piece in enumerate(pieces):
        if index:
            await asyncio.sleep(pause)
        more = index < len(pieces) - 1
        await send({"type": "http.response.body", "body": piece, "more_body": more})
