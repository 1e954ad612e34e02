"""The contract's edges of HTTP, enforced before any handler runs.

For every request under the base path: 404 for an unknown path, 405 with a
full `Allow` for a wrong method, `Prefer` and latency, then validation of the
query and the body, every violation listed. Bodies are read no further than
the size limit, and must be UTF-8 JSON with a JSON `Content-Type`. Connexion's
own request validation is not used: it reports only the first violation and
answers some malformed bodies with a 500.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import Headers, QueryParams
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .prefer import Preference, PreferError, forced_response, parse_prefer
from .responses import problem
from .routes import Match, RouteTable
from .spec import Operation, Spec
from .validators import SchemaValidator, Validators, Violation

INTEGER = re.compile(r"[+-]?[0-9]+")
NO_DEFAULT: Any = object()

# Serves a checked request: its operation, the arguments Connexion would pass, the path.
Serve = Callable[[Operation, Mapping[str, Any], str], Awaitable[Response]]


MADE_UP = "rooms_mock.made_up"


def mark_made_up(scope: Scope) -> None:
    """Flag an answer that `Prefer` asked for: it is the mock's, not the API's (strict skips it)."""
    scope.setdefault("state", {})[MADE_UP] = True


def is_made_up(scope: Scope) -> bool:
    return bool(scope.get("state", {}).get(MADE_UP))


class BodyTooLarge(Exception):
    pass


class ClientDisconnected(Exception):
    pass


@dataclass(frozen=True)
class QueryParameter:
    """A query parameter of an operation, with the validator of its schema."""

    name: str
    kind: str | None
    validator: SchemaValidator
    default: Any = NO_DEFAULT


@dataclass(frozen=True)
class GuardSettings:
    max_body_bytes: int = 64 * 1024
    latency_ms: int = 0
    passthrough: tuple[str, ...] = ()


def is_json_media_type(content_type: str) -> bool:
    """`application/json` or any `application/*+json`, with any parameters."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def parse_json(body: bytes) -> Any:
    """Strict UTF-8 JSON: orjson first, the standard library for integers orjson cannot hold."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        first_error = error
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # lone surrogates
    except (ValueError, RecursionError):
        raise ValueError(str(first_error)) from None
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class RequestGuard:
    """ASGI middleware in front of the Connexion app.

    With `serve` (operations.py), a request that passes every check is answered by
    its handler straight away; without it, it goes on to Connexion.
    """

    def __init__(
        self,
        app: ASGIApp,
        spec: Spec,
        validators: Validators,
        settings: GuardSettings,
        serve: Serve | None = None,
    ) -> None:
        self.app = app
        self.serve = serve
        self.spec = spec
        self.validators = validators
        self.settings = settings
        self.routes = RouteTable(spec)
        self.query_parameters = {
            operation_id: query_parameters_of(spec, validators, operation)
            for operation_id, operation in spec.operations.items()
        }
        self.body_validators = {
            operation_id: validators.request_body(operation_id) for operation_id in spec.operations
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.settings.passthrough):
            await self.app(scope, receive, send)
            return
        response, receive = await self._check(scope, receive)
        if response is not None:
            await response(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _check(self, scope: Scope, receive: Receive) -> tuple[Response | None, Receive]:
        path, method = scope["path"], scope["method"]
        match = self.routes.match(path, method)
        if match is None:
            return problem(404, f"No resource at {path}.", instance=path), receive
        if match.operation is None:
            detail = f"{method} is not allowed on {path}; allowed are {match.allow}."
            return problem(405, detail, instance=path, headers={"Allow": match.allow}), receive
        headers = Headers(scope=scope)
        # Only bodies the operation reads count: GET, DELETE and end ignore theirs (no 413).
        declared = headers.get("content-length", "")
        if (
            match.operation.request_body is not None
            and declared.isascii()
            and declared.isdigit()
            and (len(declared) > 18 or int(declared) > self.settings.max_body_bytes)
        ):
            return self._too_large(path), receive
        try:
            preference = parse_prefer(headers.getlist("prefer"))
        except PreferError as error:
            return self._prefer_refused(scope, error), receive
        delay = self.settings.latency_ms + preference.delay_ms
        if delay:
            await asyncio.sleep(delay / 1000)
        if preference.forces_response:
            return self._forced(scope, match, preference), receive
        arguments, violations = self._read_query(match, scope)
        if match.operation.request_body is None:
            if violations:
                return self._invalid(path, violations), receive
            if self.serve is not None:
                return await self.serve(match.operation, arguments, path), receive
            # The body is ignored; without this, Connexion parses a form body and a
            # malformed multipart one (no boundary) becomes an undocumented 400.
            _drop_header(scope, b"content-type")
            return None, receive
        return await self._check_body(scope, receive, headers, match, arguments, violations)

    def _forced(self, scope: Scope, match: Match, preference: Preference) -> Response:
        assert match.operation is not None
        try:
            forced = forced_response(self.spec, match.operation, preference, match.allow)
        except PreferError as error:
            return self._prefer_refused(scope, error)
        mark_made_up(scope)
        applied = ", ".join(
            part
            for part in (
                f"code={preference.code}" if preference.code is not None else "",
                f"example={preference.example}" if preference.example else "",
            )
            if part
        )
        headers = {**forced.headers, "Preference-Applied": applied}
        if forced.media_type is None:
            return Response(status_code=forced.status, headers=headers)
        body = orjson.dumps(forced.body)
        return Response(body, forced.status, headers=headers, media_type=forced.media_type)

    @staticmethod
    def _prefer_refused(scope: Scope, error: PreferError) -> Response:
        mark_made_up(scope)
        violation = Violation("header", "/Prefer", str(error))
        return problem(400, str(error), instance=scope["path"], errors=[violation])

    def _read_query(self, match: Match, scope: Scope) -> tuple[dict[str, Any], list[Violation]]:
        """The handler's arguments (path and query, defaults filled in) and what is wrong."""
        assert match.operation is not None
        arguments: dict[str, Any] = dict(match.params)
        parameters = self.query_parameters[match.operation.operation_id]
        query_string = scope.get("query_string", b"")
        query = QueryParams(query_string.decode("latin-1")) if query_string else {}
        found: list[Violation] = []
        for parameter in parameters:
            if parameter.name not in query:
                if parameter.default is not NO_DEFAULT:
                    arguments[parameter.name] = parameter.default
                continue
            raw = query[parameter.name]
            pointer = f"/{parameter.name}"
            value = _coerce(raw, parameter.kind)
            if value is None:
                found.append(Violation("query", pointer, f"{raw!r} is not an {parameter.kind}"))
                continue
            found.extend(
                Violation("query", pointer, violation.message)
                for violation in parameter.validator.violations(value, "query")
            )
            arguments[parameter.name] = value
        return arguments, found

    async def _check_body(
        self,
        scope: Scope,
        receive: Receive,
        headers: Headers,
        match: Match,
        arguments: dict[str, Any],
        violations: list[Violation],
    ) -> tuple[Response | None, Receive]:
        assert match.operation is not None
        path = scope["path"]
        try:
            body = await _read_body(receive, self.settings.max_body_bytes)
        except BodyTooLarge:
            return self._too_large(path), receive
        except ClientDisconnected:
            return Response(status_code=400), receive
        replay = _replay(body, receive)
        content_type = headers.get("content-type")
        if content_type is None and not body.strip():
            detail = "A JSON body is required (Content-Type: application/json)."
            return problem(400, detail, instance=path), replay
        if content_type is None or not is_json_media_type(content_type):
            shown = "no Content-Type" if content_type is None else repr(content_type)
            detail = f"The body must be JSON (application/json), not {shown}."
            return problem(415, detail, instance=path), replay
        try:
            value = parse_json(body)
        except ValueError as error:
            detail = f"The body is not valid UTF-8 JSON: {error}."
            violation = Violation("body", "", str(error))
            return problem(400, detail, instance=path, errors=[violation]), replay
        validator = self.body_validators[match.operation.operation_id]
        if validator is not None:
            violations = violations + validator.violations(value, "body")
        if violations:
            return self._invalid(path, violations), replay
        if self.serve is not None:
            return await self.serve(match.operation, {**arguments, "body": value}, path), replay
        _set_header(scope, b"content-type", b"application/json")
        return None, replay

    @staticmethod
    def _invalid(path: str, violations: list[Violation]) -> Response:
        count = len(violations)
        places = "1 place" if count == 1 else f"{count} places"
        parts = sorted({violation.where for violation in violations})
        detail = f"The request breaks the schema in {places} ({', '.join(parts)})."
        return problem(400, detail, instance=path, errors=violations)

    def _too_large(self, path: str) -> Response:
        limit = self.settings.max_body_bytes
        return problem(413, f"The request body is larger than {limit} bytes.", instance=path)


