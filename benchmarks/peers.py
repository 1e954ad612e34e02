"""The other mock servers a team could run instead, set up to answer the benchmark's requests.

Each peer does less than the mock, and the README's benchmark section says what: WireMock
(the standalone jar) answers fixed bytes from stubs, validates nothing and keeps no state,
with its request journal on (its default, unbounded) or off (`--no-request-journal`);
json-server keeps state in a JSON file it rewrites on every change, and validates nothing.
Both are found where `npm install --no-save wiremock@3.13.2 json-server@0.17.4` puts them
(the repository's `node_modules/`), or given by path.

WireMock runs on a JVM, which compiles the hot paths only after a while: it gets a longer
warm-up (`WARM_UP_S`) before each measured run.
"""

from __future__ import annotations

import glob
import json
import shutil
import sys
from pathlib import Path

from processes import ServerSpec

ROOT = Path(__file__).resolve().parents[1]
WARM_UP_S = {"wiremock": 10.0, "wiremock-no-journal": 10.0}
ROOM = {
    "id": "room_bench000500",
    "name": "Room 500",
    "status": "active",
    "participant_count": 0,
    "config": {"max_participants": 100, "recording_enabled": False, "chat_enabled": True},
    "created_at": "2026-01-01T00:08:20.000Z",
}


def find_wiremock_jar() -> str | None:
    found = sorted(glob.glob(str(ROOT / "node_modules/wiremock/build/wiremock-standalone-*.jar")))
    return found[-1] if found and shutil.which("java") else None


def find_json_server() -> str | None:
    local = ROOT / "node_modules/.bin/json-server"
    return str(local) if local.exists() else shutil.which("json-server")


def _room(index: int) -> dict[str, object]:
    return {**ROOM, "id": f"room_bench{index:06d}", "name": f"Room {index}"}


def _stub(method: str, url: dict[str, str], status: int, body: object, **headers: str) -> dict:
    return {
        "request": {"method": method, **url},
        "response": {
            "status": status,
            "jsonBody": body,
            "headers": {"Content-Type": "application/json", **headers},
        },
    }


def wiremock_spec(jar: str, folder: Path, *, journal: bool) -> ServerSpec:
    """WireMock with a stub per scenario: a room for get and patch, a page of 20 of 1,000
    rooms for list, the new room and its Location for create."""
    (folder / "mappings").mkdir(parents=True, exist_ok=True)
    one = {"urlPathPattern": "/api/v1/rooms/[^/]+"}
    rooms = {"urlPath": "/api/v1/rooms"}
    page = {"rooms": [_room(index) for index in range(20)], "total": 1000, "limit": 20, "offset": 0}
    stubs = [
        _stub("GET", one, 200, ROOM),
        _stub("PATCH", one, 200, {**ROOM, "name": "Renamed"}),
        _stub("GET", rooms, 200, page),
        _stub("POST", rooms, 201, ROOM, Location="/api/v1/rooms/room_bench000500"),
    ]
    (folder / "mappings" / "rooms.json").write_text(json.dumps({"mappings": stubs}))
    command = ["java", "-jar", jar, "--port", "{port}", "--bind-address", "127.0.0.1"]
    command += ["--root-dir", str(folder), "--disable-banner"]
    name = "wiremock"
    if not journal:
        command.append("--no-request-journal")
        name = "wiremock-no-journal"
    return ServerSpec(name, tuple(command), "/api/v1", "/api/v1/rooms")


def json_server_spec(cli: str, folder: Path, rooms: int) -> ServerSpec:
    """json-server over a db.json of `rooms` rooms, its routes mapping /api/v1 and `limit` to
    its own `_limit`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "db.json").write_text(json.dumps({"rooms": [_room(i) for i in range(rooms)]}))
    routes = {"/api/v1/rooms\\?limit=:limit": "/rooms?_limit=:limit", "/api/v1/*": "/$1"}
    (folder / "routes.json").write_text(json.dumps(routes))
    command = [cli, "--host", "127.0.0.1", "--port", "{port}", "--quiet"]
    command += ["--routes", str(folder / "routes.json"), str(folder / "db.json")]
    return ServerSpec("json-server", tuple(command), "/api/v1", "/api/v1/rooms?limit=1")


if __name__ == "__main__":
    print(f"wiremock: {find_wiremock_jar()}\njson-server: {find_json_server()}", file=sys.stderr)
