"""Connexion's part of the mock: Swagger UI, the spec, and the operations when the fast path is off.

Importing Connexion costs more than the rest of the mock (about 0.12 s and
16 MB here) and the fast path does not need it, so `LazyConnexion` builds the
app on the first request that reaches it: startup stays short, and memory
grows only for someone who opens Swagger UI. Lifespan events never build it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from .spec import Spec
from .store import RoomError


def build_connexion_app(spec: Spec, resolve: Callable[[str], Any]) -> ASGIApp:
    """Connexion's AsyncApp over the spec, less what the mock does itself or does not use.

    Left out: security (the spec has none) and request/response validation
    (guard.py, strict.py).
    """
    from connexion import AsyncApp
    from connexion.middleware.context import ContextMiddleware
    from connexion.middleware.exceptions import ExceptionMiddleware
    from connexion.middleware.lifespan import LifespanMiddleware
    from connexion.middleware.routing import RoutingMiddleware
    from connexion.middleware.server_error import ServerErrorMiddleware
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware
    from connexion.options import SwaggerUIOptions
    from connexion.resolver import Resolver

    from .handlers import room_error_to_problem

    middlewares = [
        ServerErrorMiddleware,
        ExceptionMiddleware,
        SwaggerUIMiddleware,
        RoutingMiddleware,
        LifespanMiddleware,
        ContextMiddleware,
    ]
    app = AsyncApp(__name__, middlewares=middlewares)
    app.add_api(
        spec.document,
        resolver=Resolver(function_resolver=resolve),
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
    )
    app.add_error_handler(RoomError, room_error_to_problem)
    return app


class LazyConnexion:
    """ASGI: builds the Connexion app on its first HTTP request; answers lifespan itself."""

    def __init__(self, build: Callable[[], ASGIApp], *, eager: bool = False) -> None:
        self._build = build
        self._app: ASGIApp | None = build() if eager else None

    @property
    def app(self) -> ASGIApp:
        if self._app is None:
            self._app = self._build()
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan" and self._app is None:
            await _lifespan(receive, send)
        else:
            await self.app(scope, receive, send)


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop: acknowledge both."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
