"""The request journal (`/_mock/requests`), verify (`/_mock/verify`) and the pytest helper."""

from __future__ import annotations

import gc
import json
import shlex
import time
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient
from starlette.types import Scope

from mock_server.guard import BODY
from mock_server.journal import BATCH, Entry, Finding, Headers, Journal
from mock_server.live import MAX_LISTENERS
from mock_server.testing import RoomsMock, VerificationError, connect, start_mock
from tests.support.mock import API, assert_problem, create, mock_client

ROOMS = f"{API}/rooms"


def journal(client: TestClient, query: str = "") -> list[dict]:
    response = client.get(f"/_mock/requests{query}")
    assert response.status_code == 200, response.text
    return response.json()["requests"]


@pytest.fixture
def busy(client: TestClient) -> TestClient:
    """A mock that has answered six requests: 201, 400, 200, 404, 200 (forced), 204."""
    room = create(client, name="First")
    client.post(ROOMS, json={"name": "", "config": {"video": True}})
    client.get(f"{ROOMS}?limit=5")
    client.get(f"{ROOMS}/room_nothere1")
    client.get(f"{ROOMS}/x", headers={"Prefer": "example=ended"})
    client.delete(f"{ROOMS}/{room['id']}")
    return client


# -- what an entry holds ----------------------------------------------------------------


def test_an_entry_holds_the_request_and_the_answer(client: TestClient) -> None:
    before = time.time()
    created = client.post(
        f"{ROOMS}?trace=1",
        json={"name": "CS101"},
        headers={"Authorization": "Bearer secret-token", "X-Api-Key": "k1", "X-Trace": "t"},
    )
    (entry,) = journal(client)
    assert entry["id"] == 1
    assert entry["method"] == "POST" and entry["path"] == ROOMS
    assert entry["query"] == {"trace": "1"}
    assert entry["operation"] == "createRoom"
    assert entry["body"] == {"name": "CS101"}
    assert entry["status"] == 201
    assert entry["response"]["body"] == created.json()
    assert entry["response"]["headers"]["location"] == created.headers["location"]
    assert entry["headers"]["x-trace"] == "t"
    assert entry["headers"]["authorization"] == "***"
    assert entry["headers"]["x-api-key"] == "***"
    assert "secret-token" not in str(entry)
    assert entry["violations"] == [] and entry["fault"] is None and entry["forced"] is False
    moment = datetime.fromisoformat(entry["time"]).timestamp()
    assert before - 1 <= moment <= time.time() + 1
    assert entry["time"].endswith("Z")
    assert 0 < entry["duration_ms"] < 5000


def test_a_4xx_entry_lists_the_violations_its_problem_carried(client: TestClient) -> None:
    answer = client.post(ROOMS, json={"name": "", "config": {"max_participants": 0}})
    (entry,) = journal(client)
    assert entry["status"] == 400
    assert entry["violations"] == answer.json()["errors"]
    assert [v["pointer"] for v in entry["violations"]] == ["/config/max_participants", "/name"]


def test_the_curl_line_repeats_the_request_with_credentials_masked(client: TestClient) -> None:
    client.patch(
        f"{ROOMS}/room_abc123?api_key=hush&x=1",
        json={"name": "it's"},
        headers={"Cookie": "session=1", "Prefer": "code=404"},
    )
    (entry,) = journal(client)
    words = shlex.split(entry["curl"])
    assert words[:5] == [
        "curl",
        "-i",
        "-X",
        "PATCH",
        f"http://testserver{ROOMS}/room_abc123?api_key=***&x=1",
    ]
    assert "cookie: ***" in words and "prefer: code=404" in words
    assert words[-2:] == ["--data-binary", '{"name":"it\'s"}']
    assert "hush" not in entry["curl"]


def test_forced_answers_are_marked_and_a_body_that_is_not_json_is_text(client: TestClient) -> None:
    client.get(f"{ROOMS}/x", headers={"Prefer": "code=404"})
    client.post(ROOMS, content=b"name=x", headers={"Content-Type": "text/plain"})
    forced, text = journal(client)
    assert forced["forced"] is True and forced["status"] == 404
    assert text["body"] == "name=x" and text["status"] == 415 and text["forced"] is False


