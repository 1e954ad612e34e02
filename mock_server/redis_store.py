"""The rooms on Redis, shared by every worker (and every mock) that names the same prefix.

Each operation is one Lua script, which Redis runs alone, start to end: there is
no read-modify-write on the client, so two workers can never lose an update,
end a room twice or hand out one id twice, and a lost connection leaves nothing
half-written (a script ran whole, or not at all).

Keys, under the prefix (`--redis-prefix`, default `rooms-mock:`):

    meta          hash: key (the id permutation's key, hex), seeded, issued, ticks
    order         sorted set: every room id, scored by created_at in ms; ties by id
                  (Redis orders equal scores by member), which is the contract's order
    room:<id>     hash: name (JSON), status, count, created (ms), created_at, ended_at
                  (RFC 3339), and c:"<field>" = its JSON value for each config field

Ids: the `issued`-th id is the keyed permutation of ids.py applied to `issued`, as
in memory. The permutation needs BLAKE2b, which Lua lacks, so the worker sends a
window of candidate ids for the counter it last saw; the script takes the one for
the counter's true value, or answers `retry` with that value (another worker was
quicker). The key lives in Redis, so every worker derives the same ids.

At start the mock joins the store its prefix already holds (another mock's: a replica;
or its own before a restart), and loads the fixtures only into an empty prefix; with
`--seed` it begins again, since its ids and clock must repeat.

Every script first checks that `meta` still holds the worker's key: a Redis that
restarted (no persistence) has lost it, and then the first worker to notice loads
the fixtures again under a new key, so no id can come back. While Redis cannot be
reached, every call raises StoreUnavailable (a 503), logged once per worker; the
next call that reaches it again is served, and logged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson
import redis
import redis.asyncio
from redis.backoff import NoBackoff

from .fixtures import FixtureError
from .ids import ID_PREFIX, KEY_BYTES, Permutation, encode, key_of
from .store import (
    DEFAULT_CONFIG,
    SEED_EPOCH,
    Page,
    Room,
    RoomAlreadyEnded,
    RoomEnded,
    RoomError,
    RoomLimitReached,
    RoomNotFound,
    format_timestamp,
)
from .stores import StoreError, StoreUnavailable

logger = logging.getLogger("mock_server.store")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Reply = list[Any]  # a script's answer: its outcome first ('ok', 'missing', ...)
CONFIG_FIELD = "c:"
ID_WINDOW = 4  # candidate ids per create: the counter rarely moves further between two calls
MAX_CREATE_TRIES = 100
MAX_CACHED_IDS = 256
MAX_CONNECTIONS = 32  # per worker; a request waits for a free one up to the socket timeout
SOCKET_TIMEOUT_S = 2.0
LARGEST_INDEX = 2**62  # ZRANGE takes 64-bit indexes; any offset past the rooms is past them
DOWN = (redis.ConnectionError, redis.TimeoutError, OSError)

# -- the scripts ------------------------------------------------------------------------
# ARGV[1] is the prefix; every script but `start` takes the worker's key as ARGV[2].

SEED_EPOCH_MS = (SEED_EPOCH - EPOCH) // timedelta(milliseconds=1)
COMMON = """
local p = ARGV[1]
local meta = p .. 'meta'
local order = p .. 'order'
local function room_key(id) return p .. 'room:' .. id end
-- RFC 3339 in UTC with milliseconds, as format_timestamp writes it (days to civil date:
-- H. Hinnant's algorithm; Redis' Lua has no os.date).
local function iso(ms)
  local seconds = math.floor(ms / 1000)
  local days = math.floor(seconds / 86400)
  local rest = seconds - days * 86400
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
    - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local day = doy - math.floor((153 * mp + 2) / 5) + 1
  local month = mp < 10 and mp + 3 or mp - 9
  local year = yoe + era * 400 + (month <= 2 and 1 or 0)
  return string.format('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', year, month, day,
    math.floor(rest / 3600), math.floor(rest % 3600 / 60), rest % 60, ms - seconds * 1000)
