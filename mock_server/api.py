r"""The API's one request path: faults, guard, dispatcher, (in strict mode) the check, journal.

    request -> [fault rule: delay, forced answer, broken connection]
            -> guard.check -> BoundRequest -> dispatcher -> handler -> store
                           \-> Answer (404, 405, 400, 413, 415, Prefer)
            -> [strict: the response checked against the spec] -> client
            -> [journal: the request and its answer recorded]

Every `/api/v1` request takes this path; nothing else calls a handler. With no
fault rules and the journal off it is exactly the guard and the dispatcher; the
journal adds one small record per request (see journal.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from rooms_spec import Operation, Spec
from rooms_spec.validators import Validators

from .dispatch import Dispatcher
from .faults import Faults, Rule, forced_answer, sample_answer
from .guard import BODY, Answer, BodyTooLarge, ClientDisconnected, RequestGuard, receive_body
from .handlers import StoreDown
from .journal import Journal
from .strict import strict_response
from .wire import break_connection, dribble, transport_of

logger = logging.getLogger("mock_server.api")
JSON_TYPE = [(b"content-type", b"application/json")]


@dataclass
class Api:
    """ASGI: the spec's operations, answered by the guard or by their handlers."""

    spec: Spec
    validators: Validators
    guard: RequestGuard
    dispatcher: Dispatcher
    strict: bool = False
    journal: Journal = field(default_factory=lambda: Journal(0))
    faults: Faults = field(default_factory=Faults)
    changed: Callable[[], None] = lambda: None  # tells the page something happened

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.faults.rules:
            await self._faulted(scope, receive, send)
        elif self.journal.size:
            await self._journaled(scope, receive, send)
        else:
            await self._plain(scope, receive, send)
        self.changed()

    async def _plain(self, scope: Scope, receive: Receive, send: Send) -> None:
        debug = logger.isEnabledFor(logging.DEBUG)
        started = time.perf_counter() if debug else 0.0
        try:
            response, _operation, _made_up = await self.answer(scope, receive)
        except ClientDisconnected:
            if debug:
                logger.debug("%s %s: the client left before its body was complete", *_line(scope))
            return  # there is no one to answer
        await response(scope, receive, send)
        if debug:
            _log(scope, response.status_code, started, _problem_summary(response))

    async def _journaled(self, scope: Scope, receive: Receive, send: Send) -> None:
        """`_plain`, written to the journal: every request's path while no fault rule is set
        (`_faulted` would do the same, with a dozen more steps per request).

        The request body reaches the journal through the scope (`guard.BODY`): whoever
        reads it, the guard or `_drain`, leaves it there."""
        arrived, started = time.time(), time.perf_counter()
        operation: Operation | None = None
        status: int | None = None
        headers: Sequence[tuple[bytes, bytes]] = ()
        body: bytes | memoryview = b""
        forced = False
        try:
            response, operation, forced = await self.answer(scope, receive)
            if forced and BODY not in scope:
                await self._drain(scope, receive)  # `Prefer` answered unread: the journal shows it
            status, headers, body = response.status_code, response.raw_headers, response.body
            await response(scope, receive, send)
        except ClientDisconnected:
            return  # there is no one to answer; the journal shows no status
        finally:
            operation_id = operation.operation_id if operation is not None else None
            self.journal.record(
                scope, arrived, started, operation_id, status, headers, body, None, forced
            )
        if logger.isEnabledFor(logging.DEBUG):
            _log(scope, status, started, _problem_summary(response))

    async def _faulted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The same answer through the fault rules, written to the journal when it is on."""
        arrived, started = time.time(), time.perf_counter()
        method, path = scope["method"], scope["path"]
        operation: Operation | None = None
        rule: Rule | None = None
        if self.faults.rules:
            match = self.guard.routes.match(path, method)
            operation = match.operation if match is not None else None
            rule = self.faults.pick(method, path, operation.operation_id if operation else None)
        status: int | None = None
        headers: list[tuple[bytes, bytes]] = []
        body = b""
        forced = False
        response: Response | None = None
        try:
            if rule is not None and (delay := rule.delay_s()):
                await asyncio.sleep(delay)
            if rule is not None and rule.fault is not None:
                forced = True
                await self._drain(scope, receive)
                sample_status, sample = sample_answer(self.spec, operation)
                transport = transport_of(receive)
                status, body = await break_connection(
                    rule.fault, transport, receive, send, sample_status, sample
                )
                headers = JSON_TYPE if status is not None else []
                return
            if rule is not None and rule.forces_answer:
                forced = True
                await self._drain(scope, receive)
                response = forced_answer(rule, self.spec, operation, path)
            else:
                response, operation, forced = await self.answer(scope, receive)
                if forced and self.journal.enabled and BODY not in scope:
                    await self._drain(
                        scope, receive
                    )  # `Prefer` answered unread: the journal shows it
            status, headers, body = response.status_code, response.raw_headers, bytes(response.body)
            if rule is not None and rule.dribble is not None:
                await dribble(response, send, rule.dribble["chunks"], rule.dribble["over_ms"])
            else:
                await response(scope, receive, send)
        except ClientDisconnected:
            return  # there is no one to answer; the journal shows no status
        finally:
            if self.journal.size:
                fault = rule.id if rule is not None else None
                operation_id = operation.operation_id if operation is not None else None
                self.journal.record(
                    scope, arrived, started, operation_id, status, headers, body, fault, forced
                )
            if logger.isEnabledFor(logging.DEBUG):
                suffix = "" if response is None else _problem_summary(response)
                if rule is not None:
                    suffix += f" (fault rule {rule.id})"
                _log(scope, status, started, suffix)

    async def _drain(self, scope: Scope, receive: Receive) -> None:
        """Read the body an answer forced by a rule does not need (for the journal),
        no further than the size limit."""
        with contextlib.suppress(BodyTooLarge):  # what was read is journaled
            await receive_body(scope, receive, self.guard.settings.max_body_bytes)

    async def answer(
        self, scope: Scope, receive: Receive
    ) -> tuple[Response, Operation | None, bool]:
        """The API's answer, the operation it was for, and whether it is the mock's own."""
        checked = await self.guard.check(scope, receive)
        if isinstance(checked, Answer):
            operation, response = checked.operation, checked.response
            if checked.made_up or operation is None:
                return response, operation, checked.made_up
        else:
            operation, response = checked.operation, await self.dispatcher(checked)
            if type(response) is StoreDown:  # the mock's own answer: its store is gone
                return response, operation, True
        if self.strict:
            response = strict_response(
                self.spec, self.validators, operation, response, scope["path"]
            )
        return response, operation, False


def _line(scope: Scope) -> tuple[str, str]:
    query = scope.get("query_string", b"").decode("latin-1")
    return scope["method"], scope["path"] + (f"?{query}" if query else "")


def _log(scope: Scope, status: int | None, started: float, suffix: str) -> None:
    elapsed = (time.perf_counter() - started) * 1000
    method, target = _line(scope)
    shown = "no answer" if status is None else str(status)
    logger.debug("%s %s -> %s in %.1f ms%s", method, target, shown, elapsed, suffix)


def _problem_summary(response: Response) -> str:
    """`: detail; /pointer message; ...` for a problem answer, nothing for others."""
    if response.media_type != "application/problem+json":
        return ""
    try:
        body = json.loads(bytes(response.body))
    except ValueError:
        return ""
    if not isinstance(body, dict):  # a fault rule may send any body
        return ""
    errors = "; ".join(
        f"{e.get('in')} {e.get('pointer') or '(whole)'}: {e.get('message')}"
        for e in body.get("errors", [])
        if isinstance(e, dict)
    )
    return f": {body.get('detail', '')}" + (f" [{errors}]" if errors else "")
