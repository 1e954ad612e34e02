"""Hypothesis strategies for the behaviour checks, drawn from the spec's own schemas.

Valid bodies come from Schemathesis' positive generation of the spec's request bodies (its
examples included), so a change to the spec changes the data; the rest is what the contract
says a server must refuse.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from schemathesis import Case

from rooms_spec import Operation

from ._schemathesis import Schema

SERVER_FIELDS = ("id", "status", "created_at", "participant_count", "ended_at")
ROOM_FIELDS = ("name", "config")
CONFIG_FIELDS = ("max_participants", "recording_enabled", "chat_enabled")
ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
NOT_JSON_MEDIA_TYPES = (
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
)


def request_bodies(schema: Schema, operation: Operation) -> st.SearchStrategy[dict]:
    """Valid bodies of one operation, as Schemathesis generates them."""
    cases = schema[operation.path][operation.method.upper()].as_strategy()
    return cases.filter(lambda case: isinstance(case.body, dict)).map(_body)


def _body(case: Case) -> dict[str, Any]:
    body = case.body
    assert isinstance(body, dict)  # kept by the filter
    return body


def away_from(defaults: dict[str, Any]) -> Callable[[dict], dict]:
    """Give a body a config unlike `defaults` in every field it leaves out, so that a server
    that resets a room's config to the defaults (on update, on end) shows it."""
    other = {key: _other(value) for key, value in defaults.items()}

    def move(body: dict) -> dict:
        return {**body, "config": {**other, **body.get("config", {})}}

    return move


def one_config_field(changes: dict) -> dict:
    """An update that changes one field of `config` (the first it changes, else `chat_enabled`),
    and leaves the others to be kept."""
    config = changes.get("config") or {}
    field, value = next(iter(config.items()), ("chat_enabled", False))
    return {**changes, "config": {field: value}}


def _other(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    return value - 1 if isinstance(value, int) and value > 1 else value + 1


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=10)
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=2), max_leaves=3)


def field_names(known: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Names a body must not carry: the server's own fields, or anything unknown."""
    unknown = st.text(min_size=1, max_size=20).filter(lambda name: name not in known)
    return st.sampled_from(SERVER_FIELDS) | unknown


def unknown_ids() -> st.SearchStrategy[str]:
    """Ids no server assigned: well-formed but 32 random characters, or anything else."""
    well_formed = st.text(ID_ALPHABET, min_size=32, max_size=32).map(lambda tail: f"room_{tail}")
    other = st.text(ID_ALPHABET + "-_~", min_size=1, max_size=40)  # no dots: `.` is a path step
    return well_formed | other


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return True


def malformed_json() -> st.SearchStrategy[bytes]:
    """Bodies that are not UTF-8 JSON."""
    known = st.sampled_from(
        [b"{", b'{"name": "x",}', b"{'name': 'x'}", b'{"name": "\xff"}', b"NaN", b"\xef\xbb"]
    )
    return known | st.binary(min_size=1, max_size=40).filter(lambda raw: not _is_json(raw))
