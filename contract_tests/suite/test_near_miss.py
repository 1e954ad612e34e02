"""Layer 4, near misses: inputs one step from a right one, every one of them every run.

Wrong JSON types a lenient parser takes (`null`, `"5"`, `1`, `100.5`) and fields one slip
from a known one (`chatEnabled`) must be a 400; the JSON media types, names and characters a
client may rightly send must be taken and kept exactly;
ids one character from a real one must be unknown. The inputs are few, so none is sampled
(`near_miss.py`); each check creates its own rooms and deletes them.
"""

from __future__ import annotations

from typing import Any

from contract_tests.suite import checks
from contract_tests.suite.budget import weighted
from contract_tests.suite.client import ApiClient
from contract_tests.suite.exchange import Exchange
from contract_tests.suite.near_miss import (
    JSON_MEDIA_TYPES,
    misspelt_bodies,
    name_bounds,
    names,
    near_ids,
    request_fields,
    too_long,
    with_value,
    wrong_values,
)
from contract_tests.suite.rules import (
    CLOSED_REQUEST_BODIES,
    NAME_CHARACTERS,
    NEAR_ID_404,
    WRONG_TYPE_400,
)
from contract_tests.suite.rules import (
    JSON_MEDIA_TYPES as JSON_MEDIA_RULE,
)
from contract_tests.suite.target import current

target = current()
CREATE_FIELDS = request_fields(target.spec, "createRoom")
UPDATE_FIELDS = request_fields(target.spec, "updateRoom")
SHORTEST, LONGEST = name_bounds(target.spec)
BASE = {"name": "near-miss target"}
JSON = {"Content-Type": "application/json"}


def send(
    api: ApiClient, method: str, path: str, body: Any, media: str = JSON["Content-Type"]
) -> Exchange:
    return api.request(
        method, path, content=checks.json_bytes(body), headers={"Content-Type": media}
    )


@weighted(3)
def test_wrong_json_types_are_400(api: ApiClient) -> None:
    """Every field of create and update, each wrong type; a refused update changes nothing."""
    with api.scenario():
        for field in CREATE_FIELDS:
            for value in wrong_values(field):
                body = with_value(BASE, field.path, value)
                what = f"create with {field.shown} = {checks.json_bytes(value).decode()}"
                checks.status(api, send(api, "POST", "/rooms", body), 400, WRONG_TYPE_400, what)
        room = checks.created_room(api, BASE, api.create(BASE))
        for field in UPDATE_FIELDS:
            for value in wrong_values(field):
                body = with_value({}, field.path, value)
                what = f"update with {field.shown} = {checks.json_bytes(value).decode()}"
                refused = send(api, "PATCH", f"/rooms/{room['id']}", body)
                checks.status(api, refused, 400, WRONG_TYPE_400, what)
        checks.get_equals(api, room, WRONG_TYPE_400, "updates of wrong types")


@weighted(2)
def test_misspelt_fields_are_400(api: ApiClient) -> None:
    """A field one slip from a known one (`Name`, `chatEnabled`, `max_participant`), at the
    top or inside `config`, is an unknown field: a 400, and a refused update changes nothing."""
    with api.scenario():
        for slip, body in misspelt_bodies(CREATE_FIELDS, BASE):
            refused = send(api, "POST", "/rooms", body)
            checks.status(api, refused, 400, CLOSED_REQUEST_BODIES, f"create with {slip}")
        room = checks.created_room(api, BASE, api.create(BASE))
        for slip, body in misspelt_bodies(UPDATE_FIELDS, {}):
            refused = send(api, "PATCH", f"/rooms/{room['id']}", body)
            checks.status(api, refused, 400, CLOSED_REQUEST_BODIES, f"update with {slip}")
        checks.get_equals(api, room, CLOSED_REQUEST_BODIES, "updates with misspelt fields")


@weighted(2)
def test_every_json_media_type_is_taken(api: ApiClient) -> None:
    """Create and update with each spelling of a JSON Content-Type the contract allows."""
    with api.scenario():
        for index, media in enumerate(JSON_MEDIA_TYPES):
            body = {"name": f"typed {index}", "config": {"max_participants": 7 + index}}
            exchange = send(api, "POST", "/rooms", body, media)
            checks.status(api, exchange, 201, JSON_MEDIA_RULE, f"create as {media}")
            created = checks.created_room(api, body, exchange)
            changes = {"name": f"retyped {index}", "config": {"chat_enabled": False}}
            updated = send(api, "PATCH", f"/rooms/{created['id']}", changes, media)
            checks.status(api, updated, 200, JSON_MEDIA_RULE, f"update as {media}")
            checks.updated_room(api, created, changes, updated)


@weighted(2)
def test_names_are_kept_exactly(api: ApiClient) -> None:
    """Names at the bounds in each UTF-8 width, combining sequences, spaces: created, read and
    updated as sent; one character past the bound is a 400 in every width."""
    with api.scenario():
        room = checks.created_room(api, BASE, api.create(BASE))
        for what, name in names(SHORTEST, LONGEST):
            exchange = api.create({"name": name})
            created = checks.room(api, exchange, 201, NAME_CHARACTERS, f"create with {what}")
            checks.expect(
                api,
                created.get("name") == name,
                NAME_CHARACTERS,
                f"create with {what}: sent {name!r}, got {created.get('name')!r}",
                exchange,
            )
            checks.get_equals(api, created, NAME_CHARACTERS, f"create with {what}")
            updated = api.patch(room["id"], {"name": name})
            after = checks.room(api, updated, 200, NAME_CHARACTERS, f"update with {what}")
            checks.expect(
                api,
                after.get("name") == name,
                NAME_CHARACTERS,
                f"update with {what}: sent {name!r}, got {after.get('name')!r}",
                updated,
            )
            room = checks.get_equals(api, after, NAME_CHARACTERS, f"update with {what}")
        for what, name in too_long(LONGEST):
            exchange = api.create({"name": name})
            checks.status(api, exchange, 400, NAME_CHARACTERS, f"create with {what}")


@weighted(2)
def test_ids_near_a_real_one_are_404(api: ApiClient) -> None:
    """Case and one-character changes of a real id: Get first (a server that takes one for
    the real room is stopped before it is sent a write), then Update, End and Delete."""
    with api.scenario():
        room = checks.created_room(api, BASE, api.create(BASE))
        near = near_ids(room["id"])
        for how, other in near:
            checks.status(api, api.get(other), 404, NEAR_ID_404, f"Get of the id with {how}")
        for how, other in near:
            checks.not_found(api, other, NEAR_ID_404, f"of the id with {how}")
        checks.get_equals(api, room, NEAR_ID_404, "requests to ids near it")
