"""Layer 3, behaviour: every rule of the contract that a schema cannot express, each checked
with Hypothesis-generated data.

Each example is one scenario: it creates its own rooms, reasons only about them (the server
may hold anyone's rooms), and deletes them at the end.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contract_tests import checks
from contract_tests.budget import driven
from contract_tests.client import LEDGER, ApiClient
from contract_tests.schema import suite_schema, unassigned_id
from contract_tests.strategies import (
    CONFIG_FIELDS,
    NOT_JSON_MEDIA_TYPES,
    READ_ONLY_FIELDS,
    ROOM_FIELDS,
    field_names,
    json_values,
    malformed_json,
    request_bodies,
    unknown_ids,
)
from contract_tests.target import current
from mock_server.spec import load_spec

target = current()
schema = suite_schema()
creates = request_bodies(schema, "/rooms", "POST")
updates = request_bodies(schema, "/rooms/{id}", "PATCH")
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
        seen = set(LEDGER.created)
        exchange = api.create(body)
        created = checks.created_room(api, body, exchange)
        checks.fresh_id(api, created["id"], seen, exchange)
        checks.location(api, created, exchange)
        got = checks.get_equals(api, created, "get-equals-create", "create")
        checks.expect(
            api,
            got.get("participant_count") == 0,
            "create-new-room",
            f"Get of a new room has participant_count {got.get('participant_count')!r}",
        )


@driven(target, bodies=st.lists(creates, min_size=2, max_size=4))
def test_ids_are_unique_and_never_reused(api: ApiClient, bodies: list[dict]) -> None:
    with api.scenario():
        first = create(api, bodies[0])
        checks.status(api, api.delete(first["id"]), 204, "delete-permanent", "delete")
        for body in bodies[1:]:
            seen = set(LEDGER.created)
            exchange = api.create(body)
            created = checks.created_room(api, body, exchange)
            checks.fresh_id(api, created["id"], seen, exchange)


@driven(target, body=creates, changes=updates)
def test_update_merges_config_and_persists(api: ApiClient, body: dict, changes: dict) -> None:
    with api.scenario():
        created = create(api, body)
        before = checks.get_equals(api, created, "get-equals-create", "create")
        after = checks.updated_room(api, before, changes, api.patch(created["id"], changes))
        checks.get_equals(api, after, "patch-persists", "update")


@driven(target, body=creates, changes=updates)
def test_update_of_an_ended_room_is_409(api: ApiClient, body: dict, changes: dict) -> None:
    with api.scenario():
        created = create(api, body)
        ended = checks.ended_room(api, created, api.end(created["id"]))
        refused = api.patch(created["id"], changes)
        checks.status(api, refused, 409, "patch-ended-409", "update of an ended room")
        checks.get_equals(api, ended, "patch-ended-409", "a refused update")


@driven(target, body=creates, end_first=st.booleans())
def test_delete_is_permanent(api: ApiClient, body: dict, end_first: bool) -> None:
    with api.scenario():
        room_id = create(api, body)["id"]
        if end_first:
            checks.status(api, api.end(room_id), 200, "end-marks-ended", "end")
        checks.status(api, api.delete(room_id), 204, "delete-permanent", "delete")
        for what, exchange in (
            ("Get", lambda: api.get(room_id)),
            ("Update", lambda: api.patch(room_id, {})),
            ("End", lambda: api.end(room_id)),
            ("Delete", lambda: api.delete(room_id)),
        ):
            checks.status(api, exchange(), 404, "delete-permanent", f"{what} after delete")
        checks.expect(
            api,
            listed(api, room_id) is None,
            "delete-permanent",
            f"the deleted room {room_id} is still in List",
        )


@driven(target, body=creates)
def test_end_marks_ended_keeps_the_room_and_ends_once(api: ApiClient, body: dict) -> None:
    with api.scenario():
        created = create(api, body)
        before = checks.get_equals(api, created, "get-equals-create", "create")
        ended = checks.ended_room(api, before, api.end(created["id"]))
        checks.get_equals(api, ended, "end-stays", "end")
        item = listed(api, created["id"])
        checks.expect(
            api, item is not None, "end-stays", f"the ended room {created['id']} is not in List"
        )
        assert item is not None
        checks.same_room(api, item, ended, api.history[-1], "end-stays", "the ended room in List")
        again = api.end(created["id"])
        checks.status(api, again, 409, "end-twice-409", "a second end")
        checks.get_equals(api, ended, "end-twice-409", "a second end")


@driven(
    target,
    bodies=st.lists(creates, min_size=2, max_size=4),
    page_size=st.integers(1, 5),
    beyond=st.integers(0, 1000),
)
def test_list_counts_orders_and_pages(
    api: ApiClient, bodies: list[dict], page_size: int, beyond: int
) -> None:
    def attempt() -> None:
        created = [create(api, body) for body in bodies]
        start, window = newest(api)
        checks.ordered(api, window["rooms"], api.history[-1])
        by_id = {item.get("id"): item for item in window["rooms"]}
        for room in created:
            checks.expect(
                api, room["id"] in by_id, "list-shows-rooms", f"{room['id']} is not in List"
            )
            checks.same_room(
                api, by_id[room["id"]], room, api.history[-1], "list-shows-rooms", "listed room"
            )
        # The tail that holds this scenario's rooms, read again in pages of `page_size`.
        skip = max(0, len(window["rooms"]) - len(bodies) - 1)
        whole = checks.ids(window["rooms"][skip:])
        paged: list[Any] = []
        for offset in range(start + skip, start + len(window["rooms"]), page_size):
            paged += checks.ids(checks.page(api, offset=offset, limit=page_size)["rooms"])
        checks.expect(
            api,
            paged == whole,
            "list-pages",
            f"pages of {page_size} from offset {start + skip} gave {paged}, one page gave {whole}",
        )

    with api.scenario():
        checks.page(api)  # the defaults, echoed
        checks.settled(api, attempt)
        offset = checks.total(api) + beyond
        past = checks.page(api, "list-offset-past-end", offset=offset)
        checks.expect(
            api,
            past["rooms"] == [] or past["total"] > offset,
            "list-offset-past-end",
            f"offset {offset} of {past['total']} rooms gave {len(past['rooms'])} rooms",
        )


@driven(target, room_id=unknown_ids())
def test_unknown_ids_are_404(api: ApiClient, room_id: str) -> None:
    with api.scenario():
        for what, exchange in (
            ("Get", lambda: api.get(room_id)),
            ("Update", lambda: api.patch(room_id, {})),
            ("End", lambda: api.end(room_id)),
            ("Delete", lambda: api.delete(room_id)),
        ):
            checks.status(api, exchange(), 404, "unknown-id-404", f"{what} of an unknown id")
        nowhere = api.request("GET", f"/rooms/{room_id}/nowhere")
        checks.status(api, nowhere, 404, "paths-and-methods", "an unknown path")


SPEC = load_spec(target.spec)
UNSUPPORTED = [
    (path, method)
    for path in SPEC.document["paths"]
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    if method not in SPEC.methods_of(path)
]


@driven(target, path_and_method=st.sampled_from(UNSUPPORTED))
def test_unsupported_methods_are_405_with_allow(
    api: ApiClient, path_and_method: tuple[str, str]
) -> None:
    path, method = path_and_method
    allowed = SPEC.methods_of(path)
    with api.scenario():
        exchange = api.request(method, path.replace("{id}", unassigned_id()))
        checks.status(api, exchange, 405, "paths-and-methods", f"{method} {path}")
        allow = {part.strip() for part in exchange.headers.get("allow", "").split(",")}
        checks.expect(
            api,
            allow == set(allowed),
            "paths-and-methods",
            f"Allow is {exchange.headers.get('allow')!r}, expected {', '.join(allowed)}",
        )


@driven(
    target,
    body=creates,
    name=st.data(),
    value=json_values(),
    inside_config=st.booleans(),
)
def test_request_bodies_are_closed(
    api: ApiClient, body: dict, name: st.DataObject, value: Any, inside_config: bool
) -> None:
    known = CONFIG_FIELDS if inside_config else ROOM_FIELDS
    field = name.draw(field_names(known), label="field")
    rule_id = (
        "read-only-fields"
        if field in READ_ONLY_FIELDS and not inside_config
        else "closed-request-bodies"
    )
    if inside_config:
        bad = {**body, "config": {**body.get("config", {}), field: value}}
    else:
        bad = {**body, field: value}
    with api.scenario():
        checks.status(api, api.create(bad), 400, rule_id, f"create with {field!r}")
        room = create(api, body)
        update = {"config": {field: value}} if inside_config else {field: value}
        checks.status(api, api.patch(room["id"], update), 400, rule_id, f"update with {field!r}")
        checks.get_equals(api, room, rule_id, "a refused update")


@driven(target, raw=malformed_json())
def test_malformed_json_is_400(api: ApiClient, raw: bytes) -> None:
    json_type = {"Content-Type": "application/json"}
    with api.scenario():
        created = api.request("POST", "/rooms", content=raw, headers=json_type)
        checks.status(api, created, 400, "malformed-json-400", "create with malformed JSON")
        room = create(api, {"name": "malformed JSON target"})
        updated = api.request("PATCH", f"/rooms/{room['id']}", content=raw, headers=json_type)
        checks.status(api, updated, 400, "malformed-json-400", "update with malformed JSON")


@driven(target, body=creates, media_type=st.sampled_from((*NOT_JSON_MEDIA_TYPES, None)))
def test_bodies_that_are_not_json_are_415(
    api: ApiClient, body: dict, media_type: str | None
) -> None:
    headers = {"Content-Type": media_type} if media_type else {}
    content = checks.json_bytes(body)
    with api.scenario():
        refused = api.request("POST", "/rooms", content=content, headers=headers)
        checks.status(api, refused, 415, "not-json-415", f"create as {media_type or 'no type'}")
        room = create(api, body)
        path = f"/rooms/{room['id']}"
        refused = api.request("PATCH", path, content=content, headers=headers)
        checks.status(api, refused, 415, "not-json-415", f"update as {media_type or 'no type'}")
        empty = api.request("POST", "/rooms", content=b"")
        checks.status(api, empty, 400, "not-json-415", "create with an empty body and no type")
