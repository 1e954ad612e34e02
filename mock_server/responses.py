"""The two kinds of answer the mock sends: JSON bodies and RFC 9457 problems.

Every handler and middleware builds its responses here, with the content type
said explicitly (Connexion cannot pick one on operations that mix
`application/json` and `application/problem+json`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

import orjson
from starlette.responses import Response

from rooms_spec.validators import Violation

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
JSON_TYPE = (b"content-type", JSON.encode())


def dump_json(body: Any) -> bytes:
    """orjson, or the standard library for integers past 64 bits (a huge `offset` echoed)."""
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class JsonResponse(Response):
    """A JSON answer, its headers written out directly: the same bytes Starlette's
    `Response(body, status, headers, media_type=JSON)` gives, at half its cost (every
    answer of the API is one)."""

    media_type = JSON

    def __init__(
        self, body: bytes, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        self.status_code = status
        self.background = None
        self.body = body
        raw = (
            [(name.lower().encode("latin-1"), v.encode("latin-1")) for name, v in headers.items()]
            if headers
            else []
        )
        raw.append((b"content-length", b"%d" % len(body)))
        raw.append(JSON_TYPE)
        self.raw_headers = raw


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return JsonResponse(dump_json(body), status, headers)


def no_content() -> Response:
    """A 204: no body and no `Content-Type`."""
    return Response(status_code=204)


def problem_body(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    errors: Iterable[Violation] = (),
    title: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    listed = [violation.as_dict() for violation in errors]
    if listed:
        body["errors"] = listed
    return body


def problem(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    errors: Iterable[Violation] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = problem_body(status, detail, instance=instance, errors=errors)
    return Response(
        orjson.dumps(body), status_code=status, headers=headers, media_type=PROBLEM_JSON
    )
