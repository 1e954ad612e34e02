"""One request the suite sent and the answer it got, as plain data: what the checks read, and
what a report shows (a curl line, the response as `curl -i` prints it) or stores.

Credentials never leave it: a report's curl line and its stored data carry `***` for the value
of any header whose name says it holds a secret.
"""

from __future__ import annotations

import base64
import itertools
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

if TYPE_CHECKING:
    import httpx

SENSITIVE = ("authorization", "cookie", "token", "key", "secret", "password")
MAX_SHOWN_BODY = 2000
CURL_SETS = ("host", "content-length", "user-agent", "accept", "accept-encoding", "connection")
"""Headers curl sends of its own accord, and Schemathesis' id of a case: not shown in a curl
line (the exchange keeps them, and the HAR report has them)."""
NOT_SHOWN = (*CURL_SETS, "x-schemathesis-testcaseid")

Headers = tuple[tuple[str, str], ...]
SERIALS = itertools.count(1)
"""Numbers every exchange of the process (`next` on a count is atomic under the GIL)."""


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
    started: float = 0.0
    """When the request was sent, in seconds since the epoch (0 when not known)."""
    elapsed: float = 0.0
    """How long the answer took, in seconds."""
    serial: int = field(default_factory=lambda: next(SERIALS), compare=False)

    @classmethod
    def of(
        cls,
        response: httpx.Response,
        headers: dict[str, str],
        body: bytes | None,
        started: float,
    ) -> Exchange:
        """An httpx exchange: `headers` every header sent (the target's and the request's),
        `body` the body sent, `started` when it was sent."""
        return cls(
            method=response.request.method,
            url=str(response.request.url),
            request_headers=tuple(headers.items()),
            request_body=body,
            status=response.status_code,
            headers=tuple(response.headers.multi_items()),
            body=response.content,
            started=started,
            elapsed=response.elapsed.total_seconds(),
        )

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
            if name.lower() not in NOT_SHOWN:
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

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def as_data(self) -> dict[str, Any]:
        """JSON-ready, credentials masked, bodies as text: for reports and saved failures."""
        return {
            "method": self.method,
            "url": self.url,
            "request_headers": [
                [name, masked(name, value)] for name, value in self.request_headers
            ],
            "request_body": None if self.request_body is None else _text(self.request_body),
            "request_body_base64": _bytes_data(self.request_body or b""),
            "status": self.status,
            "headers": [list(pair) for pair in self.headers],
            "body": _text(self.body),
            "body_base64": _bytes_data(self.body),
            "started": self.started,
            "elapsed": self.elapsed,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Exchange:
        body = data["request_body"]
        return cls(
            method=data["method"],
            url=data["url"],
            request_headers=tuple((name, value) for name, value in data["request_headers"]),
            request_body=None if body is None else _raw(body, data.get("request_body_base64")),
            status=data["status"],
            headers=tuple((name, value) for name, value in data["headers"]),
            body=_raw(data["body"], data.get("body_base64")),
            started=data.get("started", 0.0),
            elapsed=data.get("elapsed", 0.0),
        )


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")


def _bytes_data(raw: bytes) -> str | None:
    """Bytes that are not UTF-8, as base64 (so a replay sends them as they were)."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode()
    return None


def _raw(text: str, encoded: str | None) -> bytes:
    return base64.b64decode(encoded) if encoded is not None else text.encode()
