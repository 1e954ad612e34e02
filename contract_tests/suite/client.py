"""A thin HTTP client for the behaviour checks: it records every exchange (`exchange.py`) and
keeps a ledger of the rooms the suite created so it can delete them.

The suite runs against shared servers (staging), so it never assumes it is alone: it only
reasons about rooms it created, and removes them when a scenario and the session end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from .exchange import Exchange
from .target import Target

ROOM = "/rooms/{}"


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
            request_headers=tuple({**self.target.headers, **sent_headers}.items()),
            request_body=content,
            status=response.status_code,
            headers=tuple(response.headers.multi_items()),
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
