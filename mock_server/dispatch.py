"""Each operation of the spec served by the handler of its operationId.

The guard (guard.py) has matched the route, read the query and validated the
body; the dispatcher calls the handler with those arguments and turns a store
error into its problem. Handlers are bound once, at start, and each one's
signature is checked against its operation's parameters there, so a spec the
mock cannot serve fails at start in one line rather than as a 500 later.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable

from starlette.responses import Response

from rooms_spec import Operation, Spec, SpecError

from .guard import BoundRequest
from .handlers import RoomHandlers, room_error_response
from .responses import problem
from .store import RoomError

logger = logging.getLogger("mock_server.dispatch")

Handler = Callable[..., Awaitable[Response]]
INTERNAL_ERROR = "The server encountered an internal error and was unable to complete your request."


class Dispatcher:
    """Every operation of the spec bound to its handler."""

    def __init__(self, spec: Spec, handlers: RoomHandlers) -> None:
        self._handlers: dict[str, Handler] = {}
        unserved: list[str] = []
        for operation in spec.iter_operations():
            handler = handlers.resolve(operation.operation_id)
            problem = _unservable(spec, operation, handler)
            if handler is None or problem:
                unserved.append(f"{operation.label} ({problem})")
            else:
                self._handlers[operation.operation_id] = handler
        if unserved:
            raise SpecError(f"{spec.path}: the mock cannot serve {'; '.join(unserved)}")

    def handler_of(self, operation_id: str) -> Handler:
        return self._handlers[operation_id]

    async def __call__(self, request: BoundRequest) -> Response:
        """The handler's answer; a store error becomes its problem, anything else a 500."""
        handler = self._handlers[request.operation.operation_id]
        try:
            return await handler(**request.arguments)
        except RoomError as error:
            return room_error_response(error, request.path)
        except Exception:
            logger.exception("%s failed", request.operation.operation_id)
            return problem(500, INTERNAL_ERROR, instance=request.path)


def _unservable(spec: Spec, operation: Operation, handler: Handler | None) -> str | None:
    """Why the mock cannot serve an operation with `handler`, or None when the handler
    takes exactly the arguments the guard will pass."""
    if not operation.operation_id:
        return "no operationId"
    if handler is None:
        return f"no handler for operationId {operation.operation_id}"
    wanted = set(inspect.signature(handler).parameters)
    given = set(argument_names(spec, operation))
    if given != wanted:
        takes, gives = ", ".join(sorted(wanted)), ", ".join(sorted(given)) or "nothing"
        return f"its handler takes {takes}; the spec gives {gives}"
    return None


def argument_names(spec: Spec, operation: Operation) -> list[str]:
    """What the guard binds for an operation: its path and query parameters, and `body`."""
    names = [
        str(spec.resolve(entry).get("name"))
        for _pointer, entry in operation.parameter_entries()
        if spec.resolve(entry).get("in") in ("path", "query")
    ]
    return [*names, "body"] if operation.request_body is not None else names
