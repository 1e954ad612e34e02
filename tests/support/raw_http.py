"""Raw HTTP/1.1 over a socket, for the tests that send what no client library would."""

from __future__ import annotations

import socket

import httpx


def read_response(sock: socket.socket, *, with_body: bool = True) -> httpx.Response:
    """One HTTP/1.1 response with a Content-Length (all the mock sends), as an httpx.Response;
    `with_body=False` stops after the head (the answer to a HEAD request)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"the server closed the connection before answering: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    pairs = [line.partition(":") for line in header_lines]
    headers = [(name.strip(), value.strip()) for name, _, value in pairs]
    length = int(dict((name.lower(), value) for name, value in headers).get("content-length", 0))
    while with_body and len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return httpx.Response(int(status_line.split()[1]), headers=headers, content=body[:length])
