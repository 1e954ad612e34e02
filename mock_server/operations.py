"""The spec's operations served straight from the guard, each by the handler of its operationId.

By the time the guard lets a request through it has matched the route, read
the query and validated the body; Connexion's routing, context and parameter
decorators would only do that work again, and they cost more than the handlers
themselves. This calls the same handler Connexion resolves for the operationId,
with the arguments Connexion would pass: path parameters, query parameters
(spec defaults filled in) and `body`. Connexion still serves Swagger UI and the
spec, and serves the operations itself when this is turned off.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from .responses import problem
from .spec import Operation, Spec

logger = logging.getLogger("mock_server.operations")

Handler = Callable[..., Awaitable[Response]]
ErrorHandler = Callable[[Exception, str], Response]
INTERNAL_ERROR = "The server encountered an internal error and was unable to complete your request."


@dataclass(frozen=True)
class _Bound:
    function: Handler
    names: frozenset[str] | None  # the keyword arguments it takes; None takes any

    def arguments(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """What Connexion passes: only the arguments the function declares."""
        if self.names is None:
            return dict(given)
        return {name: value for name, value in given.items() if name in self.names}


def _bind(function: Handler) -> _Bound:
    parameters = inspect.signature(function).parameters.values()
    if any(parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters):
        return _Bound(function, None)
    return _Bound(function, frozenset(parameter.name for parameter in parameters))


class Operations:
    """Every operation of the spec bound to its handler once, at start."""

    def __init__(
        self,
        spec: Spec,
        resolve: Callable[[str], Handler],
        errors: Mapping[type[Exception], ErrorHandler],
    ) -> None:
        self._bound = {
            operation_id: _bind(resolve(operation_id)) for operation_id in spec.operations
        }
        self._errors = dict(errors)

    async def __call__(
        self, operation: Operation, arguments: Mapping[str, Any], path: str
    ) -> Response:
        """The handler's answer; a handled error becomes its problem, anything else a 500."""
        bound = self._bound[operation.operation_id]
        try:
            return await bound.function(**bound.arguments(arguments))
        except Exception as error:
            for kind, on_error in self._errors.items():
                if isinstance(error, kind):
                    return on_error(error, path)
            logger.exception("%s failed", operation.operation_id)
            return problem(500, INTERNAL_ERROR, instance=path)
