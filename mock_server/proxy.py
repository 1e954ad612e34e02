r"""`rooms-mock --proxy URL`: the mock in front of a real backend, judging the traffic both ways.

    client -> guard (the mock's own request checks) -> backend (backend_client.py, a bounded pool)
           <- the answer, unchanged (+ Contract-Violations) <- judged: rooms_spec.answer_rules
                \-> [--fallback mock: the backend lacks the operation] the in-process mock
                \-> [--proxy-errors: a broken answer becomes a 502 problem; a broken request
                     gets the mock's own 400 and never reaches the backend]

A request the guard refuses is a finding on the client's side and (without `--proxy-errors`)
is forwarded all the same, so the backend's refusal is judged too (`invalid-rejected`). What
the guard answers itself in any mode: `Prefer` (the mock's forced answers), a body over
`--max-body-bytes` (413), a path outside the base path (404).

Every finding goes to the journal (masked like every entry; credentials are masked before they
are stored), to the log (one line each) and to the session's report (proxy_report.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from rooms_spec.answer_rules import CLIENT_REQUEST, broken, documented

from .api import Api
from .backend_client import BackendClient, BackendError
from .guard import Answer, BodyTooLarge, ClientDisconnected, parse_json, receive_body
from .journal import Finding, Journal, kept, masked_headers, masked_query, stored
from .proxy_report import Report, violations_header
from .proxy_settings import ProxyError, ProxySettings, check_backend_url
from .record import Recorder
from .responses import problem

logger = logging.getLogger("mock_server.proxy")

HOP_BY_HOP = frozenset(
    (
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    )
)
NOT_FORWARDED = HOP_BY_HOP | {b"host", b"content-length"}
NOT_PASSED_BACK = HOP_BY_HOP | {b"content-length"}  # of an answer whose length the proxy gives
VIOLATIONS_HEADER = b"contract-violations"
UNSERVED = frozenset((405, 501))
"""Statuses that say the backend does not serve an operation yet (and a 404, see `unserved`)."""
HttpHeaders = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Backend:
    """Where the backend is: its origin and its base path (`/api/v1`)."""

    scheme: str
    host: str
    port: int
    base_path: bytes

    @classmethod
    def of(cls, text: str) -> Backend:
        """From a `--proxy` URL, or a ProxyError."""
        parts = urlsplit(check_backend_url(text))
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            base_path = parts.path.encode("ascii")
        except (ValueError, UnicodeEncodeError) as error:
            raise ProxyError(f"--proxy {text!r}: {error}") from None
        assert parts.hostname is not None  # check_backend_url says so
        return cls(parts.scheme, parts.hostname, port, base_path.rstrip(b"/"))

    @cached_property  # asked on every request
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def __str__(self) -> str:
        return self.origin + self.base_path.decode("ascii")


_UNREAD = object()


class Forwarded:
    """The backend's answer to one forwarded request: as sent (`raw_*`, passed back unchanged)
    and as judged (`body` with its Content-Encoding undone).

    The judges ask for its headers, its media type and its JSON several times each, so the
    headers are read once into a dict (the first value of each name, as `header` gives),
    and the JSON parsed on first use. A plain class with slots: a frozen dataclass and
    `cached_property` (which takes a lock in Python 3.11) cost a proxied request more than
    most of its judges."""

    __slots__ = (
        "_headers",
        "_json",
        "body",
        "media_type",
        "method",
        "raw_body",
        "raw_headers",
        "status",
        "url",
    )

    def __init__(
        self, method: str, url: str, status: int, raw_headers: HttpHeaders, raw_body: bytes
    ) -> None:
        self.method, self.url, self.status = method, url, status
        self.raw_headers, self.raw_body = raw_headers, raw_body
        headers: dict[bytes, bytes] = {}
        for name, value in raw_headers:
            headers.setdefault(name.lower(), value)
        self._headers = headers
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        self.media_type = content_type.split(";", 1)[0].strip().lower()
        encoded = b"content-encoding" in headers
        self.body = _decoded(status, raw_headers, raw_body) if encoded else raw_body
        self._json: Any = _UNREAD

    def header(self, name: str) -> str | None:
        value = self._headers.get(name.lower().encode("latin-1"))
        return None if value is None else value.decode("latin-1")

    def json(self) -> Any:
        """The body's JSON value (None when it is not JSON); the same object every time."""
        if self._json is _UNREAD:
            try:
                self._json = parse_json(self.body)
            except ValueError:
                self._json = None
        return self._json

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


