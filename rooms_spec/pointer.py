"""JSON Pointers (RFC 6901): the one place that escapes, joins and follows them.

Everything that names a node of the spec (a violation's field, a lint finding's
line, a diff's location) builds its pointer here, so `~` and `/` in a path such
as `/rooms/{id}` are escaped the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def escape(part: str) -> str:
    """One reference token: `~` becomes `~0` and `/` becomes `~1`."""
    return part.replace("~", "~0").replace("/", "~1")


def unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def join(parts: Iterable[Any]) -> str:
    """`("paths", "/rooms", "get")` becomes `/paths/~1rooms/get`; no parts is `""`."""
    return "".join("/" + escape(str(part)) for part in parts)


def split(pointer: str) -> tuple[str, ...]:
    """The unescaped tokens of a pointer, with or without its leading `#`."""
    pointer = pointer.removeprefix("#")
    return tuple(unescape(part) for part in pointer.split("/")[1:]) if pointer else ()


def node_at(document: Any, pointer: str) -> Any:
    """The node at a pointer; LookupError when there is none."""
    node = document
    for key in split(pointer):
        try:
            node = node[int(key)] if isinstance(node, list) else node[key]
        except (KeyError, IndexError, ValueError, TypeError):
            raise LookupError(pointer) from None
    return node
