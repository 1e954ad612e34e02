"""A Python client generated from openapi.yaml by openapi-python-client works against the mock.

The client is generated at test time, from the spec as it is now, into a temporary folder,
with `--fail-on-warning`: a spec construct the generator cannot turn into types (it once
dropped `RoomDetail`, an `allOf` over the discriminated `Room`, and with it `RoomPage`) fails
here with the generator's own words. Then the typed client does a room's whole life against a
real mock process, and meets each documented error as a typed `Problem`.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.servers import running_mock
from tests.support.tools import PROJECT_ROOT, require

PACKAGE = "rooms_api_client"
GENERATE_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 5.0
OFFSET_MAX = 2**63 - 1  # the spec's int64 bound on `offset`
NO_NETWORK = "http://127.0.0.1:9"  # a proxy nothing listens on: any fetch would fail at once


def generate(spec: Path, into: Path) -> Path:
    """Run the generator on `spec`; the generated package's folder. No formatter, no network."""
    config = into / "generator.json"
    config.write_text(json.dumps({"post_hooks": []}))
    package = into / PACKAGE
    command = [
        sys.executable,
        "-m",
        require("openapi-python-client"),
        "generate",
        "--path",
        str(spec),
        "--meta",
        "none",
        "--config",
        str(config),
        "--output-path",
        str(package),
        "--fail-on-warning",
    ]
    proxies = {name: NO_NETWORK for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")}
    result = subprocess.run(
        command,
        cwd=into,
        capture_output=True,
        text=True,
        timeout=GENERATE_TIMEOUT_S,
        env={**os.environ, **proxies, "NO_PROXY": ""},
    )
    said = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, f"openapi-python-client failed on {spec.name}:\n{said}"
    assert "Warning" not in said, f"openapi-python-client warned on {spec.name}:\n{said}"
    return package


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The generated package, imported; taken out of `sys.path` and `sys.modules` after."""
    folder = tmp_path_factory.mktemp("python-client")
    generate(PROJECT_ROOT / "openapi.yaml", folder)
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def load(name: str) -> ModuleType:
    """A module of the generated package: `models`, `api.rooms.create_room`, ..."""
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture(scope="module")
def api(client_package: Any) -> Iterator[Any]:
    """A generated `Client` bound to a real, empty, strict mock."""
    with (
        running_mock("--fixtures", "none", "--strict") as base_url,
        client_package.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client,
    ):
        yield client


def call(operation: str, api: Any, *args: Any, **kwargs: Any) -> Any:
    """`operation.sync_detailed(...)`: the status, the headers and the typed body."""
    return load(f"api.rooms.{operation}").sync_detailed(*args, client=api, **kwargs)


def test_a_room_s_whole_life_through_the_generated_client(api: Any) -> None:
    models = load("models")
    body = models.RoomCreate(
        name="Generated client room",
        config=models.RoomConfigInput(max_participants=30, recording_enabled=True),
    )
    created = call("create_room", api, body=body)
    assert created.status_code == 201
    room = created.parsed
    assert isinstance(room, models.ActiveRoom)
    assert room.status == models.ActiveRoomStatus.ACTIVE
    assert room.config.to_dict() == {
        "max_participants": 30,
        "recording_enabled": True,
        "chat_enabled": True,
    }
    assert created.headers["location"] == f"/api/v1/rooms/{room.id}"

    page = call("list_rooms", api, limit=100).parsed
    assert isinstance(page, models.RoomPage)
    assert (page.limit, page.offset) == (100, 0)
    listed = [item for item in page.rooms if item.id == room.id]
    assert len(listed) == 1 and isinstance(listed[0], models.ActiveRoomDetail)

    got = call("get_room", api, room.id).parsed
    assert isinstance(got, models.ActiveRoomDetail)
    assert (got.name, got.participant_count, got.created_at) == (room.name, 0, room.created_at)

    change = models.RoomUpdate(config=models.RoomConfigInput(chat_enabled=False))
    updated = call("update_room", api, room.id, body=change).parsed
    assert isinstance(updated, models.ActiveRoom)
    assert updated.config.max_participants == 30, "config merges field by field"
    assert updated.config.chat_enabled is False

    ended = call("end_room", api, room.id).parsed
    assert isinstance(ended, models.EndedRoom)
    assert ended.status == models.EndedRoomStatus.ENDED
    assert ended.ended_at >= ended.created_at == room.created_at

    after_end = call("get_room", api, room.id).parsed
    assert isinstance(after_end, models.EndedRoomDetail), "Get tells an ended room by its type"
    assert after_end.ended_at == ended.ended_at

    deleted = call("delete_room", api, room.id)
    assert deleted.status_code == 204 and deleted.content == b""
    gone = call("get_room", api, room.id)
    assert gone.status_code == 404
    assert isinstance(gone.parsed, models.Problem)


def test_documented_errors_come_back_as_typed_problems(api: Any) -> None:
    models = load("models")
    missing = call("get_room", api, "room_missing1")
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem)
    assert missing.parsed.status == 404
    assert "room_missing1" in missing.parsed.detail

    room = call("create_room", api, body=models.RoomCreate(name="Ends twice")).parsed
    call("end_room", api, room.id)
    again = call("end_room", api, room.id)
    assert again.status_code == 409
    assert isinstance(again.parsed, models.Problem) and again.parsed.status == 409
    update = call("update_room", api, room.id, body=models.RoomUpdate(name="Too late"))
    assert update.status_code == 409 and isinstance(update.parsed, models.Problem)

    # The generated models do not check bounds: the server must, and say where.
    bad = models.RoomCreate(name="", config=models.RoomConfigInput(max_participants=0))
    refused = call("create_room", api, body=bad)
    assert refused.status_code == 400
    problem = refused.parsed
    assert isinstance(problem, models.Problem) and problem.status == 400
    assert all(isinstance(item, models.Violation) for item in problem.errors)
    assert {(item.in_, item.pointer) for item in problem.errors} == {
        (models.ViolationIn.BODY, "/name"),
        (models.ViolationIn.BODY, "/config/max_participants"),
    }

    out_of_range = call("list_rooms", api, limit=0)
    assert out_of_range.status_code == 400
    assert [(item.in_, item.pointer) for item in out_of_range.parsed.errors] == [
        (models.ViolationIn.QUERY, "/limit")
    ]


def test_the_largest_offset_the_spec_allows_is_an_empty_page(api: Any) -> None:
    models = load("models")
    page = call("list_rooms", api, offset=OFFSET_MAX).parsed
    assert isinstance(page, models.RoomPage)
    assert (page.rooms, page.offset, page.limit) == ([], OFFSET_MAX, 20)
