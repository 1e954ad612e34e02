"""The operations of a spec: one method on one path, with what a caller needs of it.

The mock routes and validates by them, lint walks them for its rules, diff pairs
them across two specs: all read them from `iter_operations`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .pointer import escape

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Operation:
    """One method on one path, as the spec declares it (`$ref`s left in place)."""

    method: str
    path: str
    definition: dict[str, Any]
    path_item: dict[str, Any]

    @cached_property  # read several times for every request the mock answers
    def operation_id(self) -> str:
        """The operationId, or `""` when the spec gives none (lint reports that)."""
        value = self.definition.get("operationId")
        return value if isinstance(value, str) else ""

    @property
    def label(self) -> str:
        """`GET /rooms/{id}`, as reports name an operation."""
        return f"{self.method.upper()} {self.path}"

    @property
    def pointer(self) -> str:
        return f"/paths/{escape(self.path)}/{self.method}"

    @property
    def responses(self) -> dict[str, Any]:
        responses = self.definition.get("responses")
        return responses if isinstance(responses, dict) else {}

    @property
    def request_body(self) -> dict[str, Any] | None:
        return self.definition.get("requestBody")

    def parameter_entries(self) -> Iterator[tuple[str, Any]]:
        """(pointer, entry) of the path item's parameters, then the operation's own."""
        owners = ((self.path_item, f"/paths/{escape(self.path)}"), (self.definition, self.pointer))
        for owner, pointer in owners:
            entries = owner.get("parameters")
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                yield f"{pointer}/parameters/{index}", entry


def iter_operations(document: dict[str, Any]) -> Iterator[Operation]:
    """Every operation of a parsed document, in document order; malformed entries skipped."""
    paths = document.get("paths")
    for path, item in (paths if isinstance(paths, dict) else {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield Operation(method, path, item[method], item)


def methods_of(document: dict[str, Any], path: str) -> list[str]:
    """The methods a spec path supports, upper case, in the order of HTTP_METHODS."""
    item = (document.get("paths") or {}).get(path) or {}
    return [method.upper() for method in HTTP_METHODS if isinstance(item.get(method), dict)]
