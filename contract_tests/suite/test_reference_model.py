"""Layer 7, differential: Hypothesis sequences of the six operations, each step sent to the
target and applied to the contract's model (`model.py`), the answers compared: the status
(any the contract allows), the room (ids mapped to the model's rooms, timestamps by order and
bounds, never by value), and the headers (media types, `Location`). The first divergence is
reported with the model's expected answer beside the target's and the curl lines of the
sequence, shrunk by Hypothesis to the fewest steps that still diverge.

Sequences hold the suite's own rooms only; List is compared on them alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn
from urllib.parse import urljoin

from hypothesis import strategies as st

from contract_tests.suite import checks
from contract_tests.suite.budget import driven
from contract_tests.suite.client import ApiClient
from contract_tests.suite.exchange import Exchange
from contract_tests.suite.journal import JOURNAL
from contract_tests.suite.model import Expected, RoomsModel
from contract_tests.suite.near_miss import request_fields, with_value, wrong_values
from contract_tests.suite.rules import REFERENCE_MODEL
from contract_tests.suite.schema import suite_schema
from contract_tests.suite.strategies import request_bodies
from contract_tests.suite.target import current

target = current()
schema = suite_schema()
WINDOW = 100
ROOMS_AT_MOST = 5
BASE = {"name": "differential"}


def wrong(operation: str, base: dict[str, Any]) -> list[Any]:
    return [
        with_value(base, field.path, value)
        for field in request_fields(target.spec, operation)
        for value in wrong_values(field)
    ]


creates = request_bodies(schema, target.spec.operations["createRoom"])
updates = request_bodies(schema, target.spec.operations["updateRoom"])
bad_creates = st.sampled_from(wrong("createRoom", BASE))
# a wrong field beside right ones: a server that applies the right part of a refused update shows
bad_updates = st.sampled_from(wrong("updateRoom", {"name": "renamed by a refused update"}))
picks = st.integers(0, ROOMS_AT_MOST - 1)
STEP = st.one_of(
    st.tuples(st.just("create"), creates | bad_creates, st.just(0)),
    st.tuples(st.just("patch"), updates | updates | bad_updates, picks),
    st.tuples(st.sampled_from(("get", "end", "delete")), st.none(), picks),
    st.tuples(st.just("list"), st.none(), st.just(0)),
)


def moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


class Differ:
    """One sequence: the target's rooms by the model's numbers, and the comparisons."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.model = RoomsModel(target.spec)
        self.ids: list[str] = []
        self.step = 0

    def diverged(self, exchange: Exchange, expected: Any, got: Any, what: str) -> NoReturn:
        checks.fail(
            self.api,
            REFERENCE_MODEL,
            f"step {self.step}, {exchange.method} {exchange.path}: {what}: the model expects "
            f"{expected}, the target answered {got}",
            exchange,
        )

    def agree(self, exchange: Exchange, expected: Expected, number: int | None) -> Any:
        """The status, the headers, and for a room its fields; the body as JSON."""
        status = exchange.status
        JOURNAL.judged(REFERENCE_MODEL.id, exchange)
        if status not in expected.statuses:
            allowed = " or ".join(map(str, sorted(expected.statuses)))
            self.diverged(exchange, allowed, f"{status} {exchange.body[:300]!r}", "the status")
        media = exchange.header("content-type")
        want = (
            None
            if status == 204
            else "application/json"
            if status < 400
            else "application/problem+json"
        )
        if (exchange.media_type or None) != want:
            self.diverged(exchange, f"Content-Type {want}", f"{media}", "the media type")
        body = exchange.json()
        if expected.room is None or status >= 300:
            return body
        if not isinstance(body, dict):
            self.diverged(exchange, expected.room, body, "the room")
        got = {key: body.get(key) for key in expected.room}
        if got != expected.room:
            self.diverged(exchange, expected.room, got, "the room")
        if number is not None and body.get("id") != self.ids[number]:
            self.diverged(exchange, f"id {self.ids[number]}", f"id {body.get('id')}", "the id")
        self.times(exchange, body, number)
        return body

    def times(self, exchange: Exchange, body: dict[str, Any], number: int | None) -> None:
        """`created_at` as create said it; `ended_at` only when ended, never before
        `created_at`, and fixed once set."""
        room = self.model.rooms.get(number) if number is not None else None
        if room is not None and body.get("created_at") != room.created_at:
            self.diverged(exchange, room.created_at, body.get("created_at"), "created_at")
        ended = body.get("status") == "ended"
        if ended != ("ended_at" in body):
            self.diverged(exchange, "ended_at exactly when ended", body.get("ended_at"), "ended_at")
        if ended:
            began, stopped = moment(body.get("created_at")), moment(body.get("ended_at"))
            if began is None or stopped is None or stopped < began:
                self.diverged(exchange, ">= created_at", body.get("ended_at"), "ended_at")
            if room is not None and room.ended_at is not None and body["ended_at"] != room.ended_at:
                self.diverged(exchange, room.ended_at, body["ended_at"], "ended_at")

    def run(self, kind: str, body: Any, pick: int) -> None:
        self.step += 1
        if kind == "create":
            self.create(body)
        elif kind == "list":
            self.list()
        elif self.ids:
            number = pick % len(self.ids)
            getattr(self, kind)(number, body)

    def create(self, body: Any) -> None:
        if len(self.ids) >= ROOMS_AT_MOST:
            return
        exchange = self.api.request(
            "POST",
            "/rooms",
            content=checks.json_bytes(body),
            headers={"Content-Type": "application/json"},
        )
        got = self.agree(exchange, self.model.create(body), None)
        if exchange.status != 201:
            return
        room_id = str(got.get("id"))
        if room_id in self.ids:
            self.diverged(exchange, "a new id", room_id, "the id")
        location = exchange.header("location")
        want = self.api.target.url(f"/rooms/{room_id}")
        if not location or urljoin(exchange.url, location) != want:
            self.diverged(exchange, f"Location {want}", f"Location {location}", "the header")
        self.model.created(len(self.ids), body, got.get("created_at"))
        self.ids.append(room_id)

    def get(self, number: int, _: Any) -> None:
        self.agree(self.api.get(self.ids[number]), self.model.get(number), number)

    def patch(self, number: int, body: Any) -> None:
        sent = self.api.request(
            "PATCH",
            f"/rooms/{self.ids[number]}",
            content=checks.json_bytes(body),
            headers={"Content-Type": "application/json"},
        )
        self.agree(sent, self.model.update(number, body), number)
        if sent.status == 200:
            self.model.updated(number, body)
        elif number in self.model.rooms:  # a refused update changes nothing: Get says so
            self.get(number, None)

    def end(self, number: int, _: Any) -> None:
        exchange = self.api.end(self.ids[number])
        got = self.agree(exchange, self.model.end(number), number)
        if exchange.status == 200:
            self.model.ended(number, got.get("ended_at"))

    def delete(self, number: int, _: Any) -> None:
        exchange = self.api.delete(self.ids[number])
        self.agree(exchange, self.model.delete(number), number)
        if exchange.status == 204:
            self.model.removed(number)

    def list(self) -> None:
        """The tail of List, on the sequence's own rooms: each there, as the model has it,
        in the order of `created_at`, ties by id; each deleted one gone."""
        start = max(0, checks.total(self.api) - WINDOW)
        exchange = self.api.list(offset=start, limit=WINDOW)
        body = self.agree(exchange, Expected(frozenset({200})), None)
        items = body.get("rooms") if isinstance(body, dict) else None
        if not isinstance(items, list):
            self.diverged(exchange, "a page of rooms", body, "the page")
        mine = {room_id: number for number, room_id in enumerate(self.ids)}
        listed = [item for item in items if isinstance(item, dict) and item.get("id") in mine]
        live = {self.ids[number]: room for number, room in self.model.rooms.items()}
        want_order = sorted(live, key=lambda room_id: (moment(live[room_id].created_at), room_id))
        got_order = [str(item["id"]) for item in listed]
        if got_order != want_order:
            self.diverged(exchange, want_order, got_order, "the sequence's rooms in List")
        for item in listed:
            number = mine[str(item["id"])]
            want = self.model.rooms[number].shown()
            got = {key: item.get(key) for key in want}
            if got != want:
                self.diverged(exchange, want, got, f"room {item['id']} in List")
            self.times(exchange, item, number)


@driven(target, weight=3, first=creates, steps=st.lists(STEP, min_size=1, max_size=16))
def test_the_target_answers_as_the_contract_model(
    api: ApiClient, first: dict[str, Any], steps: list[tuple[str, Any, int]]
) -> None:
    with api.scenario():
        differ = Differ(api)
        for kind, body, pick in [("create", first, 0), *steps]:
            differ.run(kind, body, pick)
