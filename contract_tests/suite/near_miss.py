"""The inputs of the near-miss layer: every one of them, every run (they are few).

Random negative data rarely hits exactly the values a lenient parser or an ORM lets through
(`null`, `"5"`, `1` for `true`, `100.5` for an integer); random positive data rarely sends the
JSON media types a client library does (`; charset=utf-8`, `+json`, another case), names of
200 four-byte characters or ids one character away from a real one. These tables name them
all, derived from the spec's request schemas where the spec says what a field is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rooms_spec import Spec

Path = tuple[str, ...]


@dataclass(frozen=True)
class Field:
    """One field of a request body (`()` is the body itself), and what the spec says it is."""

    path: Path
    type: str
    valid: Any
    """A value of the field the spec allows (the wrong values spell it)."""

    @property
    def shown(self) -> str:
        return ".".join(self.path) or "the body"


def request_fields(spec: Spec, operation_id: str) -> list[Field]:
    """Every field of the operation's JSON request body, the body first, depth first."""
    body: dict[str, Any] = spec.operations[operation_id].request_body or {}
    content: dict[str, Any] = spec.resolve(body).get("content", {})
    media: dict[str, Any] = next(iter(content.values()), {})
    schema = media.get("schema", {})
    return list(_fields(spec, schema, ()))


def _fields(spec: Spec, schema: Any, path: Path) -> Iterator[Field]:
    schema = spec.resolve(schema)
    kind = str(schema.get("type", "object"))
    yield Field(path, kind, _valid(schema, kind))
    for name, inner in (schema.get("properties") or {}).items():
        yield from _fields(spec, inner, (*path, name))


def _valid(schema: dict[str, Any], kind: str) -> Any:
    if kind == "integer":
        low, high = schema.get("minimum", 0), schema.get("maximum", 10**6)
        return max(low, min(high, 5))
    if kind == "boolean":
        return True
    if kind == "string":
        return "near miss"
    return {}


def wrong_values(field: Field) -> list[Any]:
    """Each wrong JSON type of `field`, the near misses first: `null`, strings that spell a
    right value, numbers for booleans, fractions for integers."""
    valid = field.valid
    common: list[Any] = [None]
    if field.type == "integer":
        return [*common, str(valid), f"{valid}.0", valid + 0.5, 100.5, True, False, [valid], {}]
    if field.type == "boolean":
        return [*common, 0, 1, "true", "false", "1", "0", [valid], {}]
    if field.type == "string":
        return [*common, 5, 0, 1.5, True, False, [valid], {"value": valid}]
    if field.type == "array":
        return [*common, "[]", 0, True, {}]
    return [*common, "{}", "", 0, 1, True, False, []]  # an object: the body or `config`


def with_value(base: dict[str, Any], path: Path, value: Any) -> Any:
    """`base` with the field at `path` set to `value` (its parents made where missing)."""
    if not path:
        return value
    head, *rest = path
    found = base.get(head)
    inner: dict[str, Any] = found if isinstance(found, dict) else {}
    return {**base, head: with_value(inner, tuple(rest), value)}


def misspellings(name: str) -> list[str]:
    """Names one slip from a field's: its case, camelCase, a letter more or less, a dash."""
    words = name.split("_")
    camel = words[0] + "".join(word.capitalize() for word in words[1:])
    found = [name.capitalize(), name.upper(), camel, name + "s", name[:-1], name.replace("_", "-")]
    return [other for other in dict.fromkeys(found) if other != name]


def misspelt_bodies(fields: list[Field], base: dict[str, Any]) -> list[tuple[str, Any]]:
    """(the slip, a body): `base` with one field of the body, or of `config`, misspelt, its
    value a right one: a server that ignores a field it does not know takes it."""
    found = []
    for field in fields:
        if not field.path:
            continue
        *parents, name = field.path
        for other in misspellings(name):
            body = with_value(base, (*parents, other), field.valid)
            found.append((".".join((*parents, other)), body))
    return found


JSON_MEDIA_TYPES = (
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    'application/json; charset="utf-8"',
    "application/json ; charset=utf-8",
    "Application/JSON",
    "APPLICATION/JSON; CHARSET=UTF-8",
    "application/merge-patch+json",
    "application/vnd.rooms+json",
    "application/vnd.api+json; charset=utf-8",
    "application/problem+json",
    "Application/Merge-Patch+JSON",
)
"""Spellings of a JSON `Content-Type` the contract allows (`application/json` or any
`application/*+json`, with any parameters), in the cases and spacing clients send."""

WIDTHS = {"one-byte": "a", "two-byte": "é", "three-byte": "€", "four-byte": "😀"}
"""A character of each UTF-8 width."""


def names(shortest: int, longest: int) -> list[tuple[str, str]]:
    """(what it is, name): names the contract allows that look unusual."""
    found = []
    for width, char in WIDTHS.items():
        found += [(f"{shortest} {width}", char * shortest), (f"{longest} {width}", char * longest)]
    half = longest // 2
    return [
        *found,
        (f"{half} e + combining acute (decomposed, {longest} characters)", "e\u0301" * half),
        (f"{half} flags (regional indicator pairs)", "🇫🇷" * half),
        ("a family emoji (a ZWJ sequence)", "👩\u200d👩\u200d👧"),
        ("é precomposed beside é decomposed", "\u00e9 e\u0301"),
        ("surrounding spaces", "  spaced  "),
        ("one space", " "),
        ("no-break and ideographic spaces around", "\u00a0name\u3000"),
        ("a name in Greek, Cyrillic and CJK", "Αίθουσα Комната 会议室"),
        ("right-to-left text", "غرفة"),
    ]


def too_long(longest: int) -> list[tuple[str, str]]:
    """(what it is, name): one character past the bound, in each width."""
    found = [(f"{longest + 1} {width}", char * (longest + 1)) for width, char in WIDTHS.items()]
    return [*found, (f"{longest + 1} e + combining acute", "e\u0301" * (longest // 2) + "e")]


def name_bounds(spec: Spec) -> tuple[int, int]:
    """The spec's bounds on a room's name (characters)."""
    schema = spec.resolve(spec.pointer("/components/schemas/RoomName"))
    return int(schema.get("minLength", 1)), int(schema.get("maxLength", 200))


def near_ids(room_id: str) -> list[tuple[str, str]]:
    """(how it differs, id): ids that differ from `room_id` by case or by one character,
    each one a server's lookup must not take for it.

    The changed character is always a letter for a digit or the other way round, or a case:
    an id a server counting up (room_000001) gave another room is never one of them."""
    prefix, _, tail = room_id.partition("_")
    found: dict[str, str] = {}

    def add(how: str, other: str) -> None:
        if other != room_id and other not in found.values():
            found[how] = other

    add("upper case", room_id.upper())
    add("lower case", room_id.lower())
    add("the prefix in upper case", f"{prefix.upper()}_{tail}")
    add("case swapped", room_id.swapcase())
    letters = [index for index, char in enumerate(tail) if char.isalpha()]
    if letters:
        index = letters[0]
        add(
            "one letter's case",
            f"{prefix}_{tail[:index]}{tail[index].swapcase()}{tail[index + 1 :]}",
        )
    for where, index in (("first", 0), ("last", len(tail) - 1)):
        if tail:
            char = tail[index]
            other = ("x" if char != "x" else "y") if char.isdigit() else "7"
            add(
                f"the {where} character changed",
                f"{prefix}_{tail[:index]}{other}{tail[index + 1 :]}",
            )
    add("one character more", room_id + "x")
    add("one character less", room_id[:-1])
    add("a space after", room_id + "%20")
    return list(found.items())
