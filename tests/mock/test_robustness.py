"""What Schemathesis never sends, over real HTTP to a running `rooms-mock --strict`.

Malformed and hostile requests must get a 4xx problem (strict mode turns any response the spec
does not document into a 500, so "never 5xx" also means "always documented"), must not change
any room, and must leave the server serving. Raw sockets where httpx would tidy the request up.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from mock_server.cli import parser
from rooms_spec import load_spec
from tests.support.mock import assert_problem
from tests.support.raw_http import read_response
from tests.support.servers import MockProcess, mock_process

IO_TIMEOUT_S = 10.0
LIMIT = 64 * 1024  # the default --max-body-bytes
TEN_MB = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def mock() -> Iterator[MockProcess]:
    with mock_process("--fixtures", "none", "--strict") as running:
        yield running


@pytest.fixture
def client(mock: MockProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.base_url, timeout=IO_TIMEOUT_S) as http:
        yield http


@pytest.fixture
def room(client: httpx.Client) -> dict[str, Any]:
    response = client.post("/rooms", json={"name": "Target"})
    assert response.status_code == 201, response.text
    return response.json()


def everything(client: httpx.Client) -> dict[str, Any]:
    """Every room (the mock holds few here), to show that a refused request changed nothing."""
    response = client.get("/rooms", params={"limit": 100})
    assert response.status_code == 200, response.text
    return response.json()


def api_path(mock: MockProcess, path: str) -> str:
    """`/api/v1` + path: raw requests need the whole request target."""
    return urlsplit(mock.base_url).path + path


# -- raw HTTP -------------------------------------------------------------------


def request_head(method: str, target: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def connect(mock: MockProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", mock.port), timeout=IO_TIMEOUT_S)


def exchange(
    mock: MockProcess, head: bytes, pieces: Iterable[bytes] = (), pause_s: float = 0.0
) -> httpx.Response:
    """Send `head`, then each piece of the body after `pause_s`, and read the answer."""
    with connect(mock) as sock:
        sock.sendall(head)
        for piece in pieces:
            time.sleep(pause_s)
            sock.sendall(piece)
        return read_response(sock, with_body=not head.startswith(b"HEAD "))


def chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The pieces in chunked transfer coding, then the last chunk."""
    for piece in pieces:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def json_post(mock: MockProcess, path: str, body: bytes, method: str = "POST") -> httpx.Response:
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    return exchange(mock, request_head(method, api_path(mock, path), headers), [body])


# -- bodies ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_body_without_content_type_is_415_and_no_body_at_all_is_400(
    mock: MockProcess, client: httpx.Client, room: dict[str, Any], method: str
) -> None:
    path = "/rooms" if method == "POST" else f"/rooms/{room['id']}"
    before = everything(client)
    body = b'{"name": "No type"}'
    head = request_head(method, api_path(mock, path), {"Content-Length": str(len(body))})
    assert_problem(exchange(mock, head, [body]), 415)
    empty = request_head(method, api_path(mock, path), {"Content-Length": "0"})
    assert_problem(exchange(mock, empty), 400)
    assert everything(client) == before


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"name": "Café"}'.encode("latin-1")),
        ("application/json; charset=latin-1", '{"name": "Café"}'.encode("latin-1")),
        ("application/json", '{"name": "Café"}'.encode("utf-16")),
        ("application/json", b'\xef\xbb\xbf{"name": "BOM"}'),
        ("application/json", b'{"name": "\xc3"}'),  # a UTF-8 sequence cut short
        ("application/json", b'{"name": "\xed\xa0\x80"}'),  # an encoded surrogate
        ("application/json", bytes(range(256))),
    ],
)
def test_bytes_that_are_not_utf8_json_are_400(
    mock: MockProcess, client: httpx.Client, content_type: str, body: bytes
) -> None:
    before = everything(client)
    head = request_head(
        "POST",
        api_path(mock, "/rooms"),
        {"Content-Type": content_type, "Content-Length": str(len(body))},
    )
    assert_problem(exchange(mock, head, [body]), 400)
    assert everything(client) == before


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_10_mb_body_gets_413_before_the_client_has_sent_it(
    mock: MockProcess, client: httpx.Client, room: dict[str, Any], method: str
) -> None:
    """The client sends the head and one byte past the limit, then waits: the 413 must come
    although ~10 MB are still unsent, so the server answered without waiting for them."""
    path = "/rooms" if method == "POST" else f"/rooms/{room['id']}"
    before = everything(client)
    head = request_head(
        method,
        api_path(mock, path),
        {"Content-Type": "application/json", "Content-Length": str(TEN_MB)},
    )
    with connect(mock) as sock:
        sock.sendall(head + b"x" * (LIMIT + 1))
        body = assert_problem(read_response(sock), 413)
    assert str(LIMIT) in body["detail"]
    assert everything(client) == before


