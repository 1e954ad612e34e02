r"""The API's one request path: guard, then dispatcher, then (in strict mode) the check.

    request -> guard.check -> BoundRequest -> dispatcher -> handler -> store
                           \-> Answer (404, 405, 400, 413, 415, Prefer)
            -> [strict: the response checked against the spec] -> client

Every `/api/v1` request takes this path; nothing else calls a handler.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from rooms_spec import Spec
from rooms_spec.validators import Validators

from .dispatch import Dispatcher
from .guard import Answer, ClientDisconnected, RequestGuard
from .strict import strict_response

logger = logging.getLogger("mock_server.api")


@dataclass
class Api:
    """ASGI: the spec's operations, answered by the guard or by their handlers."""

    spec: Spec
    validators: Validators
    guard: RequestGuard
    dispatcher: Dispatcher
    strict: bool = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        debug = logger.isEnabledFor(logging.DEBUG)
        started = time.perf_counter() if debug else 0.0
        try:
            response = await self.answer(scope, receive)
        except ClientDisconnected:
            if debug:
                logger.debug("%s %s: the client left before its body was complete", *_line(scope))
            return  # there is no one to answer
        await response(scope, receive, send)
        if debug:
            elapsed = (time.perf_counter() - started) * 1000
            method, target = _line(scope)
            logger.debug(
                "%s %s -> %d in %.1f ms%s",
                method,
                target,
                response.status_code,
                elapsed,
                _problem_summary(response),
            )

    async def answer(self, scope: Scope, receive: Receive) -> Response:
        checked = await self.guard.check(scope, receive)
        if isinstance(checked, Answer):
            operation, response = checked.operation, checked.response
            if checked.made_up or operation is None:
                return response
        else:
            operation, response = checked.operation, await self.dispatcher(checked)
        if self.strict:
            return strict_response(self.spec, self.validators, operation, response, scope["path"])
        return response


def _line(scope: Scope) -> tuple[str, str]:
    query = scope.get("query_string", b"").decode("latin-1")
    return scope["method"], scope["path"] + (f"?{query}" if query else "")


def _problem_summary(response: Response) -> str:
    """`: detail; /pointer message; ...` for a problem answer, nothing for others."""
    if response.media_type != "application/problem+json":
        return ""
    import json

    body = json.loads(bytes(response.body))
    errors = "; ".join(
        f"{e['in']} {e['pointer'] or '(whole)'}: {e['message']}" for e in body.get("errors", [])
    )
    return f": {body.get('detail', '')}" + (f" [{errors}]" if errors else "")
