"""Raw HTTP/1.1 over a socket, for the tests that send what no client library would."""

from __future__ import annotations

import socket

import httpx

Head = tuple[int, list[tuple[str, str]], int]


def _parsed(head: bytes) -> Head:
    """A response head's status, headers and Content-Length (0 when it gives none)."""
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    pairs = [line.partition(":") for line in header_lines]
    headers = [(name.strip(), value.strip()) for name, _, value in pairs]
    lengths = [value for name, value in headers if name.lower() == "content-length"]
    return int(status_line.split()[1]), headers, int(lengths[0]) if lengths else 0


def read_response(sock: socket.socket, *, with_body: bool = True) -> httpx.Response:
    """One HTTP/1.1 response with a Content-Length (all the mock sends), as an httpx.Response;
    `with_body=False` stops after the head (the answer to a HEAD request). Bytes a read
    brings past it are dropped: for answers that may arrive together, `read_responses`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"the server closed the connection before answering: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, headers, length = _parsed(head)
    while with_body and len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return httpx.Response(status, headers=headers, content=body[:length])


def read_responses(sock: socket.socket, count: int) -> list[httpx.Response]:
    """`count` HTTP/1.1 responses with a Content-Length, one after the other on `sock` (the
    answers to pipelined requests, which may arrive in one read: none is lost between)."""
    data = b""
    responses: list[httpx.Response] = []
    while len(responses) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            status, headers, length = _parsed(data[:head_end])
            end = head_end + 4 + length
            if len(data) >= end:
                body, data = data[head_end + 4 : end], data[end:]
                responses.append(httpx.Response(status, headers=headers, content=body))
                continue
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"the server closed the connection after {len(responses)}")
        data += chunk
    return responses