def test_a_chunked_body_is_cut_off_at_the_limit(mock: MockProcess, client: httpx.Client) -> None:
    """No Content-Length to go by: the server reads up to the limit and answers 413 while the
    client is still sending, long before the 10 MB it meant to send."""
    piece = b"x" * 8192
    head = request_head(
        "POST",
        api_path(mock, "/rooms"),
        {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
    )
    sent = 0
    with connect(mock) as sock:
        sock.sendall(head)
        for chunk in chunked([piece] * (TEN_MB // len(piece))):
            sock.sendall(chunk)
            sent += len(chunk)
            readable, _, _ = select.select([sock], [], [], 0.05 if sent > LIMIT else 0)
            if readable:
                break
        response = read_response(sock)
    assert_problem(response, 413)
    print(f"\n413 after {sent} bytes of {TEN_MB} sent")
    assert sent < 1024 * 1024
    assert everything(client)["total"] >= 0  # still serving


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "a", "config": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
        b'{"name": "a", "config": ' + b'{"a": ' * 8_000 + b"1" + b"}" * 8_000 + b"}",
        b'{"name": ' + b"[" * 900 + b"]" * 900 + b"}",  # shallow enough to parse: a type error
        b'{"name": "a", "config": {"chat_enabled": ' + b"[" * 900 + b"]" * 900 + b"}}",
    ],
    ids=["arrays-30000", "objects-8000", "name-900", "config-field-900"],
)
def test_deeply_nested_json_is_400(
    mock: MockProcess, client: httpx.Client, room: dict[str, Any], body: bytes
) -> None:
    before = everything(client)
    assert len(body) <= LIMIT
    assert_problem(json_post(mock, "/rooms", body), 400)
    assert_problem(json_post(mock, f"/rooms/{room['id']}", body, method="PATCH"), 400)
    assert everything(client) == before


@pytest.mark.parametrize(
    "number", ["1" + "0" * 100, "1" + "0" * 5_000, "-" + "9" * 30, "1e400", "-1e400", "100.0"]
)
def test_huge_and_odd_numbers_in_a_body_are_400(
    mock: MockProcess, client: httpx.Client, number: str
) -> None:
    before = everything(client)
    body = f'{{"name": "a", "config": {{"max_participants": {number}}}}}'.encode()
    assert_problem(json_post(mock, "/rooms", body), 400)
    assert everything(client) == before


def test_the_largest_64_bit_offset_is_echoed_exactly_and_one_more_is_a_400(
    client: httpx.Client, room: dict[str, Any]
) -> None:
    largest = 2**63 - 1  # 9223372036854775807, the contract's maximum
    page = client.get(f"/rooms?offset={largest}")
    assert page.status_code == 200, page.text
    assert (page.json()["offset"], page.json()["rooms"]) == (largest, [])  # exact, not a float
    for past in (str(2**63), "1" + "0" * 29, "9" * 5_000):  # one more, 30 digits, past int()
        problem = assert_problem(client.get(f"/rooms?offset={past}"), 400)
        assert [(e["in"], e["pointer"]) for e in problem["errors"]] == [("query", "/offset")]
    assert_problem(client.get(f"/rooms?limit={10**30}"), 400)
    assert_problem(client.get(f"/rooms?offset=-{10**30}"), 400)


# -- names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["a\x00b", "\x01\x02\x1b\x1f\x7f", "\t\n\r", "\u2028\u2029", "\ufeff", "\U0001f600" * 200],
    ids=["nul", "controls", "whitespace", "line-separators", "bom", "200-astral"],
)
def test_nul_and_control_characters_are_a_name_like_any_other(
    client: httpx.Client, name: str
) -> None:
    """The contract: a name is 1 to 200 characters, any characters. Echoed exactly, stored."""
    created = client.post("/rooms", json={"name": name})
    assert created.status_code == 201, created.text
    room = created.json()
    assert room["name"] == name
    assert client.get(f"/rooms/{room['id']}").json()["name"] == name
    renamed = client.patch(f"/rooms/{room['id']}", json={"name": name[::-1]})
    assert renamed.status_code == 200 and renamed.json()["name"] == name[::-1]


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "' + "\U0001f600" * 201 + '"}',  # 201 characters
        '{"name": "a\x00b"}',  # a raw control character: not JSON
        '{"name": "\\ud800"}',  # a lone surrogate: not text
    ],
    ids=["201-astral", "raw-nul", "lone-surrogate"],
)
def test_names_that_are_too_long_or_not_text_are_400(
    mock: MockProcess, client: httpx.Client, body: str
) -> None:
    before = everything(client)
    assert_problem(json_post(mock, "/rooms", body.encode("utf-8", "surrogatepass")), 400)
    assert everything(client) == before


