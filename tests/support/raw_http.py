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


def read_responses(sock: socket.socket, count: int) -> list[httpx.Response]:
    """`count` HTTP/1.1 responses with a Content-Length, one after the other on `sock` (the
    answers to pipelined requests, which may arrive in one read: none is lost between)."""
    data = b""
    responses: list[httpx.Response] = []
    while len(responses) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end].decode("latin-1")
            status_line, *header_lines = head.split("\r\n")
            pairs = [line.partition(":") for line in header_lines]
            headers = [(name.strip(), value.strip()) for name, _, value in pairs]
            lengths = [value for name, value in headers if name.lower() == "content-length"]
            end = head_end + 4 + int(lengths[0] if lengths else 0)
            if len(data) >= end:
                body, data = data[head_end + 4 : end], data[end:]
                responses.append(
                    httpx.Response(int(status_line.split()[1]), headers=headers, content=body)
                )
                continue
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"the server closed the connection after {len(responses)}")
        data += chunk
    return responses
