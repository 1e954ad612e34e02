"""The behaviour checks: one small function per rule a schema cannot express.

Each takes the exchanges of a scenario and raises `ContractViolation` naming the rule (a
constant of `rules.py`), with the exchanges that reproduce the scenario and the one that broke
the rule. Every judgement, kept or broken, is noted in the run's journal (the coverage matrix).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import pairwise
from typing import Any, NoReturn
from urllib.parse import urljoin

import orjson

from .client import ApiClient
from .exchange import Exchange
from .journal import JOURNAL
from .rules import (
    CREATE_DEFAULTS,
    CREATE_ECHOES,
    CREATE_LOCATION,
    CREATE_NEW_ROOM,
    CREATED_AT_FIXED,
    END_MARKS_ENDED,
    ENDED_AT_ORDER,
    ID_UNIQUE,
    LIST_ECHOES_PAGING,
    LIST_ORDER,
    LIST_TOTAL,
    PATCH_EMPTY,
    PATCH_MERGES_CONFIG,
    PROBLEM_DETAILS,
    ContractRule,
)
from .violation import ContractViolation, Violation

DEFAULT_CONFIG = {"max_participants": 100, "recording_enabled": False, "chat_enabled": True}
DEFAULT_LIMIT = 20
SETTLE_TRIES = 5
PAUSES = random.Random()  # not the global one: Hypothesis seeds that for the running examples


def fail(
    api: ApiClient, rule: ContractRule, problem: str, culprit: Exchange | None = None
) -> NoReturn:
    """Raise the violation of `rule`: the scenario's exchanges up to `culprit` (by default the
    last one), in order."""
    culprit = culprit or api.history[-1]
    JOURNAL.judged(rule.id, culprit)
    steps = api.history[: api.history.index(culprit) + 1] if culprit in api.history else [culprit]
    raise ContractViolation(Violation((rule,), problem, tuple(steps), len(steps) - 1))


def expect(
    api: ApiClient, ok: bool, rule: ContractRule, problem: str, culprit: Exchange | None = None
) -> None:
    judged = culprit or (api.history[-1] if api.history else None)
    if judged is not None:
        JOURNAL.judged(rule.id, judged)
    if not ok:
        fail(api, rule, problem, culprit)


# --- responses in general ------------------------------------------------------------------


def status(
    api: ApiClient, exchange: Exchange, expected: int, rule: ContractRule, what: str
) -> None:
    expect(
        api,
        exchange.status == expected,
        rule,
        f"{what}: expected {expected}, got {exchange.status}",
        exchange,
    )
    if 400 <= expected < 500:
        problem_details(api, exchange)


def problem_details(api: ApiClient, exchange: Exchange) -> None:
    """A 4xx body is problem+json with `status` (the HTTP code), `title` and `detail`."""
    body = exchange.json()
    expect(
        api,
        exchange.media_type == "application/problem+json",
        PROBLEM_DETAILS,
        f"a {exchange.status} with Content-Type {exchange.media_type or '(none)'!r}",
        exchange,
    )
    expect(
        api,
        isinstance(body, dict)
        and body.get("status") == exchange.status
        and isinstance(body.get("title"), str)
        and isinstance(body.get("detail"), str),
        PROBLEM_DETAILS,
        f"a {exchange.status} whose body lacks `status` {exchange.status}, `title` or `detail`",
        exchange,
    )


def room(api: ApiClient, exchange: Exchange, expected: int, rule: ContractRule, what: str) -> dict:
    """The room in a successful answer, after checking its status."""
    status(api, exchange, expected, rule, what)
    body = exchange.json()
    expect(api, isinstance(body, dict), rule, f"{what}: the body is not a room", exchange)
    return body


def timestamp(api: ApiClient, value: Any, exchange: Exchange, field: str) -> datetime:
    rule = ENDED_AT_ORDER if field == "ended_at" else CREATED_AT_FIXED
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        fail(api, rule, f"`{field}` {value!r} is not an RFC 3339 time", exchange)
    if parsed.utcoffset() is None:
        fail(api, rule, f"`{field}` {value!r} has no time zone", exchange)
    return parsed


def same_room(
    api: ApiClient, got: dict, want: dict, exchange: Exchange, rule: ContractRule, what: str
) -> None:
    """Two views of one room agree; `participant_count` only where both carry it."""
    keys = (set(got) | set(want)) - {"participant_count"}
    differ = sorted(key for key in keys if got.get(key) != want.get(key))
    counts = got.get("participant_count"), want.get("participant_count")
    if "participant_count" in got and "participant_count" in want and counts[0] != counts[1]:
        differ.append("participant_count")
    expect(
        api,
        not differ,
        rule,
        f"{what}: differs in {', '.join(differ)}: got "
        f"{ {key: got.get(key) for key in differ} }, expected { {k: want.get(k) for k in differ} }",
        exchange,
    )


# --- create --------------------------------------------------------------------------------


def created_room(api: ApiClient, sent: dict, exchange: Exchange) -> dict:
    """Create answers 201 with what was sent, the defaults filled in, as a new active room."""
    created = room(api, exchange, 201, CREATE_ECHOES, "create")
    expect(
        api,
        created.get("name") == sent["name"],
        CREATE_ECHOES,
        f"sent name {sent['name']!r}, got {created.get('name')!r}",
        exchange,
    )
    want_config = {**DEFAULT_CONFIG, **sent.get("config", {})}
    config = created.get("config")
    sent_fields = set(sent.get("config", {}))
    for key, value in want_config.items():
        got = config.get(key, "(missing)") if isinstance(config, dict) else "(no config)"
        rule = CREATE_ECHOES if key in sent_fields else CREATE_DEFAULTS
        expect(
            api,
            got == value,
            rule,
            f"config.{key}: {'sent' if key in sent_fields else 'default'} {value!r}, got {got!r}",
            exchange,
        )
    expect(
        api,
        created.get("status") == "active" and "ended_at" not in created,
        CREATE_NEW_ROOM,
        f"a new room has status {created.get('status')!r}"
        + (f" and ended_at {created['ended_at']!r}" if "ended_at" in created else ""),
        exchange,
    )
    expect(
        api,
        created.get("participant_count", 0) == 0,
        CREATE_NEW_ROOM,
        f"a new room has participant_count {created.get('participant_count')!r}",
        exchange,
    )
    timestamp(api, created.get("created_at"), exchange, "created_at")
    return created


def location(api: ApiClient, created: dict, exchange: Exchange) -> None:
    """`Location` names the new room, and reading it gives that room."""
    header = exchange.header("location")
    want = api.target.url(f"/rooms/{created.get('id')}")
    got = urljoin(exchange.url, header) if header else None
    expect(
        api,
        got == want,
        CREATE_LOCATION,
        f"Location is {header!r}; expected a reference to {want}",
        exchange,
    )


def get_equals(api: ApiClient, want: dict, rule: ContractRule, what: str) -> dict:
    """Get of the room answers 200 with `want`, field for field, and a participant_count."""
    exchange = api.get(want["id"])
    got = room(api, exchange, 200, rule, f"Get after {what}")
    same_room(api, got, want, exchange, rule, f"Get after {what}")
    return got


def not_found(api: ApiClient, room_id: str, rule: ContractRule, what: str) -> None:
    """Get, Update, End and Delete of `room_id` each answer 404."""
    for name, send in (
        ("Get", api.get),
        ("Update", lambda room_id: api.patch(room_id, {})),
        ("End", api.end),
        ("Delete", api.delete),
    ):
        status(api, send(room_id), 404, rule, f"{name} {what}")


def fresh_id(api: ApiClient, room_id: Any, seen: set[str], exchange: Exchange) -> None:
    expect(
        api,
        isinstance(room_id, str) and room_id not in seen,
        ID_UNIQUE,
        f"the new room got id {room_id!r}, an id this run was given before",
        exchange,
    )


# --- update --------------------------------------------------------------------------------


def merged(current: dict, changes: dict) -> dict:
    """The room a correct update of `current` with `changes` gives."""
    config = {**current["config"], **changes.get("config", {})}
    return {**current, **{k: v for k, v in changes.items() if k != "config"}, "config": config}


def updated_room(api: ApiClient, before: dict, changes: dict, exchange: Exchange) -> dict:
    """The update answers 200 with `changes` merged into the room, field by field."""
    rule = PATCH_EMPTY if not changes else PATCH_MERGES_CONFIG
    after = room(api, exchange, 200, rule, f"update with {changes!r}")
    expect(
        api,
        after.get("created_at") == before.get("created_at"),
        CREATED_AT_FIXED,
        f"created_at was {before.get('created_at')!r}, the update made it "
        f"{after.get('created_at')!r}",
        exchange,
    )
    same_room(api, after, merged(before, changes), exchange, rule, "the updated room")
    return after


# --- end -----------------------------------------------------------------------------------


def ended_room(api: ApiClient, before: dict, exchange: Exchange) -> dict:
    """End answers 200 with status ended and `ended_at` >= `created_at`, all else kept."""
    after = room(api, exchange, 200, END_MARKS_ENDED, "end")
    expect(
        api,
        after.get("status") == "ended" and "ended_at" in after,
        END_MARKS_ENDED,
        f"after end, status {after.get('status')!r} and ended_at {after.get('ended_at')!r}",
        exchange,
    )
    ended_at = timestamp(api, after["ended_at"], exchange, "ended_at")
    created_at = timestamp(api, after.get("created_at"), exchange, "created_at")
    expect(
        api,
        ended_at >= created_at,
        ENDED_AT_ORDER,
        f"ended_at {after['ended_at']} is before created_at {after['created_at']}",
        exchange,
    )
    kept = {key: value for key, value in after.items() if key not in ("status", "ended_at")}
    same_room(
        api,
        kept,
        {key: value for key, value in before.items() if key not in ("status", "ended_at")},
        exchange,
        END_MARKS_ENDED,
        "the ended room",
    )
    return after


# --- list ----------------------------------------------------------------------------------


def page(api: ApiClient, rule: ContractRule = LIST_ECHOES_PAGING, **params: int) -> dict:
    """One page of List, after checking that it echoes the paging it used."""
    exchange = api.list(**params)
    body = room(api, exchange, 200, rule, f"List with {params or 'no parameters'}")
    used = {"limit": params.get("limit", DEFAULT_LIMIT), "offset": params.get("offset", 0)}
    echoed = {"limit": body.get("limit"), "offset": body.get("offset")}
    expect(
        api,
        echoed == used,
        LIST_ECHOES_PAGING,
        f"List with {params or 'no parameters'} echoed {echoed}, expected {used}",
        exchange,
    )
    expect(
        api,
        isinstance(body.get("rooms"), list) and isinstance(body.get("total"), int),
        LIST_ECHOES_PAGING,
        "the page has no `rooms` list or no integer `total`",
        exchange,
    )
    # One answer is one moment, whoever else writes: its page and its total must agree.
    holds = max(0, min(used["limit"], body["total"] - used["offset"]))
    expect(
        api,
        len(body["rooms"]) == holds,
        LIST_TOTAL,
        f"a page at offset {used['offset']} of limit {used['limit']} holds {len(body['rooms'])} "
        f"rooms, but with total {body['total']} it should hold {holds}",
        exchange,
    )
    return body


def total(api: ApiClient) -> int:
    return page(api, limit=1)["total"]


def settled(api: ApiClient, attempt: Callable[[], None], tries: int = SETTLE_TRIES) -> None:
    """Judge a rule that spans several requests in a moment when no one else writes.

    Other clients (or the suite's other workers) may create and delete rooms between two
    requests, so `attempt` (which makes rooms of its own each time) gets a few tries, a
    short pause apart; a server that breaks the rule fails every one. A report shows the
    last try only.
    """
    start = len(api.history)
    for left in range(tries - 1, -1, -1):
        del api.history[start:]
        try:
            attempt()
            return
        except ContractViolation:
            if not left:
                raise
            time.sleep(PAUSES.uniform(0.01, 0.1))


def ordered(api: ApiClient, rooms: list[dict], exchange: Exchange) -> None:
    def key(item: dict) -> tuple[datetime, str]:
        return timestamp(api, item.get("created_at"), exchange, "created_at"), str(item.get("id"))

    for earlier, later in pairwise(rooms):
        expect(
            api,
            key(earlier) <= key(later),
            LIST_ORDER,
            f"{earlier.get('id')} ({earlier.get('created_at')}) is listed before "
            f"{later.get('id')} ({later.get('created_at')})",
            exchange,
        )


def json_bytes(value: Any) -> bytes:
    return orjson.dumps(value)


def ids(rooms: Iterable[dict]) -> list[Any]:
    return [item.get("id") for item in rooms]
