"""`--fallback mock` in front of a backend that lacks operations, and `--record DIR` whose
file the offline mock loads back with `--fixtures`."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.fixtures import default_fixtures_path
from tests.contract_targets.reference import RoomsApi
from tests.contract_targets.serve import serving
from tests.proxy.support import proxying
from tests.support.servers import STOP_TIMEOUT_S, mock_process, running_mock

FIXTURE_ROOM = "room_abc123"  # of the bundled fixtures


def lacking(app: ASGIApp) -> ASGIApp:
    """The reference without List (a 501) and without End (a framework's plain 404 page)."""

    async def partial(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and scope["method"] == "GET" and path == "/api/v1/rooms":
            await send_plain(send, 501, b"Not Implemented")
        elif scope["type"] == "http" and path.endswith("/end"):
            await send_plain(send, 404, b"Not Found")
        else:
            await app(scope, receive, send)

    return partial


async def send_plain(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def test_the_mock_answers_what_the_backend_does_not_serve() -> None:
    with (
        serving(lacking(RoomsApi())) as backend,
        proxying(backend, fallback=True) as proxy,
    ):
        api = proxy.base_url
        made = httpx.post(f"{api}/rooms", json={"name": "CS101"}).json()
        got = httpx.get(f"{api}/rooms/{made['id']}")
        listed = httpx.get(f"{api}/rooms")
        ended = httpx.post(f"{api}/rooms/{made['id']}/end")
        sides = [(entry.operation, entry.answered_by) for entry in proxy.server.journal]
        backend_rules = proxy.rules("backend")
    assert got.status_code == 200 and got.json()["id"] == made["id"]
    # List: the in-process mock's page, not the backend's 501; it knows none of its rooms.
    assert listed.status_code == 200 and listed.json()["total"] == 0
    # End: the mock answers, and it does not know the backend's room (data stay apart).
    assert ended.status_code == 404
    assert ended.headers["content-type"] == "application/problem+json"
    assert sides == [
        ("createRoom", "backend"),
        ("getRoom", "backend"),
        ("listRooms", "mock"),
        ("endRoom", "mock"),
    ]
    assert backend_rules == set()


def test_the_mock_with_its_fixtures_answers_for_a_missing_operation() -> None:
    fixtures = {"fixtures": default_fixtures_path()}
    with (
        serving(lacking(RoomsApi())) as backend,
        proxying(backend, fallback=True, settings=fixtures) as proxy,
    ):
        ended = httpx.post(f"{proxy.base_url}/rooms/{FIXTURE_ROOM}/end")
        listed = httpx.get(f"{proxy.base_url}/rooms").json()
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert FIXTURE_ROOM in [room["id"] for room in listed["rooms"]]


def test_without_fallback_the_backends_gaps_are_violations() -> None:
    with serving(lacking(RoomsApi())) as backend, proxying(backend) as proxy:
        listed = httpx.get(f"{proxy.base_url}/rooms")
        rules = proxy.rules("backend")
    assert listed.status_code == 501 and listed.text == "Not Implemented"
    assert {"no-5xx", "documented-status"} <= rules


def test_a_room_404_in_problem_json_is_the_backends_own_answer() -> None:
    with serving(RoomsApi()) as backend, proxying(backend, fallback=True) as proxy:
        missing = httpx.get(f"{proxy.base_url}/rooms/room_unknown1")
        answered = [entry.answered_by for entry in proxy.server.journal]
    assert missing.status_code == 404
    assert answered == ["backend"]


def test_recorded_rooms_load_back_as_fixtures(tmp_path: Path) -> None:
    record = tmp_path / "recorded"
    with (
        serving(RoomsApi()) as backend,
        mock_process("--proxy", backend, "--fixtures", "none", "--record", str(record)) as proxy,
    ):
        api = proxy.base_url
        kept = httpx.post(f"{api}/rooms", json={"name": "Kept", "config": {"chat_enabled": False}})
        ended = httpx.post(f"{api}/rooms", json={"name": "Ended"}).json()
        gone = httpx.post(f"{api}/rooms", json={"name": "Gone"}).json()
        httpx.post(f"{api}/rooms/{ended['id']}/end")
        httpx.delete(f"{api}/rooms/{gone['id']}")
        proxy.stop(signal.SIGTERM)
        proxy.process.wait(STOP_TIMEOUT_S)
    written = json.loads((record / "recorded.json").read_text())
    assert [room["name"] for room in written["rooms"]] == ["Kept", "Ended"]
    with running_mock("--fixtures", str(record)) as offline:
        rooms = httpx.get(f"{offline}/rooms").json()["rooms"]
    assert [room["id"] for room in rooms] == [kept.json()["id"], ended["id"]]
    assert rooms[0]["config"]["chat_enabled"] is False
    assert rooms[1]["status"] == "ended" and "ended_at" in rooms[1]
