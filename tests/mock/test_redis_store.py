"""What only the shared store does: several stores (workers) on one Redis, Redis going away
and coming back, and `--workers N` as real processes on one port."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import redis

from mock_server.fixtures import default_fixtures_path
from mock_server.redis_store import COMMON, from_ms
from mock_server.store import RoomAlreadyEnded, RoomStore, format_timestamp
from mock_server.stores import StoreUnavailable, open_rooms
from tests.support.mock import API, assert_problem, create, mock_client, room_json
from tests.support.redis import RedisServer, new_prefix, redis_server
from tests.support.servers import mock_process, served_by
from tests.support.stores import SyncRooms

ROOMS = f"{API}/rooms"
STORE_LOG = "mock_server.store"


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of this test's own, to stop and start again."""
    with redis_server() as server:
        yield server


def opened(url: str, prefix: str, seed: int | None = None) -> SyncRooms:
    """A store as one worker holds it, on its own event loop."""
    store = open_rooms(url, seed=seed, max_rooms=None, prefix=prefix)
    store.start([])
    return SyncRooms(store, asyncio.new_event_loop())


def test_the_scripts_write_every_date_as_python_does(shared_redis: RedisServer) -> None:
    """The Lua `iso` against format_timestamp: every day from 1970 to 2200 (leap years,
    centuries), each at another millisecond of its day."""
    days = range(0, (datetime(2200, 1, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)).days)
    moments = [day * 86_400_000 + (day * 7_919_993) % 86_400_000 for day in days]
    moments += [0, 999, 86_399_999, 951_782_400_000]  # 2000-02-29
    script = (
        COMMON + "local o = {} for i = 2, #ARGV do o[#o + 1] = iso(tonumber(ARGV[i])) end return o"
    )
    with redis.Redis.from_url(shared_redis.url, decode_responses=True) as client:
        written = client.eval(script, 0, "x:", *map(str, moments))
    assert written == [format_timestamp(from_ms(str(ms))) for ms in moments]


def test_two_stores_on_one_prefix_share_the_rooms_and_one_id_sequence(
    shared_redis: RedisServer,
) -> None:
    """Creates alternate between two workers' stores: exactly the ids one store would give
    (the memory store, same seed), none twice, although each worker's guess is often stale."""
    prefix = new_prefix()
    first = opened(shared_redis.url, prefix, seed=11)
    second = opened(shared_redis.url, prefix, seed=11)
    made = [(first if index % 3 else second).create(f"r{index}").id for index in range(60)]
    memory = RoomStore(seed=11)
    assert made == [memory.create("x").id for _ in range(60)]
    assert second.get(made[0]).name == "r0"
    second.update(made[1], config={"chat_enabled": False})
    assert first.get(made[1]).config["chat_enabled"] is False
    first.end(made[2])
    with pytest.raises(RoomAlreadyEnded):
        second.end(made[2])
    assert first.count() == second.count() == 60
    other = opened(shared_redis.url, new_prefix())
    assert other.count() == 0  # another prefix, another mock


def test_a_second_mock_on_the_prefix_joins_the_rooms_there(shared_redis: RedisServer) -> None:
    """A replica, or a restart: the rooms stay as they are; a reset brings the fixtures back."""
    settings = {"store": shared_redis.url, "redis_prefix": new_prefix()}
    with mock_client(fixtures=default_fixtures_path(), **settings) as first:
        assert first.delete(f"{ROOMS}/room_abc123").status_code == 204
        made = create(first)
        with mock_client(fixtures=default_fixtures_path(), **settings) as second:
            assert second.get(f"{ROOMS}/{made['id']}").json() == made
            assert_problem(second.get(f"{ROOMS}/room_abc123"), 404)
            assert create(second)["id"] != made["id"]
            total = len(
                json.loads(default_fixtures_path().joinpath("rooms.json").read_text())["rooms"]
            )
            assert second.post("/_mock/reset").json() == {"rooms": total}
        assert first.get(f"{ROOMS}/room_abc123").status_code == 200


def test_redis_lost_is_503_logged_once_and_served_again_when_it_is_back(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """A Redis restarted empty: the store loads the fixtures again, under a new id key."""
    fixtures = tmp_path / "rooms.json"
    fixtures.write_text(json.dumps({"rooms": [room_json(id="room_fixed1")]}))
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps([{"id": "kept", "match": {"method": "PUT"}, "next": 1, "delay": {"fixed": 1}}])
    )
    settings = {"store": own_redis.url, "redis_prefix": new_prefix(), "fixtures": fixtures}
    settings["faults_path"] = rules
    with mock_client(**settings) as client, caplog.at_level(logging.WARNING, STORE_LOG):
        before = create(client)
        own_redis.stop()
        for _ in range(3):
            body = assert_problem(client.get(f"{ROOMS}/{before['id']}"), 503)
            assert "cannot be reached" in body["detail"]
        created = client.post(ROOMS, json={"name": "while down"})
        assert_problem(created, 503)
        assert created.headers["retry-after"] == "1"
        assert_problem(client.get("/_mock/health"), 503)
        # The journal and the fault rules are on Redis too: their controls answer the same.
        for control in ("/_mock/requests", "/_mock/faults"):
            assert "cannot be reached" in assert_problem(client.get(control), 503)["detail"]
        assert_problem(client.post("/_mock/verify", json={"operation": "getRoom"}), 503)
        assert_problem(client.post("/_mock/faults", json={"respond": {"status": 500}}), 503)
        assert_problem(client.delete("/_mock/requests"), 503)
        down = [r.getMessage() for r in caplog.records if "cannot be reached" in r.getMessage()]
        assert len(down) == 1, down
        own_redis.start()
        # The rules of the start come back with the first call that finds them gone.
        assert [rule["id"] for rule in client.get("/_mock/faults").json()["rules"]] == ["kept"]
        listed = client.get(ROOMS).json()
        assert [room["id"] for room in listed["rooms"]] == ["room_fixed1"]
        after = create(client)
        assert after["id"] != before["id"]
        journal = client.get("/_mock/requests").json()["requests"]
        assert [entry["operation"] for entry in journal] == ["listRooms", "createRoom"]
        messages = [record.getMessage() for record in caplog.records]
        assert sum("is back; serving" in message for message in messages) == 1
        assert sum("lost the rooms" in message for message in messages) == 1