def test_a_request_outside_the_spec_is_recorded_without_an_operation(client: TestClient) -> None:
    client.get("/nowhere")
    (entry,) = journal(client)
    assert (entry["operation"], entry["status"]) == (None, 404)


# -- the ring and clearing ---------------------------------------------------------------


def test_the_ring_keeps_the_newest_and_ids_keep_counting() -> None:
    with mock_client(journal_size=3) as client:
        for index in range(5):
            client.get(f"{ROOMS}?offset={index}")
        listed = client.get("/_mock/requests").json()
        assert [entry["query"]["offset"] for entry in listed["requests"]] == ["2", "3", "4"]
        assert [entry["id"] for entry in listed["requests"]] == [3, 4, 5]
        assert (listed["size"], listed["last_id"]) == (3, 5)


def test_delete_and_reset_clear_the_journal(client: TestClient) -> None:
    client.get(ROOMS)
    client.get(ROOMS)
    assert client.delete("/_mock/requests").json() == {"cleared": 2}
    assert journal(client) == []
    client.get(ROOMS)
    client.post("/_mock/reset")
    assert journal(client) == []
    client.get(ROOMS)
    assert journal(client)[0]["id"] == 4  # ids go on, so `since` stays meaningful


def test_journal_size_0_records_nothing_and_says_so() -> None:
    with mock_client(journal_size=0) as client:
        client.get(ROOMS)
        problem = assert_problem(client.get("/_mock/requests"), 409)
        assert "--journal-size" in problem["detail"]
        assert_problem(client.post("/_mock/verify", json={"operation": "listRooms"}), 409)
        assert client.app.journal.last_id == 0  # type: ignore[attr-defined]


# -- each filter -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "statuses"),
    [
        ("", [201, 400, 200, 404, 200, 204]),
        ("?operation=createRoom", [201, 400]),
        ("?operation=getRoom", [404, 200]),
        ("?method=delete", [204]),
        ("?method=GET", [200, 404, 200]),
        (f"?path={ROOMS}", [201, 400, 200]),
        (f"?path={ROOMS}/*", [404, 200, 204]),
        ("?status=404", [404]),
        ("?status=2xx", [201, 200, 200, 204]),
        ("?status=400,204", [400, 204]),
        ("?status=4xx&operation=createRoom", [400]),
        ("?since=4", [200, 204]),
        ("?limit=2", [200, 204]),
        ("?status=2xx&limit=1", [204]),
    ],
)
def test_each_filter(busy: TestClient, query: str, statuses: list[int]) -> None:
    assert [entry["status"] for entry in journal(busy, query)] == statuses


