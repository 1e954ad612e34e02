"""Is a history of one room linearizable: does some sequential order of its operations, each
taking effect at one moment between its request and its answer, give every answer the
clients got? The contract's sequential model of a room, and the Wing-Gong search over it.

Each operation is recorded with the interval it was in flight and its answer; reads (Get, and
List's items) are operations too. The search takes at once every read that matches the
current state (always safe) and memoizes (operations done, state) pairs. When no order
explains a history, `smallest` cuts it down to the fewest operations no order explains.
Only the standard library: the mock's own tests use it too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DEFAULT_CONFIG = {"max_participants": 100, "recording_enabled": False, "chat_enabled": True}
MAX_SEARCH_STATES = 500_000

NEW = "new"  # before its create
GONE = "gone"  # after its delete
MUTATING = {("create", 201), ("patch", 200), ("end", 200), ("delete", 204)}
KINDS = ("create", "patch", "end", "delete", "read")


class SearchTooLarge(Exception):
    """The history has too many overlapping operations to decide in bounds."""


@dataclass(frozen=True)
class Op:
    """One acknowledged operation on one room: what was asked, when, and what came back."""

    room_id: str
    kind: str  # create, patch, end, delete, read
    start: float
    end: float
    status: int
    request: dict[str, Any] | None = None
    room: dict[str, Any] | None = None  # the room in the answer, if any
    exchange: Any = field(default=None, compare=False)
    """What was sent and got (the suite's `Exchange`), for a report."""

    @property
    def mutates(self) -> bool:
        return (self.kind, self.status) in MUTATING


def frozen(room: dict[str, Any]) -> str:
    return json.dumps(room, sort_keys=True)


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def apply(op: Op, state: str) -> str | None:
    """The state after `op` in the sequential model, or None if `op`'s answer is impossible."""
    live = state not in (NEW, GONE)
    if op.kind == "create":
        if op.room is None or op.request is None:
            return None
        expected = {
            "name": op.request["name"],
            "config": {**DEFAULT_CONFIG, **op.request.get("config", {})},
        }
        created = {key: op.room.get(key) for key in ("name", "config")}
        fresh = op.room.get("status") == "active" and "ended_at" not in op.room
        return frozen(op.room) if state == NEW and created == expected and fresh else None
    if op.status == 404:
        return state if state == GONE else None
    if not live:
        return None
    room = json.loads(state)
    if op.kind == "read":
        return state if op.room == room else None
    if op.kind == "delete":
        return GONE
    if op.status == 409:
        return state if room["status"] == "ended" else None
    if room["status"] != "active" or op.room is None:
        return None
    if op.kind == "patch":
        changes = op.request or {}
        room["name"] = changes.get("name", room["name"])
        room["config"] = {**room["config"], **changes.get("config", {})}
    else:  # end: the answer's ended_at, which never changes afterwards
        ended_at = op.room.get("ended_at")
        ended, began = _moment(ended_at), _moment(room.get("created_at"))
        if ended is None or began is None or ended < began:
            return None
        room.update(status="ended", ended_at=ended_at)
    return frozen(room) if room == op.room else None


def linearizable(ops: Sequence[Op]) -> bool:
    """Whether some order of `ops` respecting real time explains every answer (Wing-Gong).
    Raises SearchTooLarge past MAX_SEARCH_STATES."""
    ops = sorted(ops, key=lambda op: op.start)
    count = len(ops)
    before = [sum(1 << j for j in range(count) if ops[j].end < ops[i].start) for i in range(count)]
    everything = (1 << count) - 1
    stack: list[tuple[int, str]] = [(0, NEW)]
    seen: set[tuple[int, str]] = set()
    while stack:
        done, state = stack.pop()
        progressed = True
        while progressed:  # take every enabled read that matches now
            progressed = False
            for i in range(count):
                bit = 1 << i
                ready = not done & bit and before[i] & ~done == 0
                if ready and not ops[i].mutates and apply(ops[i], state) == state:
                    done |= bit
                    progressed = True
        if done == everything:
            return True
        if (done, state) in seen:
            continue
        seen.add((done, state))
        if len(seen) >= MAX_SEARCH_STATES:
            raise SearchTooLarge(f"more than {MAX_SEARCH_STATES} states for {ops[0].room_id}")
        for i in range(count):
            bit = 1 << i
            if not done & bit and before[i] & ~done == 0 and ops[i].mutates:
                after = apply(ops[i], state)
                if after is not None:
                    stack.append((done | bit, after))
    return False


def smallest(ops: Sequence[Op]) -> list[Op]:
    """A smallest part of a history no order explains (each operation left in is needed):
    operations are left out one at a time, and kept out while the rest stays unexplained.
    Creates stay: without its create any history of a room is unexplained, and says nothing."""
    kept = sorted(ops, key=lambda op: op.start)
    index = len(kept) - 1
    while index >= 0:
        if kept[index].kind == "create":
            index -= 1
            continue
        trial = kept[:index] + kept[index + 1 :]
        if trial and not linearizable(trial):
            kept = trial
        index -= 1
    return kept


def timeline(ops: Sequence[Op], origin: float) -> list[str]:
    """Each operation's interval, from `origin`, in milliseconds, beside what it was."""
    lines = []
    for number, op in enumerate(sorted(ops, key=lambda op: op.start), 1):
        room = op.room or {}
        shown = {key: room[key] for key in ("name", "status", "config", "ended_at") if key in room}
        lines.append(
            f"    #{number} {1000 * (op.start - origin):9.1f} to {1000 * (op.end - origin):9.1f} ms"
            f"  {op.kind} -> {op.status} {json.dumps(op.request) if op.request else ''}"
            f" {json.dumps(shown, ensure_ascii=False) if shown else ''}".rstrip()
        )
    return lines