# -- methods, URLs, ids -----------------------------------------------------------

SPEC = load_spec()
PATHS = {
    "/rooms": "/rooms",
    "/rooms/{id}": "/rooms/room_abcdefgh",
    "/rooms/{id}/end": "/rooms/room_abcdefgh/end",
}
UNDECLARED = ["PUT", "TRACE", "OPTIONS", "CONNECT", "PROPFIND", "QUERY", "PURGE", "LOCK", "HEAD"]


@pytest.mark.parametrize("template", list(PATHS))
@pytest.mark.parametrize("method", UNDECLARED)
def test_undeclared_methods_get_405_with_the_full_allow(
    mock: MockProcess, template: str, method: str
) -> None:
    allowed = SPEC.methods_of(template)
    if method in allowed:
        pytest.skip(f"{method} is declared on {template}")
    response = exchange(mock, request_head(method, api_path(mock, PATHS[template])))
    assert response.status_code == 405
    assert {part.strip() for part in response.headers["allow"].split(",")} == set(allowed)
    if method != "HEAD":
        assert_problem(response, 405)


@pytest.mark.parametrize("method", ["FOO", "X-CUSTOM", "M" * 200])
def test_methods_that_are_no_known_token_are_refused_and_the_server_goes_on(
    mock: MockProcess, client: httpx.Client, method: str
) -> None:
    response = exchange(mock, request_head(method, api_path(mock, "/rooms")))
    assert 400 <= response.status_code < 500
    assert client.get("/rooms").status_code == 200


@pytest.mark.xfail(
    strict=True,
    reason="uvicorn's default HTTP parser (httptools) refuses unknown method tokens itself with "
    "a plain-text 400, before the mock sees them; `http='h11'` would let the mock answer 405",
)
def test_methods_that_are_no_known_token_get_the_contracts_405(mock: MockProcess) -> None:
    response = exchange(mock, request_head("FOO", api_path(mock, "/rooms")))
    assert_problem(response, 405)


@pytest.mark.parametrize(
    "room_id", ["room_" + "a" * 5_000, "%00", "room_%2Fx", "%F0%9F%98%80", "room_" + "%FF" * 100]
)
def test_long_and_odd_ids_are_404_on_every_operation(client: httpx.Client, room_id: str) -> None:
    before = everything(client)
    path = f"/rooms/{room_id}"
    for response in (
        client.get(path),
        client.patch(path, json={"name": "x"}),
        client.delete(path),
        client.post(f"{path}/end"),
    ):
        assert_problem(response, 404)
    assert everything(client) == before


def test_long_urls_are_answered_and_too_long_ones_refused_without_a_5xx(
    mock: MockProcess, client: httpx.Client
) -> None:
    assert client.get("/rooms", params={"unknown": "x" * 10_000}).status_code == 200
    assert_problem(client.get("/" + "x/" * 10_000), 404)
    # 200 KB of request target: the HTTP server's own limit, a plain 4xx, and it goes on.
    response = exchange(mock, request_head("GET", api_path(mock, "/rooms/" + "a" * 200_000)))
    assert 400 <= response.status_code < 500
    assert client.get("/rooms").status_code == 200


# -- slow and vanishing clients ---------------------------------------------------


