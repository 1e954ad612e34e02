"""Which spec operation a request is for, and which methods its path allows.

The mock answers 404 and 405 itself, from this table, because Connexion's 405
carries an incomplete `Allow` header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rooms_spec import Operation, Spec

PARAMETER = re.compile(r"\{([^/{}]+)\}")


@dataclass(frozen=True)
class Match:
    """A request path matched to a spec path; `operation` is None for a wrong method."""

    template: str
    params: dict[str, str]
    allow: str
    operation: Operation | None


def _compile(template: str) -> re.Pattern[str]:
    """`/rooms/{id}` becomes `^/rooms/(?P<id>[^/]+)$`."""
    parts = PARAMETER.split(template)
    regex = "".join(
        f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part) for index, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


class RouteTable:
    def __init__(self, spec: Spec) -> None:
        self.base_path = spec.base_path
        self._routes: list[tuple[re.Pattern[str], str]] = []
        self._operations: dict[tuple[str, str], Operation] = {}
        self._allow: dict[str, str] = {}
        for template in spec.document.get("paths", {}):
            self._routes.append((_compile(template), template))
            self._allow[template] = ", ".join(spec.methods_of(template))
        for operation in spec.operations.values():
            self._operations[(operation.path, operation.method.upper())] = operation

    def match(self, path: str, method: str) -> Match | None:
        """The spec path for an `/api/v1/...` request path, or None if there is none."""
        if not path.startswith(self.base_path):
            return None
        local = path[len(self.base_path) :]
        for pattern, template in self._routes:
            found = pattern.match(local)
            if found:
                operation = self._operations.get((template, method.upper()))
                return Match(template, found.groupdict(), self._allow[template], operation)
        return None
