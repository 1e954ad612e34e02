"""Every exchange of the run as an HTTP Archive (HAR 1.2), in the order they were sent, for a
browser's network panel or any HAR viewer; credential headers masked (`exchange.masked`). Each
entry's comment names its layer and test."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .exchange import Exchange, masked
from .run_record import RunRecord

CREATOR = "rooms-contract"


def _time(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _headers(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"name": name, "value": masked(name, value)} for name, value in pairs]


def _mime(pairs: tuple[tuple[str, str], ...]) -> str:
    return next((value for name, value in pairs if name.lower() == "content-type"), "")


def _text(raw: bytes) -> dict[str, str]:
    """A body as HAR holds text: as is when UTF-8, else in base64."""
    try:
        return {"text": raw.decode("utf-8")}
    except UnicodeDecodeError:
        import base64

        return {"text": base64.b64encode(raw).decode(), "encoding": "base64"}


def entry(exchange: Exchange, comment: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _headers(exchange.request_headers),
        "queryString": [
            {"name": name, "value": value}
            for name, value in parse_qsl(urlsplit(exchange.url).query, keep_blank_values=True)
        ],
        "headersSize": -1,
        "bodySize": len(exchange.request_body) if exchange.request_body is not None else 0,
    }
    if exchange.request_body is not None:
        body = _text(exchange.request_body)
        request["postData"] = {
            "mimeType": _mime(exchange.request_headers),
            "params": [],
            "text": body["text"],
        }
    try:
        reason = HTTPStatus(exchange.status).phrase
    except ValueError:
        reason = ""
    wait_ms = round(exchange.elapsed * 1000, 3)
    return {
        "startedDateTime": _time(exchange.started),
        "time": wait_ms,
        "request": request,
        "response": {
            "status": exchange.status,
            "statusText": reason,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": _headers(exchange.headers),
            "content": {
                "size": len(exchange.body),
                "mimeType": _mime(exchange.headers) or "x-unknown",
                **_text(exchange.body),
            },
            "redirectURL": exchange.header("location") or "",
            "headersSize": -1,
            "bodySize": len(exchange.body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": wait_ms, "receive": 0},
        "comment": comment,
    }


def har(record: RunRecord, version: str) -> dict[str, Any]:
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": CREATOR, "version": version},
            "pages": [],
            "entries": [
                entry(exchange, f"{layer}: {test}" if test else layer)
                for layer, test, exchange in record.exchanges
            ],
            "comment": f"{record.target}, seed {record.seed}",
        }
    }


def write(record: RunRecord, path: Path, version: str) -> None:
    path.write_text(json.dumps(har(record, version), ensure_ascii=False))