def pieces_of(data: bytes, count: int) -> list[bytes]:
    """`data` cut in `count` pieces, some cuts inside multi-byte characters."""
    size = -(-len(data) // count)
    return [data[start : start + size] for start in range(0, len(data), size)]


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_slow_client_sending_its_body_in_pieces_is_served_and_blocks_no_one(
    mock: MockProcess, client: httpx.Client, framing: str
) -> None:
    name = "Slow · ünïcödé · 😀 " * 5
    body = json.dumps({"name": name, "config": {"max_participants": 7}}).encode()
    headers = {"Content-Type": "application/json"}
    if framing == "chunked":
        headers["Transfer-Encoding"] = "chunked"
        pieces = list(chunked(pieces_of(body, 12)))
    else:
        headers["Content-Length"] = str(len(body))
        pieces = pieces_of(body, 12)
    with connect(mock) as sock:
        sock.sendall(request_head("POST", api_path(mock, "/rooms"), headers) + pieces[0])
        # Meanwhile another client is served at once.
        started = time.monotonic()
        assert client.get("/rooms").status_code == 200
        assert time.monotonic() - started < 1.0
        for piece in pieces[1:]:
            time.sleep(0.05)
            sock.sendall(piece)
        response = read_response(sock)
    assert response.status_code == 201, response.text
    room = response.json()
    assert (room["name"], room["config"]["max_participants"]) == (name, 7)
    assert client.get(f"/rooms/{room['id']}").json()["name"] == name


def test_a_client_that_hangs_up_mid_body_changes_nothing(
    mock: MockProcess, client: httpx.Client
) -> None:
    before = everything(client)
    body = b'{"name": "Never finished"}'
    head = request_head(
        "POST",
        api_path(mock, "/rooms"),
        {"Content-Type": "application/json", "Content-Length": str(len(body))},
    )
    with connect(mock) as sock:
        sock.sendall(head + body[:10])
    time.sleep(0.2)
    assert everything(client) == before


# -- bodies on operations that take none --------------------------------------------


def test_operations_without_a_body_ignore_one_of_any_type_or_size(
    mock: MockProcess, client: httpx.Client, room: dict[str, Any]
) -> None:
    """Multipart without a boundary, or 10 MB announced: GET, DELETE and end ignore the body."""
    multipart = {"Content-Type": "multipart/form-data", "Content-Length": "9"}
    big = {"Content-Type": "application/json", "Content-Length": str(TEN_MB)}
    room_path = api_path(mock, f"/rooms/{room['id']}")
    for headers in (multipart, big):
        for method, target in (("GET", room_path), ("GET", api_path(mock, "/rooms"))):
            with connect(mock) as sock:
                sock.sendall(request_head(method, target, headers) + b"--x\r\nfoo")
                assert read_response(sock).status_code == 200
    with connect(mock) as sock:
        sock.sendall(request_head("POST", f"{room_path}/end", multipart) + b"--x\r\nfoo")
        assert read_response(sock).status_code == 200
    with connect(mock) as sock:
        sock.sendall(request_head("DELETE", room_path, big) + b"--x\r\nfoo")
        assert read_response(sock).status_code == 204


# -- limits ---------------------------------------------------------------------------


def test_the_documented_defaults_are_a_64_kib_body_and_10000_rooms() -> None:
    args = parser().parse_args([])
    assert (args.max_body_bytes, args.max_rooms) == (LIMIT, 10_000)
    create = SPEC.operations["createRoom"].responses
    assert {"409", "413"} <= set(create)
    assert "413" in SPEC.operations["updateRoom"].responses


CAP = 3
SMALL_LIMIT = 1024


@pytest.fixture(scope="module")
def capped() -> Iterator[MockProcess]:
    args = ("--fixtures", "none", "--strict", "--max-rooms", str(CAP))
    with mock_process(*args, "--max-body-bytes", str(SMALL_LIMIT)) as running:
        yield running


@pytest.fixture
def capped_client(capped: MockProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=capped.base_url, timeout=IO_TIMEOUT_S) as http:
        assert http.post(f"{capped.origin}/_mock/reset").status_code == 200
        yield http


def test_create_past_the_room_cap_is_409_and_changes_nothing(capped_client: httpx.Client) -> None:
    ids = [capped_client.post("/rooms", json={"name": f"R{n}"}).json()["id"] for n in range(CAP)]
    before = everything(capped_client)
    assert before["total"] == CAP
    refused = assert_problem(capped_client.post("/rooms", json={"name": "One too many"}), 409)
    assert str(CAP) in refused["detail"]
    assert everything(capped_client) == before
    # At the cap, everything but create still works; a delete makes room for one more.
    assert capped_client.patch(f"/rooms/{ids[0]}", json={"name": "Renamed"}).status_code == 200
    assert capped_client.post(f"/rooms/{ids[1]}/end").status_code == 200
    assert capped_client.delete(f"/rooms/{ids[2]}").status_code == 204
    again = capped_client.post("/rooms", json={"name": "Fits again"})
    assert again.status_code == 201 and again.json()["id"] not in ids
    assert_problem(capped_client.post("/rooms", json={"name": "Full again"}), 409)


def test_the_body_limit_is_configurable_and_exact(
    capped: MockProcess, capped_client: httpx.Client
) -> None:
    def body_of(size: int) -> bytes:
        prefix, suffix = b'{"name": "', b'"}'
        return prefix + b"n" * (size - len(prefix) - len(suffix)) + suffix

    too_big = body_of(SMALL_LIMIT + 1)
    assert_problem(json_post(capped, "/rooms", too_big), 413)
    chunked_head = request_head(
        "POST",
        api_path(capped, "/rooms"),
        {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
    )
    assert_problem(exchange(capped, chunked_head, chunked(pieces_of(too_big, 4))), 413)
    assert everything(capped_client)["total"] == 0
    # At the limit exactly, the body is read (and the name, over 200 characters, refused).
    response = json_post(capped, "/rooms", body_of(SMALL_LIMIT))
    assert_problem(response, 400)
    assert response.json()["errors"][0]["pointer"] == "/name"