class BackendFailed(Exception):
    """The backend could not be asked or read: the proxy answers `status` itself."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class Exchange:
    """What one request through the proxy became, for the journal, the log and the report."""

    arrived: float
    started: float
    entry_id: int | None  # its journal entry (None: the journal is off)
    operation: str | None = None
    answered_by: str = "backend"
    findings: tuple[Finding, ...] = ()
    status: int | None = None
    headers: HttpHeaders | None = None
    body: bytes = b""


class Proxy:
    """ASGI for the API's paths in proxy mode; `api()` is the mock's current API (its guard
    checks requests, its handlers answer with `--fallback mock`)."""

    def __init__(
        self,
        settings: ProxySettings,
        api: Callable[[], Api],
        journal: Journal,
        recorder: Recorder | None = None,
    ) -> None:
        self.settings = settings
        self.backend = Backend.of(settings.url)
        self.api = api
        self.journal = journal
        self.recorder = recorder
        self.report = Report()
        self._client: BackendClient | None = None

    @property
    def client(self) -> BackendClient:
        """Made on first use, inside the server's event loop."""
        if self._client is None:
            backend, settings = self.backend, self.settings
            self._client = BackendClient(
                backend.scheme, backend.host, backend.port, settings.pool, settings.max_answer_bytes
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    # -- one request ----------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry_id = self.journal.next_id() if self.journal.enabled else None
        exchange = Exchange(time.time(), time.perf_counter(), entry_id)
        recorder = BodyRecorder(receive)
        try:
            await self._answer(scope, receive, recorder, send, exchange)
        except ClientDisconnected:
            exchange.status = None  # there is no one to answer
        finally:
            self._note(scope, recorder, exchange)

    async def _answer(
        self,
        scope: Scope,
        receive: Receive,
        recorder: BodyRecorder,
        send: Send,
        exchange: Exchange,
    ) -> None:
        api = self.api()
        base_path = api.spec.base_path
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        checked = await api.guard.check(scope, recorder)
        operation = checked.operation
        exchange.operation = operation.operation_id if operation is not None else None
        valid = not isinstance(checked, Answer)
        if isinstance(checked, Answer):
            mine = checked.made_up or checked.response.status_code == 413
            if mine or not raw_path.startswith(base_path.encode()):
                await self._mock_answers(checked.response, scope, receive, send, exchange)
                return
            exchange.findings = (_client_finding(checked.response),)
            if self.settings.errors:
                await self._mock_answers(checked.response, scope, receive, send, exchange)
                return
            if not recorder.complete and not await _drained(recorder, api):
                await self._mock_answers(
                    api.guard._too_large(scope["path"]), scope, receive, send, exchange
                )
                return
        body = b"".join(recorder.chunks)
        try:
            forwarded = await self._forward(scope, raw_path[len(base_path) :], body)
        except BackendFailed as failure:
            logger.warning("%s %s: %s", scope["method"], scope["path"], failure.detail)
            self.report.failed(failure.status)
            exchange.answered_by = "proxy"
            await self._send_response(
                problem(failure.status, failure.detail, instance=scope["path"]),
                scope,
                receive,
                send,
                exchange,
            )
            return
        if self.settings.fallback and operation is not None and unserved(forwarded, operation):
            exchange.answered_by = "mock"
            response, _operation, _made_up = await api.answer(scope, _replay(body, receive))
            await self._send_response(response, scope, receive, send, exchange)
            return
        said = documented(api.spec, api.validators, exchange.operation)
        found = [
            Finding(rule.id, "backend", problem_text)
            for rule, problem_text in broken(said, forwarded, valid)
        ]
        exchange.findings = (*exchange.findings, *found)
        if self.recorder is not None and not found and forwarded.status < 300:
            self.recorder.saw(exchange.operation, forwarded.status, scope["path"], forwarded.json())
        if found and self.settings.errors:
            errors = "; ".join(f"[{finding.rule}] {finding.message}" for finding in found)
            detail = (
                f"The backend's {forwarded.status} breaks the contract in {len(found)} "
                f"place(s): {errors}"
            )
            exchange.answered_by = "proxy"
            reply = problem(502, detail, instance=scope["path"])
            await self._send_response(reply, scope, receive, send, exchange)
            return
        # The body goes on whole, so its length is what it is (the backend may have chunked
        # it); a HEAD's and a 304's say what a GET would have had, and stay.
        framed = scope["method"] != "HEAD" and forwarded.status not in (204, 304)
        dropped = NOT_PASSED_BACK if framed else HOP_BY_HOP
        headers = [
            (name, value) for name, value in forwarded.raw_headers if name.lower() not in dropped
        ]
        if framed:
            headers.append((b"content-length", str(len(forwarded.raw_body)).encode()))
        if exchange.findings:
            headers.append(
                (VIOLATIONS_HEADER, violations_header(exchange.findings, exchange.entry_id))
            )
        exchange.status, exchange.headers, exchange.body = (
            forwarded.status,
            headers,
            forwarded.raw_body,
        )
        await send({"type": "http.response.start", "status": forwarded.status, "headers": headers})
        await send({"type": "http.response.body", "body": forwarded.raw_body})

    async def _mock_answers(
        self, response: Response, scope: Scope, receive: Receive, send: Send, exchange: Exchange
    ) -> None:
        exchange.answered_by = "mock"
        await self._send_response(response, scope, receive, send, exchange)

    async def _send_response(
        self,
        response: Response,
        scope: Scope,
        receive: Receive,
        send: Send,
        exchange: Exchange,
    ) -> None:
        if exchange.findings:
            value = violations_header(exchange.findings, exchange.entry_id).decode("ascii")
            response.headers["Contract-Violations"] = value
        exchange.status = response.status_code
        exchange.headers = response.raw_headers
        exchange.body = bytes(response.body)
        await response(scope, receive, send)

    async def _forward(self, scope: Scope, rest: bytes, body: bytes) -> Forwarded:
        """Ask the backend; BackendFailed when it cannot be reached, read or waited for."""
        query: bytes = scope.get("query_string", b"")
        target = self.backend.base_path + rest + (b"?" + query if query else b"")
        headers = _forwarded_headers(scope["headers"])
        method, timeout, origin = scope["method"], self.settings.timeout_s, self.backend.origin
        try:
            status, raw_headers, raw = await self.client.request(
                method, target, headers, body, timeout
            )
        except TimeoutError:
            raise BackendFailed(504, f"The backend did not answer within {timeout:g} s.") from None
        except BackendError as error:
            if error.kind == "too-large":
                raise BackendFailed(502, str(error)) from None
            if error.kind == "connect":
                detail = f"The backend at {origin} cannot be reached: {error}."
                raise BackendFailed(502, detail) from None
            raise BackendFailed(502, f"The backend at {origin} {error}.") from None
        url = origin + target.decode("latin-1")
        return Forwarded(method, url, status, raw_headers, raw)

    # -- the record of one request ---------------------------------------------------------

    def _note(self, scope: Scope, recorder: BodyRecorder, exchange: Exchange) -> None:
        method, path, entry_id = scope["method"], scope["path"], exchange.entry_id
        self.report.seen(exchange.operation, exchange.answered_by, exchange.findings)
        for finding in exchange.findings:
            logger.warning(
                "contract: %s %s -> %s [%s broke %s] %s (journal entry %s)",
                method,
                path,
                exchange.status if exchange.status is not None else "no answer",
                finding.side,
                finding.rule,
                finding.message,
                entry_id if entry_id is not None else "off",
            )
        if entry_id is None:
            return
        query: bytes = scope.get("query_string", b"")
        self.journal.keep(  # an Entry's fields, in its order
            (
                entry_id,
                exchange.arrived,
                method,
                path,
                masked_query(query).encode("latin-1") if query else b"",
                masked_headers(scope.get("headers", [])),
                kept(b"".join(recorder.chunks)),
                exchange.operation,
                exchange.status,
                masked_headers(exchange.headers or []),
                kept(exchange.body),
                (time.perf_counter() - exchange.started) * 1000,
                None,
                exchange.answered_by != "backend",
                exchange.answered_by,
                stored(exchange.findings),
            )
        )


class BodyRecorder:
    """`receive` that also keeps the body's chunks (to forward them), and knows whether
    the body has arrived whole (reading on after that would wait for the next request)."""

    __slots__ = ("chunks", "complete", "receive")

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.chunks: list[bytes] = []
        self.complete = False

    async def __call__(self) -> Message:
        message = await self.receive()
        body = message.get("body")
        if body:
            self.chunks.append(body)
        if not message.get("more_body", False):
            self.complete = True
        return message


def unserved(forwarded: Forwarded, operation: Any) -> bool:
    """Does the answer say the backend lacks the operation? A 405 or 501; or a 404 for the
    route itself: on a path without parameters (no room to be missing), or a 404 that is not
    the contract's problem+json (a framework's page for an unknown route)."""
    if forwarded.status in UNSERVED:
        return True
    if forwarded.status != 404:
        return False
    return "{" not in operation.path or forwarded.media_type != "application/problem+json"


def _client_finding(refusal: Response) -> Finding:
    """The guard's refusal as a finding on the client's side: its detail and its errors."""
    try:
        body = orjson.loads(bytes(refusal.body))
    except orjson.JSONDecodeError:
        body = {}
    errors = body.get("errors") or []
    parts = [
        f"{error.get('in')} {error.get('pointer') or '(whole)'}: {error.get('message')}"
        for error in errors
        if isinstance(error, dict)
    ]
    message = f"the mock answers {refusal.status_code}: {body.get('detail', '')}"
    return Finding(
        CLIENT_REQUEST.id, "client", message + (f" [{'; '.join(parts)}]" if parts else "")
    )


async def _drained(recorder: BodyRecorder, api: Api) -> bool:
    """Read the rest of a refused request's body, to forward it; False past the size limit."""
    rest = api.guard.settings.max_body_bytes - sum(len(chunk) for chunk in recorder.chunks)
    try:
        await receive_body({}, recorder, rest)  # the recorder keeps the chunks
    except BodyTooLarge:
        return False
    return True


def _decoded(status: int, headers: HttpHeaders, raw: bytes) -> bytes:
    """The body with its Content-Encoding undone (httpx's decoders); as sent if it cannot be."""
    import httpx  # its decoders (gzip, deflate, and br when brotli is installed)

    try:
        return httpx.Response(status, headers=headers, content=raw).content
    except httpx.DecodingError:
        return raw


def _forwarded_headers(headers: HttpHeaders) -> HttpHeaders:
    """The request's headers less the hop-by-hop ones, those a `Connection` header names
    (hop-by-hop too, RFC 9110 7.6.1) and those the proxy writes itself. ASGI gives header
    names in lower case."""
    dropped = NOT_FORWARDED
    for name, value in headers:
        if name == b"connection":
            dropped = dropped | {part.strip().lower() for part in value.split(b",")}
    return [(name, value) for name, value in headers if name not in dropped]


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` that gives the body already read once, then waits on the connection."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
