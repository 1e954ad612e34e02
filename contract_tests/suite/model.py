"""The contract as a sequential model of the suite's own rooms: what a correct server answers
to each of the six operations, one after another. The differential layer applies every step
to the target and to this model and compares the answers (`test_reference_model.py`).

The mock's store is such a model, but the suite may not import the mock (tests/test_layering.py:
`contract_tests` imports `rooms_spec` only, so that a QA install needs no mock); the model is
written here, from the contract's sentences, with the spec's own request schemas deciding what
is a 400. It knows only the rooms it was told of, so List is compared on them alone. Where the
contract allows several answers (one request with several faults) it expects any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rooms_spec import Spec
from rooms_spec.validators import SchemaValidator, Validators

DEFAULT_CONFIG = {"max_participants": 100, "recording_enabled": False, "chat_enabled": True}


@dataclass(frozen=True)
class Expected:
    """What a correct server may answer: any of `statuses`; on success, `room` (the fields the
    model knows: name, status, config), or a deleted room's 204."""

    statuses: frozenset[int]
    room: dict[str, Any] | None = None

    @property
    def success(self) -> int | None:
        return next((status for status in self.statuses if status < 300), None)


@dataclass
class ModelRoom:
    name: str
    config: dict[str, Any]
    status: str = "active"
    created_at: str | None = None
    """As the target said it on create (the model keeps time by order, not by clock)."""
    ended_at: str | None = None

    def shown(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "config": dict(self.config)}


def _body_schema(validators: Validators, operation_id: str) -> SchemaValidator:
    schema = validators.request_body(operation_id)
    if schema is None:
        raise RuntimeError(f"the spec gives {operation_id} no JSON request body")
    return schema


@dataclass
class RoomsModel:
    spec: Spec
    rooms: dict[int, ModelRoom] = field(default_factory=dict)
    """The rooms by number (their order of creation): ids are the target's to choose."""
    deleted: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        validators = Validators(self.spec)
        self._create = _body_schema(validators, "createRoom")
        self._update = _body_schema(validators, "updateRoom")

    def create(self, body: Any) -> Expected:
        if self._create.violations(body):
            return Expected(frozenset({400}))
        config = {**DEFAULT_CONFIG, **body.get("config", {})}
        return Expected(frozenset({201}), ModelRoom(body["name"], config).shown())

    def created(self, number: int, body: dict[str, Any], created_at: str | None) -> None:
        """The target created room `number` from `body`: the model holds it too."""
        config = {**DEFAULT_CONFIG, **body.get("config", {})}
        self.rooms[number] = ModelRoom(body["name"], config, created_at=created_at)

    def get(self, number: int) -> Expected:
        room = self.rooms.get(number)
        return (
            Expected(frozenset({404})) if room is None else Expected(frozenset({200}), room.shown())
        )

    def update(self, number: int, body: Any) -> Expected:
        faults = set()
        room = self.rooms.get(number)
        if self._update.violations(body):
            faults.add(400)
        if room is None:
            faults.add(404)
        elif room.status == "ended":
            faults.add(409)
        if faults or room is None:
            return Expected(frozenset(faults))
        after = room.shown()
        after["name"] = body.get("name", room.name)
        after["config"] = {**room.config, **body.get("config", {})}
        return Expected(frozenset({200}), after)

    def updated(self, number: int, body: dict[str, Any]) -> None:
        room = self.rooms[number]
        room.name = body.get("name", room.name)
        room.config = {**room.config, **body.get("config", {})}

    def end(self, number: int) -> Expected:
        room = self.rooms.get(number)
        if room is None:
            return Expected(frozenset({404}))
        if room.status == "ended":
            return Expected(frozenset({409}))
        return Expected(frozenset({200}), {**room.shown(), "status": "ended"})

    def ended(self, number: int, ended_at: str | None) -> None:
        self.rooms[number].status = "ended"
        self.rooms[number].ended_at = ended_at

    def delete(self, number: int) -> Expected:
        return Expected(frozenset({404 if number not in self.rooms else 204}))

    def removed(self, number: int) -> None:
        del self.rooms[number]
        self.deleted.add(number)
