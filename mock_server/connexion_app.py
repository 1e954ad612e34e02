"""Connexion's part of the mock: Swagger UI and the spec as JSON, nothing else.

The API's operations never reach Connexion (api.py answers them); Connexion
builds its app from the same spec, with the dispatcher's handlers resolved by
operationId, and serves `/api/v1/ui/` and `/api/v1/openapi.json`.

Importing Connexion costs more than the rest of the mock (about 0.12 s and
16 MB here), so `LazyConnexion` builds the app on the first request that
reaches it: startup stays short, and memory grows only for someone who opens
Swagger UI. Lifespan events never build it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from rooms_spec import Spec

UI_PATHS = ("/ui", "/openapi.json", "/openapi.yaml")


def build_connexion_app(spec: Spec, resolve: Callable[[str], Any]) -> ASGIApp:
    """Connexion's AsyncApp over the spec, with only the middlewares Swagger UI needs."""
    from connexion import AsyncApp
    from connexion.middleware.exceptions import ExceptionMiddleware
    from connexion.middleware.server_error import ServerErrorMiddleware
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware
    from connexion.options import SwaggerUIOptions
    from connexion.resolver import Resolver

    middlewares = [ServerErrorMiddleware, ExceptionMiddleware, SwaggerUIMiddleware]
    app = AsyncApp(__name__, middlewares=middlewares)
    app.add_api(
        spec.document,
        resolver=Resolver(function_resolver=resolve),
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
    )
    return app


class LazyConnexion:
    """ASGI: builds the Connexion app on its first HTTP request; answers lifespan itself."""

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if self._app is None:
            self._app = self._build()
        await self._app(scope, receive, send)


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop: acknowledge both."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