def test_since_takes_a_time_too(client: TestClient) -> None:
    client.get(ROOMS)
    time.sleep(0.01)
    cut = datetime.now().astimezone().isoformat()
    client.get(f"{ROOMS}?offset=1")
    assert [e["query"] for e in journal(client, f"?since={cut.replace('+', '%2B')}")] == [
        {"offset": "1"}
    ]


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ("?status=abc", "/status"),
        ("?status=600", "/status"),
        ("?since=yesterday", "/since"),
        ("?since=2026-01-01T00:00:00", "/since"),  # no offset: which zone?
        ("?limit=0", "/limit"),
        ("?limit=-1", "/limit"),
        ("?operationId=createRoom", "/operationId"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(client: TestClient, query: str, pointer: str) -> None:
    problem = assert_problem(client.get(f"/_mock/requests{query}"), 400)
    assert [error["pointer"] for error in problem["errors"]] == [pointer]


# -- verify --------------------------------------------------------------------------------


def verify(client: TestClient, **expectation: object) -> tuple[int, dict]:
    response = client.post("/_mock/verify", json=expectation)
    return response.status_code, response.json()


def test_verify_holds_by_operation_by_method_and_path_and_by_body(busy: TestClient) -> None:
    status, body = verify(busy, operation="createRoom", body={"name": "First"}, times=1)
    assert status == 200, body
    assert body["matched"] == 1 and body["expected"] == "exactly 1"
    assert body["requests"][0]["operation"] == "createRoom"
    assert verify(busy, method="get", path=f"{ROOMS}/*", at_least=2)[0] == 200
    assert verify(busy, operation="createRoom", status="4xx", times=1)[0] == 200
    assert verify(busy, operation="deleteRoom")[0] == 200  # at least once by default
    nested = {"name": "", "config": {"video": True}}
    assert verify(busy, operation="createRoom", body=nested, status=400)[0] == 200


@pytest.mark.parametrize(
    ("expectation", "holds"),
    [
        ({"times": 2}, True),
        ({"times": 1}, False),
        ({"times": 3}, False),
        ({"at_least": 2}, True),
        ({"at_least": 3}, False),
        ({"at_most": 2}, True),
        ({"at_most": 1}, False),
        ({"at_least": 1, "at_most": 2}, True),
        ({"at_least": 3, "at_most": 5}, False),
    ],
)
def test_verify_counts(busy: TestClient, expectation: dict, holds: bool) -> None:
    status, body = verify(busy, operation="createRoom", **expectation)
    assert status == (200 if holds else 409), body
    assert body["matched"] == 2


def test_verify_never_called(busy: TestClient) -> None:
    assert verify(busy, operation="endRoom", times=0)[0] == 200
    status, body = verify(busy, operation="getRoom", at_most=0)
    assert status == 409 and body["matched"] == 2 and body["expected"] == "exactly 0"
    assert [request["status"] for request in body["requests"]] == [404, 200]


def test_a_miss_lists_the_near_misses_with_how_they_differ(busy: TestClient) -> None:
    status, problem = verify(busy, operation="createRoom", body={"name": "Frist"}, status=201)
    assert status == 409
    assert problem["type"] == "about:blank" and problem["status"] == 409
    assert "Expected at least 1 request for createRoom" in problem["detail"]
    assert problem["matched"] == 0 and problem["requests"] == []
    near = problem["near_misses"]
    assert [miss["request"]["status"] for miss in near] == [201, 400]  # closest first
    assert near[0]["differences"] == ['body /name: "First", expected "Frist"']
    assert near[1]["differences"][0] == 'body /name: "", expected "Frist"'
    assert near[1]["differences"][1].startswith("status: 400 (body /config/video: unknown field")
    assert near[1]["differences"][1].endswith("expected 201")


def test_near_misses_by_path_catch_the_wrong_method(client: TestClient) -> None:
    room = create(client)
    client.post(f"{ROOMS}/{room['id']}", json={"name": "x"})  # a 405: should have been PATCH
    status, problem = verify(client, method="PATCH", path=f"{ROOMS}/{room['id']}")
    assert status == 409
    (near,) = problem["near_misses"]
    assert near["differences"] == ["method: POST, expected PATCH"]
    assert near["request"]["status"] == 405


def test_true_is_not_1_and_arrays_compare_whole(client: TestClient) -> None:
    create(client, config={"recording_enabled": True})
    status, problem = verify(
        client, operation="createRoom", body={"config": {"recording_enabled": 1}}
    )
    assert status == 409
    assert problem["near_misses"][0]["differences"] == [
        "body /config/recording_enabled: true, expected 1"
    ]
    assert verify(client, operation="createRoom", body={"name": "Room", "config": {}})[0] == 200
    assert verify(client, operation="createRoom", body=["Room"])[0] == 409
    assert (
        verify(client, operation="createRoom", body={"config": {"recording_enabled": True}})[0]
        == 200
    )


@pytest.mark.parametrize(
    ("expectation", "pointer"),
    [
        ({}, ""),
        ({"operation": "makeRoom"}, "/operation"),
        ({"operation": "createRoom", "times": -1}, "/times"),
        ({"operation": "createRoom", "times": 1, "at_most": 2}, "/times"),
        ({"operation": "createRoom", "at_least": 3, "at_most": 2}, "/at_least"),
        ({"operation": "createRoom", "status": "4x"}, "/status"),
        ({"operation": "createRoom", "count": 1}, "/count"),
        ({"path": "rooms"}, "/path"),
    ],
)
def test_a_bad_verify_body_is_a_400_naming_the_field(
    client: TestClient, expectation: dict, pointer: str
) -> None:
    problem = assert_problem(client.post("/_mock/verify", json=expectation), 400)
    assert [error["pointer"] for error in problem["errors"]] == [pointer]
    assert_problem(
        client.post("/_mock/verify", content=b"{", headers={"Content-Type": "application/json"}),
        400,
    )


# -- the pytest helper, over a real socket -------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[RoomsMock]:
    with start_mock(fixtures=None, strict=True) as mock:
        yield mock


def test_the_helper_starts_a_mock_and_verifies_against_it(served: RoomsMock) -> None:
    served.reset()
    assert httpx.post(f"{served.base_url}/rooms", json={"name": "CS101"}).status_code == 201
    httpx.post(f"{served.base_url}/rooms", json={"name": ""})
    assert [entry["status"] for entry in served.journal(operation="createRoom")] == [201, 400]
    assert served.verify(operation="createRoom", body={"name": "CS101"}, times=1)["matched"] == 1
    with pytest.raises(VerificationError) as failed:
        served.verify(operation="createRoom", body={"name": "CS102"}, times=1)
    message = str(failed.value)
    assert "Expected exactly 1 request for createRoom" in message
    assert 'body /name: "CS101", expected "CS102"' in message
    assert failed.value.problem["near_misses"]
    assert served.clear_journal() == 2 and served.journal() == []


def test_connect_points_at_a_running_mock(served: RoomsMock) -> None:
    other = connect(served.base_url)
    assert (other.origin, other.base_url) == (served.origin, served.base_url)
    assert connect(served.origin).base_url == served.base_url
    served.reset()
    httpx.get(f"{served.base_url}/rooms")
    assert [entry["operation"] for entry in other.journal()] == ["listRooms"]
    with pytest.raises(ValueError, match="not an http:// URL"):
        connect("127.0.0.1:4010")


# -- the page and its live feed -------------------------------------------------------------


def test_the_page_and_its_files_are_served_from_the_package(client: TestClient) -> None:
    page = client.get("/_mock/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
        assert f"/_mock/page/{asset}" in page.text
        answer = client.get(f"/_mock/page/{asset}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(kind)
    assert_problem(client.get("/_mock/page/secrets.py"), 404)
    assert_problem(client.get("/_mock/page/../app.py"), 404)
    moved = client.get("/_mock", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (308, "/_mock/")


def test_the_rooms_control_lists_the_rooms(client: TestClient) -> None:
    room = create(client, name="Shown")
    assert client.get("/_mock/rooms").json() == {"rooms": [room], "total": 1}


def events(lines: Iterator[str]) -> Iterator[dict]:
    """The `data` of each `change` event of a feed."""
    kind = ""
    for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: ") and kind == "change":
            yield json.loads(line.removeprefix("data: "))


def test_the_feed_tells_of_each_change_and_open_feeds_are_bounded(served: RoomsMock) -> None:
    assert served.server is not None
    served.server.changes.max_listeners = 2
    try:
        feeds_are_bounded(served)
    finally:
        served.server.changes.max_listeners = MAX_LISTENERS
        served.clear_faults()


def feeds_are_bounded(served: RoomsMock) -> None:
    assert served.server is not None
    served.reset()
    feed = f"{served.origin}/_mock/events"
    with httpx.Client(timeout=5) as first, first.stream("GET", feed) as one:
        assert one.headers["content-type"].startswith("text/event-stream")
        changes = events(one.iter_lines())
        start = next(changes)["last_id"]
        httpx.get(f"{served.base_url}/rooms")
        assert next(changes)["last_id"] == start + 1
        with httpx.Client(timeout=5) as second, second.stream("GET", feed) as two:
            assert two.status_code == 200
            refused = httpx.get(feed, timeout=5)
            assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
        served.add_fault(delay={"fixed": 0})  # a rule added is a change too
        assert next(changes)["last_id"] == start + 1
    deadline = time.monotonic() + 5
    while served.server.changes._listeners and time.monotonic() < deadline:
        time.sleep(0.02)  # the server notices the closed feeds
    with httpx.Client(timeout=5) as again, again.stream("GET", feed) as three:
        assert three.status_code == 200


# -- the ring itself ---------------------------------------------------------------------

HEADER_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-!#$%&'*+.^_`|~", min_size=1)
HEADER_VALUE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=40)


def scope_of(method: str, path: str, query: bytes, headers: Headers, body: bytes) -> Scope:
    """What the ASGI server and the guard leave in a scope, as `Journal.record` reads it."""
    return {"method": method, "path": path, "query_string": query, "headers": headers, BODY: body}


def record_one(ring: Journal, number: int, body: bytes = b"", at: float = 0.0) -> None:
    scope = scope_of("POST", "/api/v1/rooms", b"", [], body)
    ring.record(scope, at, time.perf_counter(), "createRoom", 201, [], str(number).encode(),
                None, False)  # fmt: skip


@given(
    st.lists(st.tuples(HEADER_NAME, HEADER_VALUE), max_size=8),
    st.binary(max_size=64),
    st.one_of(st.none(), st.integers(100, 599)),
    st.one_of(st.none(), st.text(max_size=20)),
    st.integers(0, 2 * BATCH),
)
def test_an_entry_comes_back_from_the_ring_as_it_went_in(
    pairs: list[tuple[str, str]],
    body: bytes,
    status: int | None,
    operation: str | None,
    before: int,
) -> None:
    """Waiting for its batch or sealed in one, an entry reads back the same."""
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in pairs]
    ring = Journal(3 * BATCH)
    for number in range(before):
        record_one(ring, number)
    scope = scope_of("PATCH", "/api/v1/rooms/é", b"a=1", headers, body)
    ring.record(scope, 1.5, time.perf_counter(), operation, status, headers[::-1], body * 2,
                "rule-1", True)  # fmt: skip
    finding = Finding("response-schema", "backend", "no `id`")
    proxied = Entry(9, 2.0, "GET", "/", b"", headers, b"", None, 502, [], body, 1.0,
                    None, True, "proxy", (finding,))  # fmt: skip
    ring.add(proxied)
    *_earlier, recorded, added = ring
    assert (recorded.id, recorded.time, recorded.query) == (before + 1, 1.5, b"a=1")
    assert recorded.path == "/api/v1/rooms/é"
    assert (recorded.headers, recorded.response_headers) == (headers, headers[::-1])
    assert (recorded.body, recorded.response_body, recorded.status) == (body, body * 2, status)
    assert (recorded.operation, recorded.fault, recorded.forced) == (operation, "rule-1", True)
    assert 0 <= recorded.duration_ms < 1000
    assert (recorded.answered_by, recorded.contract) == (None, ())
    assert added == proxied


def test_a_sealed_batch_is_left_untracked_by_the_garbage_collector() -> None:
    """The ring's entries cost the collector one look each, not one per collection (an
    entry of tracked objects made each young collection several times as slow): once a
    batch is sealed, what is kept is one `bytes`."""
    ring = Journal(10 * BATCH)
    headers = [(b"host", b"127.0.0.1:%d" % port) for port in range(3)]  # made at run time
    answer_headers = [(b"content-length", str(len(headers)).encode())]
    scope = scope_of("GET", "/api/v1/rooms", b"limit=5", headers, b"")
    for _ in range(BATCH):
        ring.record(scope, time.time(), time.perf_counter(), "listRooms", 200, answer_headers,
                    b"{}", None, False)  # fmt: skip
    gc.collect(0)
    ((count, blob),) = ring._batches  # the stored form itself is what the collector sees
    assert count == BATCH and not gc.is_tracked(blob) and ring._waiting == []
    assert all(
        (entry.headers, entry.response_headers) == (headers, answer_headers) for entry in ring
    )


@pytest.mark.parametrize("size", [1, 3, BATCH - 1, BATCH, BATCH + 1, 5 * BATCH + 7])
def test_the_ring_keeps_exactly_the_newest_size_entries(size: int) -> None:
    ring = Journal(size)
    for number in range(1, 8 * BATCH + 4):
        record_one(ring, number)
        kept = [int(entry.response_body) for entry in ring]
        assert kept == list(range(max(1, number - size + 1), number + 1))
        assert len(ring) == len(kept)
        assert sum(count for count, _blob in ring._batches) + len(ring._waiting) < size + 2 * BATCH
    assert ring.clear() == size and list(ring) == [] and len(ring) == 0


def test_the_ring_holds_no_more_bytes_than_its_limit_and_keeps_the_newest() -> None:
    limit = 3 * BATCH * 1000
    ring = Journal(100 * BATCH, max_bytes=limit)
    for number in range(20 * BATCH):
        record_one(ring, number, body=b"x" * 1000)
    kept = list(ring)
    assert 2 * BATCH <= len(kept) <= 4 * BATCH
    assert sum(len(blob) for _count, blob in ring._batches) <= limit
    assert [entry.response_body for entry in kept][-1] == str(20 * BATCH - 1).encode()
    assert [entry.id for entry in kept] == list(range(20 * BATCH + 1 - len(kept), 20 * BATCH + 1))
