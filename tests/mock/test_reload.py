"""`--watch`: a real `rooms-mock` process reloads its fixture files and its spec when they
change on disk, keeps its journal, and keeps the running state when a file goes bad."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support.mock import room_json
from tests.support.servers import PROJECT_ROOT, MockProcess, mock_process

WAIT_S = 8.0


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT_S} s: {what}")
        time.sleep(0.05)


def save(path: Path, text: str) -> None:
    """Write as editors do: a new file renamed over the old one."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def rooms_file(*ids: str) -> str:
    return json.dumps({"rooms": [room_json(id=room_id, name=room_id) for room_id in ids]})


def room_ids(mock: MockProcess) -> list[str]:
    listed = httpx.get(f"{mock.base_url}/rooms", timeout=5).json()
    return [room["id"] for room in listed["rooms"]]


def lines_with(mock: MockProcess, *words: str) -> list[str]:
    return [line for line in mock.lines if all(word in line for word in words)]


def test_fixture_files_reload_and_a_bad_one_keeps_the_rooms(tmp_path: Path) -> None:
    folder = tmp_path / "fixtures"
    folder.mkdir()
    first = folder / "a.json"
    first.write_text(rooms_file("room_first1"))
    with mock_process("--fixtures", str(folder), "--watch", "--log-level", "info") as mock:
        eventually(lambda: bool(lines_with(mock, "watching", str(folder))), "the watch started")
        assert room_ids(mock) == ["room_first1"]

        save(first, rooms_file("room_second2"))  # a file changed
        eventually(lambda: room_ids(mock) == ["room_second2"], "a changed file is served")
        (folder / "b.json").write_text(rooms_file("room_third3"))  # a file added, in place
        eventually(
            lambda: room_ids(mock) == ["room_second2", "room_third3"], "an added file is served"
        )
        # The line is written after the new rooms are served, and read from a pipe: wait for it.
        eventually(
            lambda: bool(lines_with(mock, "reloaded", str(folder), "2 room(s)")), "reload logged"
        )

        (folder / "b.json").write_text('{"rooms": [{"id": "room_1"}]}')  # a bad file
        eventually(lambda: bool(lines_with(mock, "kept the running rooms")), "the bad file logged")
        (line,) = set(lines_with(mock, "kept the running rooms"))
        assert line.startswith(f"rooms-mock: {folder / 'b.json'}: rooms[0]: ")
        assert room_ids(mock) == ["room_second2", "room_third3"]
        (folder / "notes.txt").write_text("not a fixture")  # not *.json: ignored
        (folder / "b.json").unlink()
        eventually(lambda: room_ids(mock) == ["room_second2"], "a removed file is gone")

        journal = httpx.get(f"{mock.origin}/_mock/requests", timeout=5).json()["requests"]
        assert journal[0]["id"] == 1  # the journal outlived every reload
        assert len(journal) > 4
    assert "Traceback" not in mock.output()


def test_the_spec_reloads_and_a_bad_one_keeps_the_running_spec(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    original = (PROJECT_ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert original.count("maximum: 100\n") == 2  # the limit parameter, and its echo
    spec.write_text(original)
    args = ("--spec", str(spec), "--fixtures", "none", "--watch", "--log-level", "info")
    with mock_process(*args) as mock:
        eventually(lambda: bool(lines_with(mock, "watching", str(tmp_path))), "the watch started")

        def limit_60() -> int:
            return httpx.get(f"{mock.base_url}/rooms?limit=60", timeout=5).status_code

        assert limit_60() == 200
        save(spec, original.replace("maximum: 100\n", "maximum: 50\n", 1))
        eventually(lambda: limit_60() == 400, "the changed spec is served")
        eventually(lambda: bool(lines_with(mock, "reloaded", str(spec))), "the reload logged")

        save(spec, original.replace("paths:", "paths: [", 1))  # not YAML any more
        eventually(lambda: bool(lines_with(mock, "kept the running spec")), "the bad spec logged")
        (line,) = set(lines_with(mock, "kept the running spec"))
        assert line.startswith(f"rooms-mock: {spec}: not valid YAML")
        assert limit_60() == 400  # still the last good spec

        journal = httpx.get(f"{mock.origin}/_mock/requests", timeout=5).json()["requests"]
        assert (journal[0]["id"], journal[0]["status"], journal[-1]["status"]) == (1, 200, 400)
    assert "Traceback" not in mock.output()
