"""The proxy when the backend misbehaves below the contract (down, slow, too large, cut off,
bytes that are not UTF-8), under 100 clients at once, and with credentials and hostile pages:
real sockets throughout, backends on raw sockets where no framework would send such answers."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.contract_targets.reference import RoomsApi
from tests.contract_targets.serve import serving
from tests.proxy.support import proxying, raw_backend

SECRET = "Bearer s3cr3t-token"
COOKIE = "session=c00kie-value"


def answering(head: bytes, body: bytes) -> object:
    def answer(connection: socket.socket, request: bytes) -> None:
        connection.sendall(head + body)

    return answer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_problem(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert words in response.json()["detail"]


def test_a_backend_that_is_down_is_a_502_and_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = f"http://127.0.0.1:{free_port()}/api/v1"
    with caplog.at_level(logging.WARNING, "mock_server.proxy"), proxying(backend) as proxy:
        answer = httpx.get(f"{proxy.base_url}/rooms")
        entry = next(iter(proxy.server.journal))
    assert_problem(answer, 502, "cannot be reached")
    assert len([r for r in caplog.records if r.name == "mock_server.proxy"]) == 1
    assert entry.answered_by == "proxy" and entry.status == 502
    assert proxy.server.proxy is not None and proxy.server.proxy.report.failures["502"] == 1


def test_a_backend_slower_than_the_timeout_is_a_504() -> None:
    def silent(connection: socket.socket, request: bytes) -> None:
        time.sleep(2)

    with raw_backend(silent) as backend, proxying(backend, timeout_s=0.3) as proxy:
        started = time.monotonic()
        answer = httpx.get(f"{proxy.base_url}/rooms", timeout=10)
        took = time.monotonic() - started
    assert_problem(answer, 504, "did not answer within 0.3 s")
    assert took < 1.5


def test_a_backend_that_dribbles_past_the_timeout_is_a_504() -> None:
    def dribbling(connection: socket.socket, request: bytes) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")
        with contextlib.suppress(OSError):  # the proxy hangs up at its timeout
            for _ in range(20):
                time.sleep(0.1)
                connection.sendall(b"x-more: 1\r\n")

    with raw_backend(dribbling) as backend, proxying(backend, timeout_s=0.5) as proxy:
        answer = httpx.get(f"{proxy.base_url}/rooms", timeout=10)
    assert_problem(answer, 504, "did not answer within 0.5 s")


def test_an_answer_over_the_size_limit_is_a_502() -> None:
    body = b'{"rooms": [], "pad": "' + b"x" * 200_000 + b'"}'
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
    with (
        raw_backend(answering(head % len(body), body)) as backend,  # type: ignore[arg-type]
        proxying(backend, max_answer_bytes=1000) as proxy,
    ):
        answer = httpx.get(f"{proxy.base_url}/rooms")
    assert_problem(answer, 502, "larger than 1000 bytes")


def test_a_backend_that_closes_mid_body_is_a_502() -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n"
    with (
        raw_backend(answering(head, b'{"rooms": [')) as backend,  # type: ignore[arg-type]
        proxying(backend) as proxy,
    ):
        answer = httpx.get(f"{proxy.base_url}/rooms")
    assert_problem(answer, 502, "broke off its answer")


def test_bytes_that_are_not_utf8_pass_unchanged_and_are_judged() -> None:
    body = b'{"name": "caf\xe9"}'
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-note: caf\xe9 \xe2\x9c\x93\r\n"
        b"content-length: %d\r\n\r\n" % len(body)
    )
    seen: list[bytes] = []

    def answer(connection: socket.socket, request: bytes) -> None:
        seen.append(request)
        connection.sendall(head + body)

    with raw_backend(answer) as backend, proxying(backend) as proxy:
        got = httpx.get(
            f"{proxy.base_url}/rooms/room_abc123", headers=[(b"x-who", b"Ren\xe9e \xe2\x9c\x93")]
        )
        findings = proxy.findings()
    assert got.status_code == 200
    assert got.content == body  # unchanged, byte for byte
    assert got.headers.raw[[n.lower() for n, _v in got.headers.raw].index(b"x-note")][1] == (
        b"caf\xe9 \xe2\x9c\x93"
    )
    assert b"x-who: Ren\xe9e \xe2\x9c\x93\r\n" in seen[0]
    header = got.headers["contract-violations"]
    assert header.isascii() and header.startswith("1; entry=1; rules=response-schema")
    assert [(f.rule, f.message) for f in findings] == [("response-schema", "the body is not JSON")]


def test_a_hundred_clients_at_once() -> None:
    async def hundred(api: str) -> list[int]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            answers = await asyncio.gather(
                *(client.post(f"{api}/rooms", json={"name": f"Room {n}"}) for n in range(100))
            )
        return [answer.status_code for answer in answers]

    with serving(RoomsApi()) as backend, proxying(backend) as proxy:
        statuses = asyncio.run(hundred(proxy.base_url))
        total = httpx.get(f"{proxy.base_url}/rooms").json()["total"]
        rules = proxy.rules("backend")
    assert statuses == [201] * 100
    assert total == 100
    assert rules == set()


def test_credentials_are_forwarded_but_never_journaled_or_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[bytes] = []
    body = b'{"detail": "no"}'
    head = (
        b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n"
        b"set-cookie: session=n3w-c00kie\r\ncontent-length: %d\r\n\r\n" % len(body)
    )

    def answer(connection: socket.socket, request: bytes) -> None:
        seen.append(request)
        connection.sendall(head + body)

    headers = {
        "Authorization": SECRET,
        "Cookie": COOKIE,
        "Connection": "keep-alive, x-hop",
        "X-Hop": "not forwarded",
    }
    with (
        caplog.at_level(logging.DEBUG),
        raw_backend(answer) as backend,
        proxying(backend) as proxy,
    ):
        got = httpx.get(f"{proxy.base_url}/rooms?api_key=k3y", headers=headers)
        journal = httpx.get(f"{proxy.origin}/_mock/requests").text
        stored = repr(list(proxy.server.journal))
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("mock_server"))
    request = seen[0].decode("latin-1").lower()
    assert f"authorization: {SECRET}".lower() in request
    assert f"cookie: {COOKIE}".lower() in request
    assert "x-hop" not in request
    assert got.headers["set-cookie"] == "session=n3w-c00kie"  # the client gets it
    for secret in ("s3cr3t", "c00kie", "k3y"):
        assert secret not in journal
        assert secret not in stored
        assert secret not in logged
    assert "problem-details" in logged  # the 401 broke a rule, and was logged


def test_only_host_names_of_this_server_are_answered() -> None:
    with serving(RoomsApi()) as backend, proxying(backend) as proxy:
        port = proxy.origin.rsplit(":", 1)[1]
        rebound = httpx.get(f"{proxy.base_url}/rooms", headers={"Host": f"evil.example:{port}"})
        local = httpx.get(f"http://localhost:{port}/api/v1/rooms")
        controls = httpx.get(f"{proxy.origin}/_mock/health", headers={"Host": "evil.example"})
    assert_problem(rebound, 421, "not for Host 'evil.example:")
    assert local.status_code == 200
    assert controls.status_code == 421


def test_no_credentialed_cors_for_any_origin_unless_listed() -> None:
    page = {"Origin": "https://evil.example"}
    listed = "http://localhost:3000"
    with serving(RoomsApi()) as backend:
        with proxying(backend) as proxy:
            anyone = httpx.get(f"{proxy.base_url}/rooms", headers=page)
        with proxying(backend, settings={"cors_origins": (listed,)}) as proxy:
            mine = httpx.get(f"{proxy.base_url}/rooms", headers={"Origin": listed})
            other = httpx.get(f"{proxy.base_url}/rooms", headers=page)
    assert anyone.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in anyone.headers
    assert mine.headers["access-control-allow-origin"] == listed
    assert mine.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in other.headers


ROOM = (
    b'{"id": "room_abc123", "name": "CS101", "status": "active", "participant_count": 0, '
    b'"config": {"max_participants": 100, "recording_enabled": false, "chat_enabled": true}, '
    b'"created_at": "2026-01-06T10:00:00Z"}'
)


def test_chunked_and_close_delimited_answers_pass_whole() -> None:
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (ROOM[:50], ROOM[50:]))
    chunked = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
        + chunks
        + b"0\r\n\r\n"
    )
    by_close = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n"
    for head, body in ((chunked, b""), (by_close, ROOM)):
        with (
            raw_backend(answering(head, body)) as backend,  # type: ignore[arg-type]
            proxying(backend) as proxy,
        ):
            got = httpx.get(f"{proxy.base_url}/rooms/room_abc123")
            rules = proxy.rules("backend")
        assert got.status_code == 200
        assert got.content == ROOM
        assert got.headers["content-length"] == str(len(ROOM))
        assert "transfer-encoding" not in got.headers
        assert rules == set()


def test_an_interim_answer_is_read_past_and_the_final_one_passes() -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n"
    final = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
    with (
        raw_backend(answering(interim + final % len(ROOM), ROOM)) as backend,  # type: ignore[arg-type]
        proxying(backend) as proxy,
    ):
        got = httpx.get(f"{proxy.base_url}/rooms/room_abc123")
        rules = proxy.rules("backend")
    assert got.status_code == 200
    assert got.content == ROOM
    assert "link" not in got.headers  # the interim answer's headers are not the final one's
    assert rules == set()


def test_an_answer_that_is_not_http_is_a_502() -> None:
    with (
        raw_backend(answering(b"SSH-2.0-OpenSSH_9.2\r\n", b"")) as backend,  # type: ignore[arg-type]
        proxying(backend) as proxy,
    ):
        answer = httpx.get(f"{proxy.base_url}/rooms")
    assert_problem(answer, 502, "sent what is not HTTP/1.1")


def test_a_compressed_answer_passes_compressed_and_is_judged_uncompressed() -> None:
    packed = gzip.compress(ROOM)
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
        b"content-length: %d\r\n\r\n" % len(packed)
    )
    seen: list[bytes] = []

    def answer(connection: socket.socket, request: bytes) -> None:
        seen.append(request)
        connection.sendall(head + packed)

    with raw_backend(answer) as backend, proxying(backend) as proxy:
        with httpx.stream(
            "GET", f"{proxy.base_url}/rooms/room_abc123", headers={"accept-encoding": "gzip"}
        ) as got:
            raw = b"".join(got.iter_raw())
        rules = proxy.rules("backend")
    assert b"accept-encoding: gzip" in seen[0].lower()
    assert raw == packed and got.headers["content-encoding"] == "gzip"
    assert rules == set()


def test_kept_alive_connections_are_reused_and_a_closed_one_is_replaced() -> None:
    connections: list[int] = []

    def answer(connection: socket.socket, request: bytes) -> None:
        connections.append(id(connection))
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
        connection.sendall(head % len(ROOM) + ROOM)  # then the backend closes it

    with raw_backend(answer) as backend, proxying(backend) as proxy:
        statuses = [httpx.get(f"{proxy.base_url}/rooms/room_abc123").status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert len(connections) == 5  # each closed by the backend, each replaced
    with serving(RoomsApi()) as backend, proxying(backend) as proxy:
        with httpx.Client() as client:
            made = client.post(f"{proxy.base_url}/rooms", json={"name": "CS101"}).json()
            gets = [client.get(f"{proxy.base_url}/rooms/{made['id']}") for _ in range(20)]
        assert proxy.server.proxy is not None
        pool = proxy.server.proxy.client
        assert len(pool._idle) == 1  # one connection served them all
    assert all(got.status_code == 200 for got in gets)


def test_a_head_request_passes_with_the_length_a_get_would_have() -> None:
    with serving(RoomsApi()) as backend, proxying(backend) as proxy:
        made = httpx.post(f"{proxy.base_url}/rooms", json={"name": "CS101"}).json()
        head = httpx.head(f"{proxy.base_url}/rooms/{made['id']}")
        direct = httpx.head(f"{backend}/rooms/{made['id']}")
    assert head.status_code == direct.status_code
    assert head.content == b""
    assert head.headers.get("content-length") == direct.headers.get("content-length")


def test_a_refused_request_is_forwarded_with_its_whole_body_and_one_past_the_limit_is_not() -> None:
    """The guard refuses a PUT on /rooms from its head alone (405); the proxy reads the rest
    of the body, sent in chunks, to forward it whole, and answers 413 itself past the limit."""
    chunks = [b'{"name": ', b'"late"}']

    def slowly(parts: list[bytes]) -> Iterator[bytes]:
        for index, part in enumerate(parts):
            if index:
                time.sleep(0.3)  # the guard answers before the rest arrives
            yield part

    with (
        serving(RoomsApi()) as backend,
        proxying(backend, settings={"max_body_bytes": 64}) as proxy,
    ):
        headers = {"content-type": "application/json"}
        refused = httpx.put(f"{proxy.base_url}/rooms", content=slowly(chunks), headers=headers)
        too_large = httpx.put(
            f"{proxy.base_url}/rooms", content=slowly([b"x" * 40, b"y" * 40]), headers=headers
        )
        forwarded, kept_back = list(proxy.server.journal)
    assert refused.status_code == 405, refused.text  # the backend's own refusal
    assert (forwarded.answered_by, forwarded.body) == ("backend", b"".join(chunks))
    assert {finding.side for finding in forwarded.contract} == {"client"}
    assert_problem(too_large, 413, "")
    assert kept_back.answered_by == "mock"
