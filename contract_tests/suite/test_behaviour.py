"""Layer 3, behaviour: every rule of the contract that a schema cannot express, each checked
with Hypothesis-generated data.

Each example is one scenario: it creates its own rooms, reasons only about them (the server
may hold anyone's rooms), and deletes them at the end.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contract_tests.suite import checks
from contract_tests.suite.budget import driven
from contract_tests.suite.client import LEDGER, ApiClient
from contract_tests.suite.gate import ROOMS
from contract_tests.suite.rules import (
    CLOSED_REQUEST_BODIES,
    CREATE_NEW_ROOM,
    DELETE_PERMANENT,
    END_MARKS_ENDED,
    END_STAYS,
    END_TWICE_409,
    GET_EQUALS_CREATE,
    LIST_OFFSET_PAST_END,
    LIST_PAGES,
    LIST_SHOWS_ROOMS,
    MALFORMED_JSON_400,
    NOT_JSON_415,
    PATCH_ENDED_409,
    PATCH_PERSISTS,
    PATHS_AND_METHODS,
    READ_ONLY_FIELDS,
    UNKNOWN_ID_404,
)
from contract_tests.suite.schema import suite_schema, unassigned_id
from contract_tests.suite.strategies import (
    CONFIG_FIELDS,
    NOT_JSON_MEDIA_TYPES,
    ROOM_FIELDS,
    SERVER_FIELDS,
    away_from,
    field_names,
    json_values,
    malformed_json,
    one_config_field,
    request_bodies,
    unknown_ids,
)
from contract_tests.suite.target import current

target = current()
schema = suite_schema()
creates = request_bodies(schema, target.spec.operations["createRoom"])
updates = request_bodies(schema, target.spec.operations["updateRoom"])
configured = creates.map(away_from(checks.DEFAULT_CONFIG))  # a reset of config shows
# Half the updates change one field of `config`: a server that replaces config shows.
merging = updates | updates.map(one_config_field)
# The tail of List that holds a scenario's rooms, as the newest: at most this many.
WINDOW = 100


def create(api: ApiClient, body: dict) -> dict:
    return checks.created_room(api, body, api.create(body))


def newest(api: ApiClient) -> tuple[int, dict]:
    """The last page of List (the newest rooms, a scenario's own among them), and its offset."""
    start = max(0, checks.total(api) - WINDOW)
    return start, checks.page(api, offset=start, limit=WINDOW)


def listed(api: ApiClient, room_id: str) -> dict | None:
    _, window = newest(api)
    return next((item for item in window["rooms"] if item.get("id") == room_id), None)


@driven(target, body=creates)
def test_create_echoes_fills_defaults_and_locates(api: ApiClient, body: dict) -> None:
    with api.scenario():
        seen = set(LEDGER.snapshot()[0])
        exchange = api.create(body)
        created = checks.created_room(api, body, exchange)
        checks.fresh_id(api, created["id"], seen, exchange)
        checks.location(api, created, exchange)
        got = checks.get_equals(api, created, GET_EQUALS_CREATE, "create")
        checks.expect(
            api,
            got.get("participant_count") == 0,
            CREATE_NEW_ROOM,
            f"Get of a new room has participant_count {got.get('participant_count')!r}",
        )


@driven(target, weight=2, bodies=st.lists(creates, min_size=2, max_size=4))
def test_ids_are_unique_and_never_reused(api: ApiClient, bodies: list[dict]) -> None:
    with api.scenario():
        first = create(api, bodies[0])
        checks.status(api, api.delete(first["id"]), 204, DELETE_PERMANENT, "delete")
        for body in bodies[1:]:
            seen = set(LEDGER.snapshot()[0])
            exchange = api.create(body)
            created = checks.created_room(api, body, exchange)
            checks.fresh_id(api, created["id"], seen, exchange)


@driven(target, body=configured, changes=merging)
def test_update_merges_config_and_persists(api: ApiClient, body: dict, changes: dict) -> None:
    with api.scenario():
        created = create(api, body)
        before = checks.get_equals(api, created, GET_EQUALS_CREATE, "create")
        after = checks.updated_room(api, before, changes, api.patch(created["id"], changes))
        checks.get_equals(api, after, PATCH_PERSISTS, "update")


@driven(target, body=creates, changes=updates)
def test_update_of_an_ended_room_is_409(api: ApiClient, body: dict, changes: dict) -> None:
    with api.scenario():
        created = create(api, body)
        ended = checks.ended_room(api, created, api.end(created["id"]))
        refused = api.patch(created["id"], changes)
        checks.status(api, refused, 409, PATCH_ENDED_409, "update of an ended room")
        checks.get_equals(api, ended, PATCH_ENDED_409, "a refused update")


@driven(target, weight=3, body=creates, end_first=st.booleans())
def test_delete_is_permanent(api: ApiClient, body: dict, end_first: bool) -> None:
    with api.scenario():
        room_id = create(api, body)["id"]
        if end_first:
            checks.status(api, api.end(room_id), 200, END_MARKS_ENDED, "end")
        checks.status(api, api.delete(room_id), 204, DELETE_PERMANENT, "delete")
        checks.not_found(api, room_id, DELETE_PERMANENT, "after delete")
        checks.expect(
            api,
            listed(api, room_id) is None,
            DELETE_PERMANENT,
            f"the deleted room {room_id} is still in List",
        )


@driven(target, weight=3, body=configured)
def test_end_marks_ended_keeps_the_room_and_ends_once(api: ApiClient, body: dict) -> None:
    with api.scenario():
        created = create(api, body)
        before = checks.get_equals(api, created, GET_EQUALS_CREATE, "create")
        ended = checks.ended_room(api, before, api.end(created["id"]))
        checks.get_equals(api, ended, END_STAYS, "end")
        item = listed(api, created["id"])
        checks.expect(
            api, item is not None, END_STAYS, f"the ended room {created['id']} is not in List"
        )
        assert item is not None
        checks.same_room(api, item, ended, api.history[-1], END_STAYS, "the ended room in List")
        again = api.end(created["id"])
        checks.status(api, again, 409, END_TWICE_409, "a second end")
        checks.get_equals(api, ended, END_TWICE_409, "a second end")


def read_pages(api: ApiClient, created: list[dict], count: int, page_size: int) -> None:
    """The newest rooms, in order and as Get returns them, read again in pages of
    `page_size`: the pages are the one page, cut."""
    start, window = newest(api)
    checks.ordered(api, window["rooms"], api.history[-1])
    by_id = {item.get("id"): item for item in window["rooms"]}
    for room in created:
        checks.expect(api, room["id"] in by_id, LIST_SHOWS_ROOMS, f"{room['id']} is not in List")
        checks.same_room(
            api, by_id[room["id"]], room, api.history[-1], LIST_SHOWS_ROOMS, "listed room"
        )
    # The tail that holds this scenario's rooms, read again in pages of `page_size`.
    # Rooms created meanwhile come after `end`: the last page is cut there.
    skip = max(0, len(window["rooms"]) - count - 1)
    whole = checks.ids(window["rooms"][skip:])
    end = start + len(window["rooms"])
    paged: list[Any] = []
    for offset in range(start + skip, end, page_size):
        rooms = checks.page(api, offset=offset, limit=page_size)["rooms"]
        paged += checks.ids(rooms)[: end - offset]
    checks.expect(
        api,
        paged == whole,
        LIST_PAGES,
        f"pages of {page_size} from offset {start + skip} gave {paged}, one page gave {whole}",
    )


@driven(
    target,
    weight=4,
    bodies=st.lists(creates, min_size=2, max_size=4),
    page_size=st.integers(1, 5),
    beyond=st.integers(0, 1000),
)
def test_list_counts_orders_and_pages(
    api: ApiClient, bodies: list[dict], page_size: int, beyond: int
) -> None:
    def attempt() -> None:
        created = [create(api, body) for body in bodies]
        with ROOMS.alone():  # no check of the suite creates or deletes a room meanwhile
            read_pages(api, created, len(bodies), page_size)

    with api.scenario():
        checks.page(api)  # the defaults, echoed
        checks.settled(api, attempt)
        offset = checks.total(api) + beyond
        past = checks.page(api, LIST_OFFSET_PAST_END, offset=offset)
        checks.expect(
            api,
            past["rooms"] == [] or past["total"] > offset,
            LIST_OFFSET_PAST_END,
            f"offset {offset} of {past['total']} rooms gave {len(past['rooms'])} rooms",
        )


@driven(target, room_id=unknown_ids())
def test_unknown_ids_are_404(api: ApiClient, room_id: str) -> None:
    with api.scenario():
        checks.not_found(api, room_id, UNKNOWN_ID_404, "of an unknown id")
        nowhere = api.request("GET", f"/rooms/{room_id}/nowhere")
        checks.status(api, nowhere, 404, PATHS_AND_METHODS, "an unknown path")


UNSUPPORTED = [
    (path, method)
    for path in target.spec.document["paths"]
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    if method not in target.spec.methods_of(path)
]


@driven(target, path_and_method=st.sampled_from(UNSUPPORTED))
def test_unsupported_methods_are_405_with_allow(
    api: ApiClient, path_and_method: tuple[str, str]
) -> None:
    path, method = path_and_method
    allowed = target.spec.methods_of(path)
    with api.scenario():
        exchange = api.request(method, path.replace("{id}", unassigned_id()))
        checks.status(api, exchange, 405, PATHS_AND_METHODS, f"{method} {path}")
        allow = {part.strip().upper() for part in (exchange.header("allow") or "").split(",")}
        # Every method the path supports; a server may rightly support HEAD and OPTIONS too.
        checks.expect(
            api,
            set(allowed) <= allow <= {*allowed, "HEAD", "OPTIONS"},
            PATHS_AND_METHODS,
            f"Allow is {exchange.header('allow')!r}, expected {', '.join(allowed)}",
        )


def unknown_fields() -> st.SearchStrategy[tuple[bool, str]]:
    """(inside `config`, a field name it must not carry)."""
    return st.booleans().flatmap(
        lambda inside: st.tuples(
            st.just(inside), field_names(CONFIG_FIELDS if inside else ROOM_FIELDS)
        )
    )


@driven(target, body=creates, where=unknown_fields(), value=json_values())
def test_request_bodies_are_closed(
    api: ApiClient, body: dict, where: tuple[bool, str], value: Any
) -> None:
    inside_config, field = where
    rule = (
        READ_ONLY_FIELDS if field in SERVER_FIELDS and not inside_config else CLOSED_REQUEST_BODIES
    )
    if inside_config:
        bad = {**body, "config": {**body.get("config", {}), field: value}}
    else:
        bad = {**body, field: value}
    with api.scenario():
        checks.status(api, api.create(bad), 400, rule, f"create with {field!r}")
        room = create(api, body)
        update = {"config": {field: value}} if inside_config else {field: value}
        checks.status(api, api.patch(room["id"], update), 400, rule, f"update with {field!r}")
        checks.get_equals(api, room, rule, "a refused update")


@driven(target, raw=malformed_json())
def test_malformed_json_is_400(api: ApiClient, raw: bytes) -> None:
    json_type = {"Content-Type": "application/json"}
    with api.scenario():
        created = api.request("POST", "/rooms", content=raw, headers=json_type)
        checks.status(api, created, 400, MALFORMED_JSON_400, "create with malformed JSON")
        room = create(api, {"name": "malformed JSON target"})
        updated = api.request("PATCH", f"/rooms/{room['id']}", content=raw, headers=json_type)
        checks.status(api, updated, 400, MALFORMED_JSON_400, "update with malformed JSON")


@driven(target, body=creates, media_type=st.sampled_from((*NOT_JSON_MEDIA_TYPES, None)))
def test_bodies_that_are_not_json_are_415(
    api: ApiClient, body: dict, media_type: str | None
) -> None:
    headers = {"Content-Type": media_type} if media_type else {}
    content = checks.json_bytes(body)
    with api.scenario():
        refused = api.request("POST", "/rooms", content=content, headers=headers)
        checks.status(api, refused, 415, NOT_JSON_415, f"create as {media_type or 'no type'}")
        room = create(api, body)
        path = f"/rooms/{room['id']}"
        refused = api.request("PATCH", path, content=content, headers=headers)
        checks.status(api, refused, 415, NOT_JSON_415, f"update as {media_type or 'no type'}")
        empty = api.request("POST", "/rooms", content=b"")
        checks.status(api, empty, 400, NOT_JSON_415, "create with an empty body and no type")
