"""A server that answers every HTTP/1.1 request at once with a fixed room: the client's ceiling.

The Python load generator is measured against it, so the benchmark can say
when a number is the client's limit rather than the server's.

    python benchmarks/null_server.py --port 8000
"""

from __future__ import annotations

import argparse
import asyncio

BODY = b'{"id":"room_null0001","name":"Null","status":"active"}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
    b"content-length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)


class NullProtocol(asyncio.Protocol):
    """Counts complete requests (head plus Content-Length body) and answers each."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            marker = head.find(b"content-length:")
            length = int(head[marker + 15 :].split(b"\r\n", 1)[0]) if marker >= 0 else 0
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            assert self.transport is not None
            self.transport.write(RESPONSE)


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(NullProtocol, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    cli.add_argument("--port", type=int, required=True)
    asyncio.run(serve(cli.parse_args().port))


if __name__ == "__main__":
    main()
