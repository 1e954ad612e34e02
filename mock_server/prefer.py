"""`Prefer` (Prism's syntax): force a documented response or a delay for one request.

`Prefer: code=404`, `Prefer: example=ended`, `Prefer: code=409, example=ended`
and `Prefer: delay=500` (milliseconds). A forced response comes from the spec's
examples and never touches the room store. Unknown preferences are ignored, as
RFC 7240 asks.

Prism's query forms, `?__code=404` and `?__example=ended`, say the same for clients
that cannot set headers (an `<img>`, a link); where both are given, `Prefer` wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from rooms_spec import Operation, Spec
from rooms_spec.json_text import as_json

from .responses import PROBLEM_JSON, problem_body

MAX_DELAY_MS = 60_000
QUERY_FORMS = {"__code": "code", "__example": "example"}


class PreferError(ValueError):
    """A `Prefer` header (or query form) the mock cannot honour; the message says why,
    `where` and `pointer` say where it was (`header /Prefer`, `query /__code`)."""

    def __init__(self, message: str, where: str = "header", pointer: str = "/Prefer") -> None:
        super().__init__(message)
        self.where = where
        self.pointer = pointer


@dataclass(frozen=True)
class Preference:
    code: int | None = None
    example: str | None = None
    delay_ms: int = 0
    via_query: tuple[str, ...] = ()  # which of code and example the query forms gave

    @property
    def forces_response(self) -> bool:
        return self.code is not None or self.example is not None


NO_PREFERENCE = Preference()


@dataclass(frozen=True)
class ForcedResponse:
    status: int
    media_type: str | None
    body: Any
    headers: dict[str, str]


def parse_prefer(values: list[str], query_string: bytes = b"") -> Preference:
    """Read every `Prefer` header, then the query forms (`__code`, `__example`);
    malformed code or delay values raise PreferError."""
    if not values and b"__" not in query_string:
        return NO_PREFERENCE  # nearly every request: nothing asked for
    found: dict[str, str] = {}
    source: dict[str, str] = {}  # where each value came from, for messages
    for value in values:
        for item in value.split(","):
            key, _, raw = item.strip().partition("=")
            found.setdefault(key.strip().lower(), raw.strip().strip('"'))
    if b"__" in query_string:  # the common case costs one substring test
        for name, raw in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            form = QUERY_FORMS.get(name)
            if form is not None and form not in found:
                found[form] = raw.strip()
                source[form] = name
    code = _whole_number(found, source, "code", 100, 599)
    delay = _whole_number(found, source, "delay", 0, MAX_DELAY_MS)
    example = found.get("example") or None
    return Preference(code, example, delay or 0, tuple(source))


def _whole_number(
    found: dict[str, str], source: dict[str, str], key: str, low: int, high: int
) -> int | None:
    if key not in found:
        return None
    raw = found[key]
    if not (raw.isascii() and raw.isdigit() and low <= int(raw) <= high):
        wrong = f"is not a whole number from {low} to {high}."
        if key in source:
            name = source[key]
            raise PreferError(f"?{name}={raw} {wrong}", "query", f"/{name}")
        raise PreferError(f"Prefer: {key}={raw} {wrong}")
    return int(raw)


def forced_response(
    spec: Spec, operation: Operation, preference: Preference, allow: str
) -> ForcedResponse:
    """The documented response that `preference` asks for, with its example body."""
    statuses = _candidate_statuses(operation, preference)
    for status in statuses:
        response = spec.resolve(operation.responses[status])
        content = response.get("content", {})
        if not content:
            if preference.example is None:
                return ForcedResponse(int(status), None, None, {})
            continue
        media_type, media = next(iter(content.items()))
        body = _example_body(spec, media, preference.example)
        if body is _MISSING:
            continue
        if body is None:
            body = _synthetic_body(int(status), media_type, operation)
        return ForcedResponse(
            int(status), media_type, body, _headers(response, body, spec.base_path, allow)
        )
    documented = ", ".join(operation.responses)
    wanted = (
        f"example {as_json(preference.example)}"
        if preference.example
        else f"code {preference.code}"
    )
    message = f"{operation.operation_id} documents no {wanted} (its responses: {documented})."
    key = "example" if preference.example else "code"
    if key in preference.via_query:
        raise PreferError(message, "query", f"/__{key}")
    raise PreferError(message)


_MISSING = object()


def _candidate_statuses(operation: Operation, preference: Preference) -> list[str]:
    if preference.code is not None:
        return [str(preference.code)] if str(preference.code) in operation.responses else []
    return list(operation.responses)


def _example_body(spec: Spec, media: dict[str, Any], name: str | None) -> Any:
    examples = media.get("examples", {})
    if name is not None:
        return spec.resolve(examples[name])["value"] if name in examples else _MISSING
    if examples:
        return spec.resolve(next(iter(examples.values())))["value"]
    return media.get("example")


def _synthetic_body(status: int, media_type: str, operation: Operation) -> Any:
    if media_type == PROBLEM_JSON:
        return problem_body(status, f"Forced by Prefer: code={status}.")
    raise PreferError(f"{operation.operation_id} has no example for its {status} response.")


def _headers(response: dict[str, Any], body: Any, base_path: str, allow: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    declared = response.get("headers", {})
    if "Location" in declared and isinstance(body, dict) and "id" in body:
        headers["Location"] = f"{base_path}/rooms/{body['id']}"
    if "Allow" in declared:
        headers["Allow"] = allow
    return headers