def test_a_store_that_cannot_reach_redis_raises_store_unavailable(
    own_redis: RedisServer,
) -> None:
    store = opened(own_redis.url, new_prefix())
    room = store.create("A")
    own_redis.stop()
    for call in (lambda: store.get(room.id), lambda: store.create("B"), store.count):
        with pytest.raises(StoreUnavailable):
            call()


# -- --workers, as real processes ----------------------------------------------------------


def children_of(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def test_two_workers_share_the_rooms_and_both_serve(shared_redis: RedisServer) -> None:
    prefix = new_prefix()
    args = ("--store", shared_redis.url, "--redis-prefix", prefix, "--workers", "2")
    with mock_process(*args, "--fixtures", "none", "--strict") as mock:
        assert "in 2 workers" in mock.output() and "on Redis at" in mock.output()
        assert len(children_of(mock.process.pid)) == 2
        made = []
        for index in range(20):  # a fresh connection each: either worker
            with httpx.Client(base_url=mock.base_url, timeout=10) as http:
                made.append(http.post("/rooms", json={"name": f"r{index}"}).json()["id"])
        for room_id in made:
            with httpx.Client(base_url=mock.base_url, timeout=10) as http:
                assert http.get(f"/rooms/{room_id}").status_code == 200
        with httpx.Client(base_url=mock.base_url, timeout=10) as http:
            page = http.get("/rooms", params={"limit": 100}).json()
        assert page["total"] == 20 and sorted(r["id"] for r in page["rooms"]) == sorted(made)
        workers, last_id = served_by(mock.origin)  # the journal is both workers'
        assert set(workers) == {1, 2} and sum(workers.values()) == last_id == 41, workers
        children = children_of(mock.process.pid)
        assert mock.stop() < 3.0
    assert mock.process.returncode == 0
    for child in children:
        assert _gone(child)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_or_sigterm_to_the_parent_stops_every_worker(
    shared_redis: RedisServer, sig: signal.Signals
) -> None:
    """The parent passes the stop on: no worker is left serving the port, orphaned."""
    args = ("--store", shared_redis.url, "--redis-prefix", new_prefix(), "--workers", "2")
    with mock_process(*args, "--fixtures", "none") as mock:
        children = children_of(mock.process.pid)
        assert len(children) == 2
        assert mock.stop(sig) < 3.0
    assert mock.process.returncode == 0, mock.output()
    deadline = time.monotonic() + 5
    while not all(_gone(child) for child in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(child) for child in children), mock.output()


def _gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists() or _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True


def test_a_worker_that_dies_stops_the_mock_with_one_line(shared_redis: RedisServer) -> None:
    args = ("--store", shared_redis.url, "--redis-prefix", new_prefix(), "--workers", "2")
    with mock_process(*args, "--fixtures", "none") as mock:
        victim = children_of(mock.process.pid)[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while mock.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert mock.process.returncode == 1
        assert "exited with code -9; stopping the others" in mock.output()


def test_seeded_workers_give_the_memory_store_s_ids(shared_redis: RedisServer) -> None:
    """--seed across workers: the same ids, in order of creation, as one memory store."""
    args = ("--store", shared_redis.url, "--redis-prefix", new_prefix(), "--workers", "2")
    with mock_process(*args, "--fixtures", "none", "--seed", "4") as mock:
        made = []
        for index in range(6):
            with httpx.Client(base_url=mock.base_url, timeout=10) as http:
                made.append(http.post("/rooms", json={"name": f"r{index}"}).json())
    memory = RoomStore(seed=4)
    assert made == [memory.create(f"r{index}").to_json() for index in range(6)]
    assert made[0]["created_at"] == "2026-01-06T10:00:01.000Z"


def test_a_redis_that_refuses_is_one_line_and_the_password_is_not_shown(
    shared_redis: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from mock_server.cli import main

    url = shared_redis.url.replace("redis://", "redis://nobody:hunter2@")  # no such user
    code = main(["--port", "0", "--store", url, "--fixtures", "none"])
    err = capsys.readouterr().err
    assert (code, len(err.splitlines())) == (2, 1), err
    assert err.startswith("rooms-mock: error: Redis at redis://nobody:***@127.0.0.1:"), err
    assert "refused the credentials" in err
    assert "hunter2" not in err
