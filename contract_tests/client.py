"""A thin HTTP client for the behaviour checks: it records every exchange, renders each as a
curl line, and keeps a ledger of the rooms the suite created so it can delete them.

The suite runs against shared servers (staging), so it never assumes it is alone: it only
reasons about rooms it created, and removes them when a scenario and the session end.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from .target import Target

ROOM = "/rooms/{}"
SENSITIVE = ("authorization", "cookie", "token", "key", "secret", "password")
MAX_SHOWN_BODY = 2000


def masked(name: str, value: str) -> str:
    """A header value fit for a report: credentials are never printed."""
    return "***" if any(word in name.lower() for word in SENSITIVE) else value


@dataclass(frozen=True, eq=False)
class Exchange:
    """One request the suite sent and the response it got (each one distinct)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int
    headers: httpx.Headers
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (the check then reports the body)."""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def curl(self) -> str:
        parts = ["curl", "-i", "-X", self.method, self.url]
        for name, value in self.request_headers.items():
            parts += ["-H", f"{name}: {masked(name, value)}"]
        if self.request_body is not None:
            parts += ["--data-binary", self.request_body.decode("utf-8", "backslashreplace")]
        return shlex.join(parts)

    def response_text(self) -> str:
        """Status, headers and body, as `curl -i` would show them (long bodies cut)."""
        lines = [f"HTTP {self.status}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        body = self.body.decode("utf-8", "backslashreplace")
        if len(body) > MAX_SHOWN_BODY:
            body = body[:MAX_SHOWN_BODY] + f"... ({len(self.body)} bytes in all)"
        return "\n".join([*lines, "", body]) if body else "\n".join(lines)


@dataclass
class Ledger:
    """Every room id the suite was given, and those not deleted yet."""

    created: set[str] = field(default_factory=set)
    live: set[str] = field(default_factory=set)

    def record(self, method: str, path: str, status: int, body: Any) -> None:
        """Note what a response says about the rooms the suite owns (used for every request)."""
        if method == "POST" and path.endswith("/rooms") and status == 201:
            room_id = body.get("id") if isinstance(body, dict) else None
            if isinstance(room_id, str):
                self.created.add(room_id)
                self.live.add(room_id)
        elif method == "DELETE" and status in (204, 404):
            self.live.discard(path.rstrip("/").rsplit("/", 1)[-1])


class ApiClient:
    """Requests to the target under its base URL, each kept as an `Exchange`."""

    def __init__(self, target: Target, ledger: Ledger) -> None:
        self.target = target
        self.ledger = ledger
        self.history: list[Exchange] = []
        self._http = httpx.Client(headers=target.headers, timeout=target.request_timeout)

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Exchange:
        sent_headers = dict(headers or {})
        if json is not None:
            content = orjson.dumps(json)
            sent_headers.setdefault("Content-Type", "application/json")
        response = self._http.request(
            method, self.target.url(path), content=content, headers=sent_headers, params=params
        )
        exchange = Exchange(
            method=method,
            url=str(response.request.url),
            request_headers={**self.target.headers, **sent_headers},
            request_body=content,
            status=response.status_code,
            headers=response.headers,
            body=response.content,
        )
        self.history.append(exchange)
        self.ledger.record(method, response.request.url.path, exchange.status, exchange.json())
        return exchange

    def create(self, body: Any) -> Exchange:
        return self.request("POST", "/rooms", json=body)

    def get(self, room_id: str) -> Exchange:
        return self.request("GET", ROOM.format(room_id))

    def patch(self, room_id: str, body: Any) -> Exchange:
        return self.request("PATCH", ROOM.format(room_id), json=body)

    def end(self, room_id: str) -> Exchange:
        return self.request("POST", ROOM.format(room_id) + "/end")

    def delete(self, room_id: str) -> Exchange:
        return self.request("DELETE", ROOM.format(room_id))

    def list(self, **params: int) -> Exchange:
        return self.request("GET", "/rooms", params=params or None)

    @contextmanager
    def scenario(self) -> Iterator[ApiClient]:
        """One example's requests: its history starts empty, its rooms are deleted after."""
        self.history = []
        before = set(self.ledger.live)
        try:
            yield self
        finally:
            self.delete_all(self.ledger.live - before)

    def delete_all(self, room_ids: set[str]) -> None:
        """Delete rooms the suite made; a server that cannot is reported by the checks, not here."""
        for room_id in sorted(room_ids):
            with suppress(httpx.HTTPError):
                self._http.delete(self.target.url(ROOM.format(room_id)))
            self.ledger.live.discard(room_id)


LEDGER = Ledger()
"""The rooms this process created: one pytest session, or one xdist worker."""
