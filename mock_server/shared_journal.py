"""The journal on Redis: every worker's requests in one bounded list, for verify and the page.

Keys, under the store's prefix (`--redis-prefix`):

    journal        list: one entry per request, oldest first; each a JSON array whose
                   first item is the entry's id
    journal:meta   hash: last (the newest id), bytes (the size of what the list holds)

A worker writes a request's entry with one script before the answer goes out, so a
client that got its answer from one worker finds the request through any other. The
script numbers the entry, appends it, and drops the oldest while the list holds more
than `--journal-size` entries or more than MAX_BYTES: nothing grows without bound.

An entry keeps the raw pieces, as in memory (header lists, bodies cut at
KEPT_BODY_BYTES), with credentials masked before they leave the worker; reading turns
them back into `Entry`s, so filters, masking and verify are journal.py's and verify.py's
code for both journals. Bytes travel as latin-1 text, which gives every byte back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from .journal import MAX_BYTES, Entry, Filters, Headers, masked_headers, masked_query, selected

if TYPE_CHECKING:
    from .redis_store import RedisRooms

# ARGV: p, size, max bytes, the entry without its id (a JSON array's text after `[`).
ADD = """
local p = ARGV[1]
local list, meta = p .. 'journal', p .. 'journal:meta'
local size, max_bytes = tonumber(ARGV[2]), tonumber(ARGV[3])
local id = redis.call('HINCRBY', meta, 'last', 1)
local entry = '[' .. string.format('%d', id) .. ',' .. ARGV[4]
local count = redis.call('RPUSH', list, entry)
local bytes = redis.call('HINCRBY', meta, 'bytes', #entry)
while count > size or (bytes > max_bytes and count > 1) do
  bytes = redis.call('HINCRBY', meta, 'bytes', -#redis.call('LPOP', list))
  count = count - 1
end
return id
"""
# ARGV: p, how many of the newest to read (0: all). Answers the newest id and the entries.
READ = """
local p = ARGV[1]
local last = redis.call('HGET', p .. 'journal:meta', 'last') or '0'
local first = ARGV[2] == '0' and 0 or -tonumber(ARGV[2])
return {last, redis.call('LRANGE', p .. 'journal', first, -1)}
"""
CLEAR = """
local p = ARGV[1]
local count = redis.call('LLEN', p .. 'journal')
redis.call('DEL', p .. 'journal')
redis.call('HSET', p .. 'journal:meta', 'bytes', 0)
return count
"""
# At a start that does not join a running mock: an empty journal, ids from 1 again.
START = "redis.call('DEL', ARGV[1] .. 'journal', ARGV[1] .. 'journal:meta') return 0"


@dataclass(slots=True)
class WorkerEntry(Entry):
    """An entry of the shared journal: also which worker answered (1 to --workers). A
    class of its own, so that the memory journal's entries cost what they did."""

    worker: int = 1

    def to_json(self) -> dict[str, Any]:
        found = Entry.to_json(self)
        found["worker"] = self.worker
        return found


def _text(raw: bytes) -> str:
    return raw.decode("latin-1")


def _raw(text: str) -> bytes:
    return text.encode("latin-1")


def _header_texts(headers: Headers) -> list[tuple[str, str]]:
    return [(_text(name), _text(value)) for name, value in masked_headers(headers)]


def encoded(entry: Entry, worker: int) -> bytes:
    """An entry as the ADD script takes it: its fields after the id, credentials masked."""
    query = masked_query(entry.query) if entry.query else ""
    fields = [
        entry.time,
        entry.method,
        entry.path,
        query,
        _header_texts(entry.headers),
        _text(entry.body),
        entry.operation,
        entry.status,
        _header_texts(entry.response_headers),
        _text(entry.response_body),
        entry.duration_ms,
        entry.fault,
        entry.forced,
        worker,
    ]
    return orjson.dumps(fields)[1:]


def decoded(text: str) -> WorkerEntry:
    """An entry as the list holds it."""
    item: list[Any] = orjson.loads(text)
    (
        entry_id,
        moment,
        method,
        path,
        query,
        headers,
        body,
        operation,
        status,
        response_headers,
        response_body,
        duration_ms,
        fault,
        forced,
        worker,
    ) = item
    return WorkerEntry(
        entry_id,
        moment,
        method,
        path,
        _raw(query),
        [(_raw(name), _raw(value)) for name, value in headers],
        _raw(body),
        operation,
        status,
        [(_raw(name), _raw(value)) for name, value in response_headers],
        _raw(response_body),
        duration_ms,
        fault,
        forced,
        worker=worker,
    )


class SharedJournal:
    """The journal of every worker on one Redis prefix (see the module's docstring);
    `size` 0 records nothing."""

    def __init__(self, store: RedisRooms, size: int, max_bytes: int = MAX_BYTES) -> None:
        self.store = store
        self.size = size
        self.max_bytes = max_bytes
        self.worker = 1  # set in each worker (app.py)
        self.last_id = 0  # the newest id this worker wrote or read: for the page's feed

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def start(self, fresh: bool) -> None:
        """Before the workers fork: a mock that joins a running one keeps its journal."""
        if fresh:
            self.store.run_at_start(START, self.store.prefix)

    async def add(self, entry: Entry) -> None:
        """Record one request (its `id` is the script's); raises StoreUnavailable."""
        args = str(self.size), str(self.max_bytes), encoded(entry, self.worker)
        found = await self.store.run(ADD, *args)
        self.last_id = max(self.last_id, int(found))

    async def read(self, filters: Filters) -> tuple[list[Entry], int]:
        """The entries the filters admit, oldest first, and the newest id."""
        only_limit = filters.limit is not None and filters == Filters(limit=filters.limit)
        newest = str(filters.limit) if only_limit else "0"
        last, texts = await self.store.run(READ, newest)
        self.last_id = max(self.last_id, int(last))
        return selected(map(decoded, texts), filters), int(last)

    async def clear(self) -> int:
        return int(await self.store.run(CLEAR))
