"""The fault rules on Redis: added, counted, spent and removed once for every worker.

Keys, under the store's prefix (`--redis-prefix`):

    faults:meta    hash: version (changes with every change of the rules), count (for
                   the ids the mock makes: rule-1, rule-2, ...)
    faults:order   list: the rules' ids, in the order they are tried
    fault:<id>     hash: doc (the rule's JSON, with its id and seed), every, probability,
                   seed, next, seen, fired

Each worker keeps the rules it last read, with their version. Every API request runs
one script (PICK) with that version and the ids of the cached rules that match the
request: when the version is not Redis' the script answers the rules as they are (the
worker matches again and asks again), so a rule added through one worker applies to
the very next request on any other; when it is, the script counts the request for each
candidate in order, atomically, until one fires. `next N` and `every Kth` are those
shared counters, and a probability's draw for the n-th counted request is a function
of the seed and n (`faults.draw`, here with `redis.sha1hex`): the same decisions
whatever worker answers, and the same as one process with the memory store.

A Redis that lost the rules (restarted empty) has no version: the worker that notices
loads the rules of the start again, once (INIT does nothing where they are).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson

from rooms_spec.json_text import as_json

from .faults import DRAW_BITS, MAX_RULES, Rule, prepared
from .stores import StoreUnavailable

if TYPE_CHECKING:
    from .redis_store import RedisRooms

MAX_PICK_TRIES = 10
FIELDS_PER_RULE = 6  # id, doc after the id, every, probability, seed, next

COMMON = """
local p = ARGV[1]
local meta, order = p .. 'faults:meta', p .. 'faults:order'
local function rule_key(id) return p .. 'fault:' .. id end
local function docs(found)
  for _, id in ipairs(redis.call('LRANGE', order, 0, -1)) do
    found[#found + 1] = redis.call('HGET', rule_key(id), 'doc')
  end
  return found
end
local function drop_all()
  local ids = redis.call('LRANGE', order, 0, -1)
  for _, id in ipairs(ids) do redis.call('DEL', rule_key(id)) end
  redis.call('DEL', order)
  return #ids
end
"""
# ARGV: p, cached version, the ids of the cached rules that match, in order.
PICK = (
    COMMON
    + """
local version = redis.call('HGET', meta, 'version')
if not version then return {'lost'} end
if version ~= ARGV[2] then return docs({'stale', version}) end
for i = 3, #ARGV do
  local key = rule_key(ARGV[i])
  local rule = redis.call('HMGET', key, 'every', 'probability', 'seed', 'next')
  local seen = redis.call('HINCRBY', key, 'seen', 1)
  local fires = seen % tonumber(rule[1]) == 0
  if fires and rule[2] then
    local digest = redis.sha1hex(rule[3] .. ':' .. string.format('%d', seen))
    fires = tonumber(string.sub(digest, 1, DIGITS), 16) / SCALE < tonumber(rule[2])
  end
  if fires then
    local fired = redis.call('HINCRBY', key, 'fired', 1)
    if rule[4] and fired >= tonumber(rule[4]) then
      redis.call('LREM', order, 0, ARGV[i])
      redis.call('DEL', key)
      redis.call('HINCRBY', meta, 'version', 1)
    end
    return {'fired', ARGV[i], seen, fired}
  end
end
return {'none'}
""".replace("DIGITS", str(DRAW_BITS // 4)).replace("SCALE", str(2**DRAW_BITS))
)
# ARGV: p, mode (add | replace | init), a fresh version, then FIELDS_PER_RULE per rule.
# add appends (all or none); replace puts these in place of every rule; init does what
# replace does only where there are no rules' state (a new prefix, a Redis restarted).
SET = (
    COMMON
    + """
local mode = ARGV[2]
local known = redis.call('HEXISTS', meta, 'version') == 1
if mode == 'init' and known then return {'kept'} end
if mode == 'add' and not known then return {'lost'} end
if mode ~= 'add' then drop_all() end
if not known then redis.call('HSET', meta, 'version', ARGV[3]) end
local count = (#ARGV - 3) / PER_RULE
if redis.call('LLEN', order) + count > MAX_RULES then return {'full'} end
for i = 0, count - 1 do
  local id = ARGV[4 + i * PER_RULE]
  if id ~= '' and redis.call('EXISTS', rule_key(id)) == 1 then return {'taken', id} end
end
local ids = {'ok'}
for i = 0, count - 1 do
  local at = 4 + i * PER_RULE
  local id = ARGV[at]
  while id == '' or (ARGV[at] == '' and redis.call('EXISTS', rule_key(id)) == 1) do
    id = 'rule-' .. string.format('%d', redis.call('HINCRBY', meta, 'count', 1))
  end
  if ARGV[at] ~= '' then redis.call('HINCRBY', meta, 'count', 1) end
  local key = rule_key(id)
  redis.call('HSET', key, 'doc', '{"id":"' .. id .. '",' .. ARGV[at + 1], 'every', ARGV[at + 2],
    'seen', 0, 'fired', 0)
  if ARGV[at + 3] ~= '' then redis.call('HSET', key, 'probability', ARGV[at + 3]) end
  redis.call('HSET', key, 'seed', ARGV[at + 4])
  if ARGV[at + 5] ~= '' then redis.call('HSET', key, 'next', ARGV[at + 5]) end
  redis.call('RPUSH', order, id)
  ids[#ids + 1] = id
end
redis.call('HINCRBY', meta, 'version', 1)
return ids
""".replace("PER_RULE", str(FIELDS_PER_RULE)).replace("MAX_RULES", str(MAX_RULES))
)
# Answers the version, then doc, seen, fired for each rule; {'lost'} without rules' state.
LIST = (
    COMMON
    + """
local version = redis.call('HGET', meta, 'version')
if not version then return {'lost'} end
local found = {version}
for _, id in ipairs(redis.call('LRANGE', order, 0, -1)) do
  local rule = redis.call('HMGET', rule_key(id), 'doc', 'seen', 'fired')
  found[#found + 1] = rule[1]
  found[#found + 1] = rule[2]
  found[#found + 1] = rule[3]
end
return found
"""
)
# ARGV: p, id. Answers 1 when it was there.
REMOVE = (
    COMMON
    + """
if redis.call('LREM', order, 0, ARGV[2]) == 0 then return 0 end
redis.call('DEL', rule_key(ARGV[2]))
redis.call('HINCRBY', meta, 'version', 1)
return 1
"""
)
CLEAR = COMMON + "local count = drop_all() redis.call('HINCRBY', meta, 'version', 1) return count"


def rule_of(doc: str) -> Rule:
    """A rule as Redis keeps its document (with its id and seed)."""
    document: dict[str, Any] = orjson.loads(doc)
    rule_id = document.pop("id")
    return Rule(document, rule_id, document.pop("seed", None))


def rule_fields(document: dict[str, Any]) -> list[str]:
    """A valid rule as SET takes it (its seed drawn here when a probability has none)."""
    rule_id, given, seed = prepared(document)
    shown = given if seed is None else {**given, "seed": seed}
    probability = given.get("probability", 1)
    return [
        rule_id or "",
        orjson.dumps(shown)[1:].decode(),  # an action is required: never `{}`
        str(given.get("every", 1)),
        repr(float(probability)) if probability < 1 else "",
        "" if seed is None else str(seed),
        str(given.get("next", "")),
    ]


class SharedFaults:
    """The fault rules of every worker on one Redis prefix (see the module's docstring);
    `start` are the rules of the file given at start."""

    def __init__(self, store: RedisRooms, start: Iterable[dict[str, Any]] = ()) -> None:
        self.store = store
        self.start = list(start)
        self._version = ""
        self._rules: list[Rule] = []
        self._docs: dict[str, tuple[str, Rule]] = {}  # a rule's doc and its object, kept
        # across reads so that its delays go on drawing from one sequence

    @property
    def rules(self) -> list[Rule]:
        """The rules as this worker last read them."""
        return self._rules

    def start_rules(self, fresh: bool) -> None:
        """Before the workers fork, once: the rules of the file, unless the mock joins a
        running one (whose rules stay, counted as they are)."""
        mode = "replace" if fresh else "init"
        self.store.run_at_start(SET, self.store.prefix, *self._set_args(mode, self.start))

    def _set_args(self, mode: str, documents: Iterable[dict[str, Any]]) -> list[str]:
        args = [mode, str(secrets.randbits(48))]
        for document in documents:
            args += rule_fields(document)
        return args

    def _read(self, version: str, docs: list[str]) -> None:
        rules = []
        kept: dict[str, tuple[str, Rule]] = {}
        for doc in docs:
            rule = rule_of(doc)
            known = self._docs.get(rule.id)
            if known is not None and known[0] == doc:
                rule = known[1]
            kept[rule.id] = (doc, rule)
            rules.append(rule)
        self._version, self._rules, self._docs = version, rules, kept

    async def pick(
        self, method: str, path: str, operation_id: Callable[[], str | None]
    ) -> Rule | None:
        """The first rule that fires for this request (counted on Redis), or None;
        `operation_id` is asked only when there are rules to match."""
        for _try in range(MAX_PICK_TRIES):
            rules, docs = self._rules, self._docs  # another request may read them anew
            operation = operation_id() if rules else None
            ids = [rule.id for rule in rules if rule.matches(method, path, operation)]
            reply = await self.store.run(PICK, self._version, *ids)
            if reply[0] == "none":
                return None
            if reply[0] == "fired":
                rule = docs[reply[1]][1]
                rule.seen, rule.fired = int(reply[2]), int(reply[3])
                return rule
            if reply[0] == "stale":
                self._read(reply[1], reply[2:])
            else:
                await self._restore()
        raise StoreUnavailable(where=f"Redis at {self.store.shown}, busy changing the rules")

    async def _restore(self) -> None:
        """Redis lost the rules (it restarted empty): the rules of the start again."""
        await self.store.run(SET, *self._set_args("init", self.start))

    async def _run(self, script: str, *args: str) -> Any:
        """A script that answers `lost` where the rules' state is gone, run again after
        the rules of the start are back."""
        reply = await self.store.run(script, *args)
        if reply[0] == "lost":
            await self._restore()
            reply = await self.store.run(script, *args)
        return reply

    async def listing(self) -> dict[str, Any]:
        _version, *flat = await self._run(LIST)
        shown = []
        for at in range(0, len(flat), 3):
            rule = rule_of(flat[at])
            rule.seen, rule.fired = int(flat[at + 1]), int(flat[at + 2])
            shown.append(rule.to_json())
        return {"rules": shown}

    async def add(self, documents: list[dict[str, Any]]) -> list[Rule]:
        """Append valid rules, all or none; ValueError when an id is taken or there would
        be too many."""
        args = self._set_args("add", documents)
        reply = await self._run(SET, *args)
        if reply[0] == "full":
            raise ValueError(f"there are already {MAX_RULES} rules, the most the mock keeps")
        if reply[0] == "taken":
            raise ValueError(f"a rule with the id {as_json(reply[1])} exists")
        added = []
        for at, rule_id in zip(range(2, len(args), FIELDS_PER_RULE), reply[1:], strict=True):
            added.append(rule_of(f'{{"id":"{rule_id}",{args[at + 1]}'))
        return added

    async def remove(self, rule_id: str) -> bool:
        return bool(await self.store.run(REMOVE, rule_id))

    async def clear(self) -> int:
        return int(await self.store.run(CLEAR))

    async def reset(self) -> None:
        """Back to the rules given at start, with fresh counters."""
        await self.store.run(SET, *self._set_args("replace", self.start))