end
local function now_ms()
  if redis.call('HGET', meta, 'seeded') == '1' then
    return SEED_EPOCH_MS + 1000 * redis.call('HINCRBY', meta, 'ticks', 1)
  end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- A room's JSON, as Get answers it, from its hash (whose values are JSON texts already):
-- one string per room is much less to parse than its fields.
local function room_json(id)
  local flat = redis.call('HGETALL', room_key(id))
  if #flat == 0 then return false end
  local fields, config = {}, {}
  for i = 1, #flat, 2 do
    if string.sub(flat[i], 1, 2) == 'c:' then
      config[#config + 1] = string.sub(flat[i], 3) .. ':' .. flat[i + 1]
    else
      fields[flat[i]] = flat[i + 1]
    end
  end
  local ended = fields.ended_at and (',"ended_at":"' .. fields.ended_at .. '"') or ''
  return '{"id":"' .. id .. '","name":' .. fields.name .. ',"status":"' .. fields.status
    .. '","participant_count":' .. fields.count .. ',"config":{' .. table.concat(config, ',')
    .. '},"created_at":"' .. fields.created_at .. '"' .. ended .. '}'
end
local function load(first)
  local rooms = redis.call('ZRANGE', order, 0, -1)
  for i = 1, #rooms, 500 do
    local keys = {}
    for j = i, math.min(i + 499, #rooms) do keys[#keys + 1] = room_key(rooms[j]) end
    redis.call('DEL', unpack(keys))
  end
  redis.call('DEL', order)
  local i = first
  while i <= #ARGV do
    local id, created, count = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
    redis.call('HSET', room_key(id), 'created', created, unpack(ARGV, i + 3, i + 2 + count))
    redis.call('ZADD', order, created, id)
    i = i + 3 + count
  end
end
""".replace("SEED_EPOCH_MS", str(SEED_EPOCH_MS))
CHECKED = COMMON + "if redis.call('HGET', meta, 'key') ~= ARGV[2] then return {'lost'} end\n"

# ARGV: p, proposed key, seeded, mode (start|recover), then the rooms (see `load`).
# A store already there is joined (another mock's, or this one's before a restart), but
# a seeded start begins again: its ids and clock must repeat. Answers key, joined, rooms.
START = (
    COMMON
    + """
local key = redis.call('HGET', meta, 'key')
if key and (ARGV[3] == '0' or ARGV[4] == 'recover') then
  return {key, 1, redis.call('ZCARD', order)}
end
key = ARGV[2]
redis.call('HSET', meta, 'key', key, 'issued', 0, 'ticks', 0, 'seeded', ARGV[3])
load(5)
return {key, 0, redis.call('ZCARD', order)}
"""
)
# ARGV: p, key, then the rooms.
RESET = (
    CHECKED
    + """
if redis.call('HGET', meta, 'seeded') == '1' then
  redis.call('HSET', meta, 'issued', 0, 'ticks', 0)
end
load(3)
return {'ok', redis.call('ZCARD', order)}
"""
)
# ARGV: p, key, max rooms ('' for none), base, n, n candidate ids, name, config fields...
CREATE = (
    CHECKED
    + """
if ARGV[3] ~= '' and redis.call('ZCARD', order) >= tonumber(ARGV[3]) then return {'full'} end
local issued = tonumber(redis.call('HGET', meta, 'issued'))
local base, n = tonumber(ARGV[4]), tonumber(ARGV[5])
local index = issued - base
if index < 0 or index >= n then return {'retry', tostring(issued)} end
local id
while index < n and not id do
  local candidate = ARGV[6 + index]
  index = index + 1
  if redis.call('EXISTS', room_key(candidate)) == 0 then id = candidate end
end
issued = string.format('%d', base + index)
redis.call('HSET', meta, 'issued', issued)
if not id then return {'retry', issued} end
local ms = now_ms()
local created = string.format('%d', ms)
redis.call('HSET', room_key(id), 'name', ARGV[6 + n], 'status', 'active', 'count', 0,
  'created', created, 'created_at', iso(ms), unpack(ARGV, 7 + n))
redis.call('ZADD', order, created, id)
return {'ok', id, created, issued}
"""
)
GET = (
    CHECKED
    + """
local room = room_json(ARGV[3])
if not room then return {'missing'} end
return {'ok', room}
"""
)
LIST = (
    CHECKED
    + """
local ids = redis.call('ZRANGE', order, ARGV[3], ARGV[4])
local rooms = {}
for i, id in ipairs(ids) do rooms[i] = room_json(id) end
return {'ok', redis.call('ZCARD', order), rooms}
"""
)
# ARGV: p, key, id, rename (0|1), name (JSON), config fields...
UPDATE = (
    CHECKED
    + """
local k = room_key(ARGV[3])
local status = redis.call('HGET', k, 'status')
if not status then return {'missing'} end
if status == 'ended' then return {'ended'} end
if ARGV[4] == '1' then redis.call('HSET', k, 'name', ARGV[5]) end
if #ARGV > 5 then redis.call('HSET', k, unpack(ARGV, 6)) end
return {'ok', room_json(ARGV[3])}
"""
)
END = (
    CHECKED
    + """
local k = room_key(ARGV[3])
local room = redis.call('HMGET', k, 'status', 'created')
if not room[1] then return {'missing'} end
if room[1] == 'ended' then return {'ended'} end
local ended = math.max(now_ms(), tonumber(room[2]))
redis.call('HSET', k, 'status', 'ended', 'ended_at', iso(ended))
return {'ok', room_json(ARGV[3])}
"""
)
DELETE = (
    CHECKED
    + """
if redis.call('DEL', room_key(ARGV[3])) == 0 then return {'missing'} end
redis.call('ZREM', order, ARGV[3])
return {'ok'}
"""
)
COUNT = CHECKED + "return {'ok', redis.call('ZCARD', order)}\n"


# -- rooms to hash fields and back --------------------------------------------------------


def to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_ms(text: str) -> datetime:
    return EPOCH + timedelta(milliseconds=int(text))


def json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def config_fields(config: Mapping[str, Any]) -> list[str]:
    """`c:"<field>"`, its JSON value, ...: a merge is one HSET, field by field, and the
    script writes the room's JSON without encoding anything."""
    fields: list[str] = []
    for name, value in config.items():
        fields += (CONFIG_FIELD + json_text(name), json_text(value))
    return fields


def room_fields(room: Room) -> list[str]:
    """A room as the `load` script takes it: id, created (ms), how many fields, the fields."""
    fields = ["name", json_text(room.name), "status", room.status]
    fields += ["count", str(room.participant_count), "created_at", room.created_text]
    fields += config_fields(room.config)
    if room.ended_at is not None:
        fields += ["ended_at", format_timestamp(room.ended_at)]
    return [room.id, str(to_ms(room.created_at)), str(len(fields)), *fields]


def shown_url(url: str) -> str:
    """The URL for logs and answers, its password masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def room_of(text: str) -> Room:
    return Room.from_json(orjson.loads(text))


class RedisRooms:
    """The rooms in one Redis database, under one key prefix (see the module's docstring)."""

    def __init__(
        self,
        url: str,
        prefix: str,
        *,
        seed: int | None = None,
        max_rooms: int | None = None,
        fixtures: Callable[[], list[Room]] = list,
    ) -> None:
        self.url, self.prefix, self.seed, self.max_rooms = url, prefix, seed, max_rooms
        self.shown = shown_url(url)
        self.fixtures = fixtures
        self._key = ""
        self._permutation: Permutation | None = None
        self._ids: dict[int, str] = {}
        self._issued = 0
        self._down = False
        self.joined = False
        self._client: redis.asyncio.Redis | None = None
        self._scripts: dict[str, Any] = {}

    def describe(self) -> str:
        joined = ", joined: they were there" if self.joined else ""
        return f"on Redis at {self.shown} (keys {self.prefix}*{joined})"

    # -- at start (synchronous: before the event loop, before the workers fork) ------------

    def start(self, rooms: list[Room]) -> int:
        """Connect, and load the fixtures unless the store is there already (then join it):
        once, before the workers fork. How many rooms the store holds."""
        key, joined, count = self.run_at_start(START, *self._start_args("start", rooms))
        self.joined = bool(joined)
        self._use_key(str(key))
        return int(count)

    def run_at_start(self, script: str, *args: str) -> Any:
        """One script, before the workers fork (no event loop yet); StoreError names why not.
        The shared journal and fault rules start through it too (records.py)."""
        try:
            client = redis.Redis.from_url(
                self.url, socket_connect_timeout=SOCKET_TIMEOUT_S, decode_responses=True
            )
        except ValueError as error:
            raise StoreError(f"--store {self.shown}: {error}") from None
        try:
            with client:
                reply = client.register_script(script)(args=list(args))
        except redis.AuthenticationError as error:  # a ConnectionError to redis-py
            raise StoreError(f"Redis at {self.shown} refused the credentials: {error}") from None
        except DOWN as error:
            raise StoreError(f"cannot reach Redis at {self.shown}: {error}") from None
        except redis.RedisError as error:
            raise StoreError(f"Redis at {self.shown} refused to start the store: {error}") from None
        return reply

    def _start_args(self, mode: str, rooms: Iterable[Room]) -> list[str]:
        proposed = key_of(self.seed) if self.seed is not None else secrets.token_bytes(KEY_BYTES)
        seeded = "1" if self.seed is not None else "0"
        args = [self.prefix, proposed.hex(), seeded, mode]
        for room in rooms:
            args += room_fields(room)
        return args

    def _use_key(self, key: str) -> None:
        self._key = key
        self._permutation = Permutation(bytes.fromhex(key))
        self._ids.clear()
        self._issued = 0

    # -- one atomic call -------------------------------------------------------------------

    def _script(self, name: str) -> Any:
        """The registered script (EVALSHA, loaded again if Redis lost it), in this worker;
        `name` is one of SCRIPTS, or the source of another module's script."""
        if self._client is None:  # made in the worker, on its own event loop
            pool = redis.asyncio.BlockingConnectionPool.from_url(
                self.url,
                max_connections=MAX_CONNECTIONS,
                timeout=SOCKET_TIMEOUT_S,
                socket_timeout=SOCKET_TIMEOUT_S,
                socket_connect_timeout=SOCKET_TIMEOUT_S,
                decode_responses=True,
            )
            retry = redis.asyncio.retry.Retry(NoBackoff(), 1)  # a stale connection, once
            self._client = redis.asyncio.Redis(connection_pool=pool, retry=retry)
        script = self._scripts.get(name)
        if script is None:
            source = SCRIPTS.get(name, name)
            script = self._scripts[name] = self._client.register_script(source)
        return script

    async def _call(self, name: str, *args: str) -> Reply:
        """One script's answer; a store Redis lost is loaded again first (see _recover)."""
        try:
            reply: Reply = await self._script(name)(args=[self.prefix, self._key, *args])
            if reply[0] == "lost":
                await self._recover()
                reply = await self._script(name)(args=[self.prefix, self._key, *args])
        except DOWN as error:
            raise self._lost(error) from None
        self._reached()
        if reply[0] == "lost":  # lost again at once: someone is flushing the database
            raise StoreUnavailable(where=f"Redis at {self.shown}")
        return reply

    async def run(self, script: str, *args: str | bytes) -> Any:
        """Another module's script (the shared journal, the fault rules) on this worker's
        connections, its first argument the prefix: a Redis out of reach is the same
        StoreUnavailable (a 503), logged once with the rooms' calls."""
        try:
            reply = await self._script(script)(args=[self.prefix, *args])
        except DOWN as error:
            raise self._lost(error) from None
        self._reached()
        return reply

    def _lost(self, error: Exception) -> StoreUnavailable:
        if not self._down:
            self._down = True
            logger.warning(
                "Redis at %s cannot be reached (%s); API calls answer 503 until it is back",
                self.shown,
                error,
            )
        return StoreUnavailable(where=f"Redis at {self.shown}")

    def _reached(self) -> None:
        if self._down:
            self._down = False
            logger.warning("Redis at %s is back; serving again", self.shown)

    async def _recover(self) -> None:
        """Redis lost the store (restarted): load the fixtures again, under a new key."""
        try:
            rooms = self.fixtures()
        except FixtureError as error:  # the files went bad since the start
            logger.warning("%s; the store starts again empty", error)
            rooms = []
        key, _joined, _count = await self._script("start")(args=self._start_args("recover", rooms))
        if key != self._key:
            logger.warning("Redis at %s lost the rooms; loaded the fixtures again", self.shown)
        self._use_key(str(key))

    def _id_at(self, index: int) -> str:
        room_id = self._ids.get(index)
        if room_id is None:
            if len(self._ids) >= MAX_CACHED_IDS:
                self._ids.clear()
            assert self._permutation is not None, "start() fixes the key"
            room_id = self._ids[index] = ID_PREFIX + encode(self._permutation(index))
        return room_id

    # -- the interface -----------------------------------------------------------------------

    async def create(self, name: str, config: Mapping[str, Any] | None = None) -> Room:
        full = {**DEFAULT_CONFIG, **(config or {})}
        fields = config_fields(full)
        limit = "" if self.max_rooms is None else str(self.max_rooms)
        for _try in range(MAX_CREATE_TRIES):
            base = self._issued
            candidates = [self._id_at(base + offset) for offset in range(ID_WINDOW)]
            reply = await self._call(
                "create", limit, str(base), str(ID_WINDOW), *candidates, json_text(name), *fields
            )
            if reply[0] == "full":
                raise RoomLimitReached(limit=self.max_rooms)
            if reply[0] == "ok":
                self._issued = int(reply[3])
                return Room(reply[1], name, full, from_ms(reply[2]))
            self._issued = int(reply[1])
        raise StoreUnavailable(where=f"Redis at {self.shown}, busy creating rooms")

    async def get(self, room_id: str) -> Room:
        reply = await self._call("get", room_id)
        if reply[0] == "missing":
            raise RoomNotFound(room_id)
        return room_of(reply[1])

    async def list(self, limit: int = 20, offset: int = 0) -> Page:
        first = min(offset, LARGEST_INDEX)
        last = min(offset + limit - 1, LARGEST_INDEX)
        _ok, total, rooms = await self._call("list", str(first), str(last))
        return Page([room_of(room) for room in rooms], int(total), limit, offset)

    async def update(
        self, room_id: str, name: str | None = None, config: Mapping[str, Any] | None = None
    ) -> Room:
        rename = ["0", ""] if name is None else ["1", json_text(name)]
        reply = await self._call("update", room_id, *rename, *config_fields(config or {}))
        return self._changed(room_id, reply, RoomEnded)

    async def end(self, room_id: str) -> Room:
        return self._changed(room_id, await self._call("end", room_id), RoomAlreadyEnded)

    def _changed(self, room_id: str, reply: Reply, ended: type[RoomError]) -> Room:
        if reply[0] == "missing":
            raise RoomNotFound(room_id)
        if reply[0] == "ended":
            raise ended(room_id)
        return room_of(reply[1])

    async def delete(self, room_id: str) -> None:
        if (await self._call("delete", room_id))[0] == "missing":
            raise RoomNotFound(room_id)

    async def reset(self, rooms: Iterable[Room]) -> None:
        args: list[str] = []
        for room in rooms:
            args += room_fields(room)
        await self._call("reset", *args)
        if self.seed is not None:
            self._issued = 0

    async def count(self) -> int:
        return int((await self._call("count"))[1])

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
            self._scripts.clear()


SCRIPTS = {
    "start": START,
    "reset": RESET,
    "create": CREATE,
    "get": GET,
    "list": LIST,
    "update": UPDATE,
    "end": END,
    "delete": DELETE,
    "count": COUNT,
}
