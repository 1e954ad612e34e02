"""Fault rules (`/_mock/faults`) over real sockets, and Prism's `?__code=` query forms."""

from __future__ import annotations

import json
import socket
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from mock_server.faults import MAX_RULES, Faults
from mock_server.testing import RoomsMock, start_mock
from mock_server.wire import ConnectionFault
from tests.support.mock import API, assert_problem, create, mock_client

ROOMS = f"{API}/rooms"


@pytest.fixture(scope="module")
def served() -> Iterator[RoomsMock]:
    """One strict mock for the module, on a real socket (uvicorn, as `rooms-mock` runs)."""
    with start_mock(fixtures=None, strict=True) as mock:
        yield mock


@pytest.fixture
def mock(served: RoomsMock) -> RoomsMock:
    served.reset()
    return served


def port_of(mock: RoomsMock) -> int:
    return int(mock.origin.rsplit(":", 1)[1])


def exchange(mock: RoomsMock, request: bytes) -> bytes:
    """Send raw bytes, read until the server closes; what came back. Raises what recv raises."""
    with socket.create_connection(("127.0.0.1", port_of(mock)), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


GET_ROOMS = b"GET /api/v1/rooms HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"


def statuses(mock: RoomsMock, count: int, path: str = "/rooms") -> list[int]:
    with httpx.Client(base_url=mock.base_url, timeout=5) as client:
        return [client.get(path).status_code for _ in range(count)]


# -- connection faults, as the client sees them -------------------------------------------


def test_connection_reset(mock: RoomsMock) -> None:
    mock.add_fault(match={"operation": "listRooms"}, next=1, fault="connection_reset")
    with pytest.raises(ConnectionResetError):
        exchange(mock, GET_ROOMS)
    with pytest.raises(httpx.ReadError):  # and nothing is left over for the next request
        mock.add_fault(match={"operation": "listRooms"}, next=1, fault="connection_reset")
        httpx.get(f"{mock.base_url}/rooms", timeout=5)
    assert httpx.get(f"{mock.base_url}/rooms", timeout=5).status_code == 200


def test_empty_reply(mock: RoomsMock) -> None:
    mock.add_fault(match={"operation": "listRooms"}, next=1, fault="empty_reply")
    assert exchange(mock, GET_ROOMS) == b""
    mock.add_fault(match={"operation": "listRooms"}, next=1, fault="empty_reply")
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        httpx.get(f"{mock.base_url}/rooms", timeout=5)


def test_truncated_body(mock: RoomsMock) -> None:
    mock.add_fault(match={"operation": "listRooms"}, next=1, fault="truncated_body")
    head, _, body = exchange(mock, GET_ROOMS).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    announced = int(
        next(
            line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        ).split(b":")[1]
    )
    assert 0 < len(body) < announced
    mock.add_fault(match={"operation": "listRooms"}, next=1, fault="truncated_body")
    with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
        httpx.get(f"{mock.base_url}/rooms", timeout=5)


def test_malformed_body(mock: RoomsMock) -> None:
    mock.add_fault(match={"operation": "getRoom"}, next=1, fault="malformed_body")
    answer = httpx.get(f"{mock.base_url}/rooms/room_abc123", timeout=5)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert int(answer.headers["content-length"]) == len(answer.content)  # complete, but...
    assert answer.content.startswith(b'{"id":"room_abc123"')  # the example, garbled
    with pytest.raises(ValueError):
        json.loads(answer.content)


def test_connection_faults_are_journaled_as_faults_and_never_reach_the_store(
    mock: RoomsMock,
) -> None:
    rule = mock.add_fault(match={"operation": "createRoom"}, next=1, fault="empty_reply")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{mock.base_url}/rooms", json={"name": "lost"}, timeout=5)
    (entry,) = mock.journal()
    assert (entry["fault"], entry["forced"], entry["status"]) == (rule["id"], True, None)
    assert entry["body"] == {"name": "lost"} and entry["response"] is None
    assert httpx.get(f"{mock.base_url}/rooms", timeout=5).json()["total"] == 0


def test_in_process_clients_get_an_error_for_a_connection_fault(client: TestClient) -> None:
    client.post("/_mock/faults", json={"fault": "connection_reset"})
    with pytest.raises(ConnectionFault):
        client.get(ROOMS)


# -- forced answers ---------------------------------------------------------------------


def test_a_503_with_retry_after_is_forced_without_touching_the_store(mock: RoomsMock) -> None:
    rule = mock.add_fault(
        match={"operation": "createRoom"}, respond={"status": 503, "headers": {"Retry-After": "2"}}
    )
    answer = httpx.post(f"{mock.base_url}/rooms", json={"name": "A"}, timeout=5)
    # The mock is strict, and no operation documents a 503: strict mode skips the mock's own.
    assert answer.status_code == 503 and answer.headers["retry-after"] == "2"
    problem = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert problem["status"] == 503 and rule["id"] in problem["detail"]
    mock.clear_faults()
    assert httpx.get(f"{mock.base_url}/rooms", timeout=5).json()["total"] == 0
    entry = mock.journal(operation="createRoom")[0]
    assert (entry["status"], entry["fault"], entry["forced"]) == (503, rule["id"], True)


def test_a_forced_answer_carries_the_body_given_or_the_documented_example(mock: RoomsMock) -> None:
    mock.add_fault(
        match={"method": "GET", "path": f"{ROOMS}/*"},
        next=1,
        respond={"status": 500, "body": {"title": "boom", "status": 500, "detail": "Down."}},
    )
    answer = httpx.get(f"{mock.base_url}/rooms/room_x", timeout=5)
    assert answer.status_code == 500 and answer.json()["detail"] == "Down."
    mock.add_fault(match={"operation": "getRoom"}, next=1, respond={"status": 200})
    example = httpx.get(f"{mock.base_url}/rooms/room_x", timeout=5)
    assert example.status_code == 200 and example.json()["id"] == "room_abc123"
    mock.add_fault(match={"operation": "deleteRoom"}, next=1, respond={"status": 204})
    gone = httpx.delete(f"{mock.base_url}/rooms/room_x", timeout=5)
    assert gone.status_code == 204 and gone.content == b""


def test_a_rule_that_does_not_match_leaves_the_request_alone(mock: RoomsMock) -> None:
    mock.add_fault(match={"operation": "getRoom"}, respond={"status": 503})
    mock.add_fault(match={"method": "DELETE"}, respond={"status": 503})
    mock.add_fault(match={"path": "/elsewhere"}, respond={"status": 503})
    assert statuses(mock, 2) == [200, 200]
    assert [rule["seen"] for rule in mock.faults()] == [0, 0, 0]


# -- delays and dribbles ----------------------------------------------------------------


def test_a_fixed_delay_then_the_real_answer(mock: RoomsMock) -> None:
    mock.add_fault(match={"operation": "createRoom"}, next=1, delay={"fixed": 300})
    started = time.perf_counter()
    answer = httpx.post(f"{mock.base_url}/rooms", json={"name": "late"}, timeout=5)
    assert time.perf_counter() - started >= 0.3
    assert answer.status_code == 201  # a delay lets the request through: the room exists
    assert httpx.get(f"{mock.base_url}/rooms", timeout=5).json()["total"] == 1
    entry = mock.journal(operation="createRoom")[0]
    assert entry["fault"] and entry["forced"] is False and entry["duration_ms"] >= 300


def test_a_delay_with_a_forced_answer(mock: RoomsMock) -> None:
    mock.add_fault(next=1, delay={"uniform": {"min": 150, "max": 250}}, respond={"status": 504})
    started = time.perf_counter()
    assert statuses(mock, 1) == [504]
    assert 0.15 <= time.perf_counter() - started < 2.0


def test_uniform_and_lognormal_delays_follow_their_distribution_and_their_seed() -> None:
    def delays(rule: dict, count: int) -> list[float]:
        faults = Faults([rule])
        return [faults.rules[0].delay_s() for _ in range(count)]

    uniform = {"delay": {"uniform": {"min": 100, "max": 200}}, "probability": 1, "seed": 3}
    drawn = delays(uniform, 200)
    assert all(0.1 <= value <= 0.2 for value in drawn)
    assert drawn == delays(uniform, 200)  # the same seed, the same delays
    lognormal = {"delay": {"lognormal": {"median": 80, "sigma": 0.4}}, "probability": 1, "seed": 5}
    drawn = delays(lognormal, 2000)
    assert 0.07 < statistics.median(drawn) < 0.09
    assert max(drawn) > 0.16 and min(drawn) < 0.04  # a long tail, as networks have
    wild = {"delay": {"lognormal": {"median": 50000, "sigma": 10}}, "probability": 1, "seed": 1}
    assert max(delays(wild, 100)) <= 60.0  # never more than a minute


def test_a_dribbled_body_arrives_in_pieces_over_time(mock: RoomsMock) -> None:
    create_answer = httpx.post(f"{mock.base_url}/rooms", json={"name": "Dribble"}, timeout=5)
    room_id = create_answer.json()["id"]
    mock.add_fault(match={"operation": "getRoom"}, next=1, dribble={"chunks": 4, "over_ms": 600})
    arrivals: list[tuple[float, int]] = []
    started = time.perf_counter()
    with httpx.stream("GET", f"{mock.base_url}/rooms/{room_id}", timeout=5) as answer:
        body = b""
        for piece in answer.iter_raw():
            arrivals.append((time.perf_counter() - started, len(piece)))
            body += piece
    assert json.loads(body)["id"] == room_id  # the real answer, whole
    assert len(arrivals) >= 3
    assert arrivals[-1][0] - arrivals[0][0] >= 0.4


# -- which requests ---------------------------------------------------------------------


def test_next_n_then_the_rule_is_spent_and_gone(mock: RoomsMock) -> None:
    rule = mock.add_fault(next=2, respond={"status": 503})
    assert rule["remaining"] == 2 and rule["fired"] == 0
    assert statuses(mock, 4) == [503, 503, 200, 200]
    assert mock.faults() == []


def test_every_kth(mock: RoomsMock) -> None:
    mock.add_fault(every=3, respond={"status": 503})
    assert statuses(mock, 7) == [200, 200, 503, 200, 200, 503, 200]
    (rule,) = mock.faults()
    assert (rule["seen"], rule["fired"]) == (7, 2)


def test_a_seeded_probability_repeats_exactly(mock: RoomsMock) -> None:
    def pattern(seed: int | None) -> tuple[list[int], int]:
        mock.clear_faults()
        rule: dict[str, object] = {"probability": 0.5, "respond": {"status": 503}}
        if seed is not None:
            rule["seed"] = seed
        added = mock.add_fault(rule)
        return statuses(mock, 24), added["seed"]

    first, seed = pattern(11)
    assert seed == 11
    assert 503 in first and 200 in first
    assert pattern(11)[0] == first
    assert pattern(12)[0] != first
    unseeded, drawn_seed = pattern(None)  # a seed is drawn, and shown, so a run can be repeated
    assert pattern(drawn_seed)[0] == unseeded


def test_rules_are_tried_in_order_and_the_first_that_fires_acts(mock: RoomsMock) -> None:
    mock.add_fault(id="first", every=2, respond={"status": 502})
    mock.add_fault(id="second", respond={"status": 503})
    assert statuses(mock, 4) == [503, 502, 503, 502]
    assert [(rule["id"], rule["seen"], rule["fired"]) for rule in mock.faults()] == [
        ("first", 4, 2),
        ("second", 2, 2),
    ]


# -- the control ------------------------------------------------------------------------


def test_list_remove_one_remove_all(mock: RoomsMock) -> None:
    mock.add_fault(id="slow", delay={"fixed": 1})
    mock.add_fault(id="down", match={"operation": "endRoom"}, respond={"status": 503})
    assert [rule["id"] for rule in mock.faults()] == ["slow", "down"]
    assert mock.call("DELETE", "/_mock/faults/slow")[0] == 204
    assert [rule["id"] for rule in mock.faults()] == ["down"]
    status, problem = mock.call("DELETE", "/_mock/faults/slow")
    assert status == 404 and "down" in problem["detail"]
    assert mock.call("POST", "/_mock/faults", {"id": "down", "fault": "empty_reply"})[0] == 409
    assert mock.clear_faults() == 1 and mock.faults() == []


def test_a_list_of_rules_is_added_whole_or_not_at_all(client: TestClient) -> None:
    many = [{"id": f"r{index}", "delay": {"fixed": 0}} for index in range(MAX_RULES)]
    added = client.post("/_mock/faults", json={"rules": many})
    assert added.status_code == 201 and len(added.json()["rules"]) == MAX_RULES
    one_more = client.post("/_mock/faults", json=[{"delay": {"fixed": 0}}])
    assert "100 rules" in assert_problem(one_more, 409)["detail"]
    client.delete("/_mock/faults")
    half_bad = [{"id": "ok", "fault": "empty_reply"}, {"fault": "explode"}]
    problem = assert_problem(client.post("/_mock/faults", json=half_bad), 400)
    assert [error["pointer"] for error in problem["errors"]] == ["/1/fault"]
    assert client.get("/_mock/faults").json() == {"rules": []}


@pytest.mark.parametrize(
    ("rule", "pointers"),
    [
        ({"match": {"operation": "getRoom"}}, [""]),
        ({"fault": "explode"}, ["/fault"]),
        ({"match": {"operation": "fetchRoom"}, "fault": "empty_reply"}, ["/match/operation"]),
        ({"match": {"verb": "GET"}, "fault": "empty_reply"}, ["/match/verb"]),
        ({"respond": {"status": 700}}, ["/respond/status"]),
        ({"respond": {"status": 503}, "fault": "empty_reply"}, ["/fault"]),
        ({"dribble": {"chunks": 4, "over_ms": 10}, "fault": "empty_reply"}, ["/dribble"]),
        ({"respond": {"status": 503, "headers": {"Bad Name": "x"}}}, ["/respond/headers/Bad Name"]),
        ({"respond": {"status": 503, "headers": {"X": "a\r\nb"}}}, ["/respond/headers/X"]),
        ({"respond": {"status": 204, "body": {}}}, ["/respond/body"]),
        ({"delay": {"fixed": 60001}}, ["/delay/fixed"]),
        ({"delay": {"fixed": 1, "uniform": {"min": 1, "max": 2}}}, ["/delay"]),
        ({"delay": {"uniform": {"min": 5, "max": 2}}}, ["/delay/uniform"]),
        ({"delay": {"lognormal": {"median": 5}}}, ["/delay/lognormal/sigma"]),
        ({"probability": 1.5, "fault": "empty_reply"}, ["/probability"]),
        ({"seed": 3, "fault": "empty_reply"}, ["/seed"]),
        ({"next": 0, "every": "2", "fault": "empty_reply"}, ["/every", "/next"]),
        ({"id": "no spaces", "fault": "empty_reply"}, ["/id"]),
    ],
)
def test_a_bad_rule_is_a_400_naming_every_field(
    client: TestClient, rule: dict, pointers: list[str]
) -> None:
    problem = assert_problem(client.post("/_mock/faults", json=rule), 400)
    assert sorted(error["pointer"] for error in problem["errors"]) == pointers


def test_rules_from_a_file_load_at_start_and_a_reset_restores_them(tmp_path: Path) -> None:
    rules = tmp_path / "flaky.json"
    rules.write_text(
        json.dumps({"rules": [{"id": "flaky-get", "every": 2, "respond": {"status": 503}}]})
    )
    with mock_client(faults_path=rules) as client:
        assert [client.get(ROOMS).status_code for _ in range(3)] == [200, 503, 200]
        client.post("/_mock/faults", json={"id": "extra", "respond": {"status": 500}})
        assert [rule["id"] for rule in client.get("/_mock/faults").json()["rules"]] == [
            "flaky-get",
            "extra",
        ]
        client.post("/_mock/reset")
        (rule,) = client.get("/_mock/faults").json()["rules"]
        assert (rule["id"], rule["seen"], rule["fired"]) == ("flaky-get", 0, 0)


# -- Prism's query forms --------------------------------------------------------------


def test_query_forms_force_a_documented_answer_like_prefer(client: TestClient) -> None:
    problem = assert_problem(client.get(f"{ROOMS}/room_abc123?__code=404"), 404)
    assert problem["detail"] == 'No room has the id "room_missing1".'
    ended = client.get(f"{ROOMS}/anything?__example=ended")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    forced = client.post(f"{ROOMS}?__code=201")
    assert forced.status_code == 201 and forced.headers["preference-applied"] == "code=201"
    assert client.get(ROOMS).json()["total"] == 0  # the store was never reached
    both = client.get(f"{ROOMS}/x?__code=404", headers={"Prefer": "code=200"})
    assert both.status_code == 200  # Prefer wins


@pytest.mark.parametrize(
    ("query", "pointer"),
    [("__code=abc", "/__code"), ("__code=418", "/__code"), ("__example=nope", "/__example")],
)
def test_a_query_form_that_cannot_be_honoured_names_the_parameter(
    client: TestClient, query: str, pointer: str
) -> None:
    problem = assert_problem(client.get(f"{ROOMS}/x?{query}"), 400)
    assert problem["errors"][0]["in"] == "query" and problem["errors"][0]["pointer"] == pointer


def test_a_journaled_forced_answer_still_shows_the_body_sent(client: TestClient) -> None:
    create(client)
    client.post(f"{ROOMS}?__code=201", json={"name": "never stored"})
    entry = client.get("/_mock/requests?limit=1").json()["requests"][0]
    assert entry["forced"] is True and entry["body"] == {"name": "never stored"}
