"""The mock over HTTP, rule by rule of the contract (strict mode checks every response)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.mock import API, assert_problem, create

ROOMS = f"{API}/rooms"
CONFIG = {"max_participants": 150, "recording_enabled": True, "chat_enabled": False}


# -- create -------------------------------------------------------------------


def test_create_echoes_the_body_fills_defaults_and_points_location_at_the_room(
    client: TestClient,
) -> None:
    response = client.post(ROOMS, json={"name": "CS101 Lecture", "config": {"max_participants": 5}})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    room = response.json()
    assert room["name"] == "CS101 Lecture"
    assert room["config"] == {
        "max_participants": 5,
        "recording_enabled": False,
        "chat_enabled": True,
    }
    assert (room["status"], room["participant_count"]) == ("active", 0)
    assert "ended_at" not in room
    assert response.headers["location"] == f"{ROOMS}/{room['id']}"
    assert client.get(response.headers["location"]).json() == room


@pytest.mark.parametrize(
    ("body", "pointers"),
    [
        ({}, ["/name"]),
        ({"name": ""}, ["/name"]),
        ({"name": "x" * 201}, ["/name"]),
        ({"name": 5}, ["/name"]),
        ({"name": "a", "config": {"max_participants": 0}}, ["/config/max_participants"]),
        ({"name": "a", "config": {"max_participants": 10001}}, ["/config/max_participants"]),
        ({"name": "a", "config": {"max_participants": 1.5}}, ["/config/max_participants"]),
        ({"name": "a", "config": {"chat_enabled": "yes"}}, ["/config/chat_enabled"]),
        ({"name": "a", "config": {"extra": 1}}, ["/config/extra"]),
        ({"name": "a", "status": "ended"}, ["/status"]),
        ({"name": "a", "config": None}, ["/config"]),
        (["name"], [""]),
        ("room", [""]),
    ],
)
def test_create_rejects_invalid_bodies_pointing_at_each_fault(
    client: TestClient, body: Any, pointers: list[str]
) -> None:
    problem = assert_problem(client.post(ROOMS, json=body), 400)
    assert [error["pointer"] for error in problem["errors"]] == pointers
    assert client.get(ROOMS).json()["total"] == 0


def test_validation_lists_every_violation_not_only_the_first(client: TestClient) -> None:
    body = {"name": "", "id": "room_abcdef", "config": {"max_participants": 0, "x": True}}
    problem = assert_problem(client.post(ROOMS, json=body), 400)
    assert {(error["in"], error["pointer"]) for error in problem["errors"]} == {
        ("body", "/name"),
        ("body", "/id"),
        ("body", "/config/max_participants"),
        ("body", "/config/x"),
    }


def test_name_of_200_characters_and_any_text_is_accepted(client: TestClient) -> None:
    for name in ("x" * 200, "é" * 200, "tab\tand NUL\u0000 and emoji 🎓"):
        assert create(client, name=name)["name"] == name


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b'{"name": "a"', {"content-type": "application/json"}, 400),
        (b"\xff\xfe{}", {"content-type": "application/json"}, 400),
        (b'{"name": "\xe9"}', {"content-type": "application/json; charset=latin-1"}, 400),
        (b"", {"content-type": "application/json"}, 400),
        (b"NaN", {"content-type": "application/json"}, 400),
        (b"", {}, 400),
        (b'{"name": "a"}', {}, 415),
        (b'{"name": "a"}', {"content-type": "text/plain"}, 415),
        (b"name=a", {"content-type": "application/x-www-form-urlencoded"}, 415),
    ],
)
def test_bodies_that_are_not_utf8_json_are_client_errors(
    client: TestClient, content: bytes, headers: dict[str, str], status: int
) -> None:
    assert_problem(client.post(ROOMS, content=content, headers=headers), status)


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/vnd.rooms+json"],
)
def test_any_json_content_type_is_accepted(client: TestClient, content_type: str) -> None:
    response = client.post(ROOMS, content=b'{"name": "a"}', headers={"content-type": content_type})
    assert response.status_code == 201


def test_huge_integers_are_out_of_range_not_server_errors(client: TestClient) -> None:
    content = b'{"name": "a", "config": {"max_participants": 1' + b"0" * 400 + b"}}"
    response = client.post(ROOMS, content=content, headers={"content-type": "application/json"})
    problem = assert_problem(response, 400)
    assert problem["errors"][0]["pointer"] == "/config/max_participants"


# -- get, update, end, delete -------------------------------------------------------


def test_get_unknown_ids_is_404(client: TestClient) -> None:
    for room_id in ("room_missing1", "nope", "x" * 300):
        assert_problem(client.get(f"{ROOMS}/{room_id}"), 404)


def test_update_merges_config_persists_and_never_changes_created_at(client: TestClient) -> None:
    room = create(client, config=CONFIG)
    response = client.patch(f"{ROOMS}/{room['id']}", json={"config": {"max_participants": 3}})
    assert response.status_code == 200
    updated = response.json()
    assert updated["config"] == {**CONFIG, "max_participants": 3}
    assert updated["created_at"] == room["created_at"]
    assert client.get(f"{ROOMS}/{room['id']}").json() == updated


def test_update_with_an_empty_body_changes_nothing(client: TestClient) -> None:
    room = create(client)
    assert client.patch(f"{ROOMS}/{room['id']}", json={}).json() == room


@pytest.mark.parametrize("field", ["id", "status", "created_at", "participant_count", "ended_at"])
def test_server_fields_cannot_be_set_by_update(client: TestClient, field: str) -> None:
    room = create(client)
    problem = assert_problem(
        client.patch(f"{ROOMS}/{room['id']}", json={field: room.get(field)}), 400
    )
    assert problem["errors"][0]["pointer"] == f"/{field}"
    assert client.get(f"{ROOMS}/{room['id']}").json() == room


def test_update_unknown_room_is_404_and_ended_room_is_409(client: TestClient) -> None:
    assert_problem(client.patch(f"{ROOMS}/room_missing1", json={"name": "a"}), 404)
    room = create(client)
    client.post(f"{ROOMS}/{room['id']}/end")
    assert_problem(client.patch(f"{ROOMS}/{room['id']}", json={"name": "b"}), 409)
    assert client.get(f"{ROOMS}/{room['id']}").json()["name"] == room["name"]


def test_end_marks_ended_keeps_the_rest_and_stays_listed(client: TestClient) -> None:
    room = create(client, config=CONFIG)
    response = client.post(f"{ROOMS}/{room['id']}/end")
    assert response.status_code == 200
    ended = response.json()
    assert ended.pop("status") == "ended"
    assert ended.pop("ended_at") >= room["created_at"]
    assert ended == {key: value for key, value in room.items() if key != "status"}
    assert [listed["status"] for listed in client.get(ROOMS).json()["rooms"]] == ["ended"]


def test_second_end_is_409_and_keeps_ended_at(client: TestClient) -> None:
    room = create(client)
    ended_at = client.post(f"{ROOMS}/{room['id']}/end").json()["ended_at"]
    assert_problem(client.post(f"{ROOMS}/{room['id']}/end"), 409)
    assert client.get(f"{ROOMS}/{room['id']}").json()["ended_at"] == ended_at


@pytest.mark.parametrize("end_first", [False, True])
def test_delete_is_permanent(client: TestClient, end_first: bool) -> None:
    other = create(client, name="other")
    room = create(client)
    url = f"{ROOMS}/{room['id']}"
    if end_first:
        client.post(f"{url}/end")
    response = client.delete(url)
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    assert_problem(client.get(url), 404)
    assert_problem(client.patch(url, json={}), 404)
    assert_problem(client.post(f"{url}/end"), 404)
    assert_problem(client.delete(url), 404)
    page = client.get(ROOMS).json()
    assert ([listed["id"] for listed in page["rooms"]], page["total"]) == ([other["id"]], 1)


def test_ids_are_unique_and_not_reused_after_delete(client: TestClient) -> None:
    seen: set[str] = set()
    for _ in range(30):
        room = create(client)
        assert room["id"] not in seen
        seen.add(room["id"])
        client.delete(f"{ROOMS}/{room['id']}")


# -- list ---------------------------------------------------------------------------


def test_list_defaults_echoes_paging_and_counts_every_room(seeded_client: TestClient) -> None:
    page = seeded_client.get(ROOMS).json()
    assert (page["limit"], page["offset"], page["total"]) == (20, 0, len(page["rooms"]))
    assert all("participant_count" in room for room in page["rooms"])


def test_list_pages_are_ordered_disjoint_and_complete(client: TestClient) -> None:
    made = [create(client, name=f"room {index}")["id"] for index in range(11)]
    listed: list[dict[str, Any]] = []
    for offset in range(0, 12, 4):
        page = client.get(ROOMS, params={"limit": 4, "offset": offset}).json()
        assert (page["limit"], page["offset"], page["total"]) == (4, offset, 11)
        listed.extend(page["rooms"])
    assert sorted(room["id"] for room in listed) == sorted(made)
    keys = [(room["created_at"], room["id"]) for room in listed]
    assert keys == sorted(keys)


def test_offset_past_total_is_an_empty_page(client: TestClient) -> None:
    create(client)
    page = client.get(ROOMS, params={"offset": 1}).json()
    assert (page["rooms"], page["total"], page["offset"]) == ([], 1, 1)


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "limit=abc", "limit=1.0", "limit=1e1", "offset=-1", "offset=x"],
)
def test_list_rejects_bad_paging(client: TestClient, query: str) -> None:
    problem = assert_problem(client.get(f"{ROOMS}?{query}"), 400)
    assert problem["errors"][0]["in"] == "query"


def test_list_bounds_are_accepted(client: TestClient) -> None:
    for query in ("limit=1", "limit=100", "offset=0", "offset=1000000"):
        assert client.get(f"{ROOMS}?{query}").status_code == 200
    largest = 2**63 - 1  # the contract's maximum offset, a 64-bit integer
    assert client.get(f"{ROOMS}?offset={largest}").json()["offset"] == largest


@pytest.mark.parametrize("offset", [str(2**63), "1" + "0" * 29], ids=["2**63", "30-digits"])
def test_an_offset_past_64_bits_is_a_400_naming_offset(client: TestClient, offset: str) -> None:
    problem = assert_problem(client.get(f"{ROOMS}?offset={offset}"), 400)
    assert [(e["in"], e["pointer"]) for e in problem["errors"]] == [("query", "/offset")]
    assert "maximum of 9223372036854775807" in problem["errors"][0]["message"]


# -- HTTP edges ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", f"{API}", f"{API}/", f"{API}/nope", f"{ROOMS}/a/b"])
def test_unknown_paths_are_404_problems(client: TestClient, path: str) -> None:
    assert_problem(client.get(path), 404)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", ROOMS, "GET, POST"),
        ("DELETE", ROOMS, "GET, POST"),
        ("OPTIONS", ROOMS, "GET, POST"),
        ("TRACE", f"{ROOMS}/room_abc123", "GET, DELETE, PATCH"),
        ("POST", f"{ROOMS}/room_abc123", "GET, DELETE, PATCH"),
        ("GET", f"{ROOMS}/room_abc123/end", "POST"),
        ("QUERY", f"{ROOMS}/room_abc123/end", "POST"),
    ],
)
def test_wrong_methods_are_405_with_a_full_allow_header(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert_problem(response, 405)
    assert response.headers["allow"] == allow


def test_a_body_over_the_limit_is_413() -> None:
    from tests.support.mock import mock_client

    with mock_client(max_body_bytes=100) as client:
        assert_problem(client.post(ROOMS, json={"name": "x" * 200}), 413)
        assert client.post(ROOMS, json={"name": "x" * 50}).status_code == 201


def test_past_the_room_cap_create_is_409_and_nothing_changes(mock_store: dict[str, Any]) -> None:
    from tests.support.mock import mock_client

    with mock_client(max_rooms=2, **mock_store) as client:
        create(client)
        create(client)
        assert_problem(client.post(ROOMS, json={"name": "third"}), 409)
        assert client.get(ROOMS).json()["total"] == 2
