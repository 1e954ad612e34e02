"""The least a Python HTTP forwarder can do: bench_proxy's floor, not a proxy anyone should use.

    python benchmarks/bare_forwarder.py --port P --backend-port B

It reads each request with httptools on an asyncio (uvloop) protocol, sends it on to the
backend on 127.0.0.1:B over a keep-alive connection of its own per client connection, and
writes the backend's answer back as it came: no validation, no journal, no ASGI, no CORS,
one request at a time per connection (no pipelining), no timeouts. Every forwarder the mock
could have, written in Python on these libraries, does at least this work per request; so
its throughput against calling the backend directly bounds what `rooms-mock --proxy` can
reach on the same machine, and the gap between the two is the price of the proxy's checks
and of its server (uvicorn, ASGI, Starlette).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import cast

import httptools
import uvloop

# Hop-by-hop headers, and those the forwarder writes itself.
DROPPED = frozenset(
    (b"connection", b"keep-alive", b"transfer-encoding", b"host", b"content-length")
)


class Side(asyncio.Protocol):
    """One connection's end, gathering the message httptools is parsing: its header lines
    (less those dropped) and its body."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.head: list[bytes] = []
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() not in DROPPED:
            self.head.append(name + b": " + value + b"\r\n")

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def take(self) -> tuple[bytes, bytes]:
        """The message's header lines and its body, with a Content-Length of its own."""
        body = b"".join(self.body)
        head = b"".join(self.head) + b"content-length: %d\r\n\r\n" % len(body)
        self.head, self.body = [], []
        return head, body


class Upstream(Side):
    """One keep-alive connection to the backend; `ask` sends a request, awaits its answer."""

    def __init__(self) -> None:
        super().__init__()
        self.parser = httptools.HttpResponseParser(self)
        self.waiting: asyncio.Future[bytes] | None = None

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_message_complete(self) -> None:
        head, body = self.take()
        answer = b"HTTP/1.1 %d X\r\n" % self.parser.get_status_code() + head + body
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_result(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_exception(ConnectionError("the backend closed the connection"))

    async def ask(self, request: bytes) -> bytes:
        assert self.transport is not None
        self.waiting = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiting


class Downstream(Side):
    """One client connection: parse a request, forward it, write the answer."""

    def __init__(self, backend_port: int) -> None:
        super().__init__()
        self.backend_port = backend_port
        self.parser = httptools.HttpRequestParser(self)
        self.upstream: Upstream | None = None
        self.url = b""

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_message_complete(self) -> None:
        head, body = self.take()
        start = self.parser.get_method() + b" " + self.url + b" HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        self.url = b""
        asyncio.get_running_loop().create_task(self.forward(start + head + body))

    async def forward(self, request: bytes) -> None:
        if self.upstream is None:
            loop = asyncio.get_running_loop()
            _transport, self.upstream = await loop.create_connection(
                Upstream, "127.0.0.1", self.backend_port
            )
        answer = await self.upstream.ask(request)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.upstream is not None and self.upstream.transport is not None:
            self.upstream.transport.close()


async def serve(port: int, backend_port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Downstream(backend_port), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--port", type=int, required=True)
    cli.add_argument("--backend-port", type=int, required=True)
    args = cli.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(serve(args.port, args.backend_port))


if __name__ == "__main__":
    main()