def query_parameters_of(
    spec: Spec, validators: Validators, operation: Operation
) -> list[QueryParameter]:
    """The query parameters of an operation (path level and its own), compiled."""
    item = spec.document["paths"][operation.path]
    found: list[QueryParameter] = []
    for parameter in [*item.get("parameters", []), *operation.definition.get("parameters", [])]:
        resolved = spec.resolve(parameter)
        if resolved.get("in") != "query":
            continue
        schema = resolved.get("schema", {})
        resolved_schema = spec.resolve(schema)
        validator = validators.compile(resolved_schema)
        kind = resolved_schema.get("type")
        default = resolved_schema.get("default", NO_DEFAULT)
        found.append(QueryParameter(resolved["name"], kind, validator, default))
    return found


def _coerce(raw: str, kind: str | None) -> Any:
    """A query string value in the type its schema says; None when it is not one."""
    if kind == "integer":
        try:
            return int(raw) if INTEGER.fullmatch(raw) else None
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            return None
    return raw


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Callable[[], Any]:
    """A `receive` that hands the already-read body downstream once, then defers."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _drop_header(scope: Scope, name: bytes) -> None:
    scope["headers"] = [(key, val) for key, val in scope["headers"] if key != name]


def _set_header(scope: Scope, name: bytes, value: bytes) -> None:
    _drop_header(scope, name)
    scope["headers"].append((name, value))
