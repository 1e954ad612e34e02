"""One request the suite sent and the answer it got, as plain data: what the checks read, and
what a report shows (a curl line, the response as `curl -i` prints it) or stores.

Credentials never leave it: a report's curl line and its stored data carry `***` for the value
of any header whose name says it holds a secret.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

import orjson

SENSITIVE = ("authorization", "cookie", "token", "key", "secret", "password")
MAX_SHOWN_BODY = 2000

Headers = tuple[tuple[str, str], ...]


def masked(name: str, value: str) -> str:
    """A header value fit for a report: credentials are never printed."""
    return "***" if any(word in name.lower() for word in SENSITIVE) else value


@dataclass(frozen=True, eq=False)
class Exchange:
    """One request and its response (each one distinct, even when two are alike)."""

    method: str
    url: str
    request_headers: Headers
    request_body: bytes | None
    status: int
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        """The response's first header of this name, whatever its case."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (the check then reports the body)."""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    def curl(self) -> str:
        parts = ["curl", "-i", "-X", self.method, self.url]
        for name, value in self.request_headers:
            parts += ["-H", f"{name}: {masked(name, value)}"]
        if self.request_body is not None:
            parts += ["--data-binary", _text(self.request_body)]
        return shlex.join(parts)

    def response_text(self) -> str:
        """Status, headers and body, as `curl -i` would show them (long bodies cut)."""
        lines = [f"HTTP {self.status}", *(f"{name}: {value}" for name, value in self.headers)]
        body = _text(self.body)
        if len(body) > MAX_SHOWN_BODY:
            body = body[:MAX_SHOWN_BODY] + f"... ({len(self.body)} bytes in all)"
        return "\n".join([*lines, "", body]) if body else "\n".join(lines)

    def as_data(self) -> dict[str, Any]:
        """JSON-ready, credentials masked, bodies as text: for reports, never for replay."""
        return {
            "method": self.method,
            "url": self.url,
            "request_headers": [
                [name, masked(name, value)] for name, value in self.request_headers
            ],
            "request_body": None if self.request_body is None else _text(self.request_body),
            "status": self.status,
            "headers": [list(pair) for pair in self.headers],
            "body": _text(self.body),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Exchange:
        body = data["request_body"]
        return cls(
            method=data["method"],
            url=data["url"],
            request_headers=tuple((name, value) for name, value in data["request_headers"]),
            request_body=None if body is None else body.encode(),
            status=data["status"],
            headers=tuple((name, value) for name, value in data["headers"]),
            body=data["body"].encode(),
        )


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")
