"""The mock as one ASGI app: the spec's API, the frontend controls, CORS.

    CORS -> /_mock/* controls
         -> [strict responses] -> request guard -> Connexion AsyncApp -> handlers -> store

Connexion resolves each operationId to a handler and serves Swagger UI; the
guard in front of it enforces the contract's edges of HTTP (see guard.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from .connexion_app import LazyConnexion, build_connexion_app
from .fixtures import FixtureError, default_fixtures_path, load_fixtures, rooms_from_document
from .guard import GuardSettings, RequestGuard
from .handlers import RoomHandlers, room_error_response
from .operations import Operations
from .responses import json_response, problem
from .spec import Spec, SpecError, load_spec
from .store import Room, RoomError, RoomStore
from .strict import StrictResponses
from .validators import Validators

CONTROLS_PREFIX = "/_mock"
EXPOSED_HEADERS = ["Location", "Allow", "Preference-Applied"]


@dataclass(frozen=True)
class MockSettings:
    """Everything the mock can be told at start (see `rooms-mock --help`)."""

    spec_path: Path | None = None
    fixtures: Path | None = field(default_factory=default_fixtures_path)
    seed: int | None = None
    latency_ms: int = 0
    cors_origins: tuple[str, ...] = ("*",)
    strict: bool = False
    max_rooms: int = 10_000
    max_body_bytes: int = 64 * 1024
    # The guard calls each handler itself (operations.py); False sends requests through
    # Connexion's own routing and parameter handling instead (same answers, slower).
    fast_path: bool = True


class MockServer:
    """The whole mock; `MockServer(settings)` raises SpecError or FixtureError on bad input."""

    def __init__(self, settings: MockSettings | None = None) -> None:
        self.settings = settings or MockSettings()
        # openapi-spec-validator costs ~0.08 s and ~11 MB at every start; the bundled spec is
        # checked by the tests and `rooms-contract lint`, so only a spec given is validated.
        given = self.settings.spec_path
        self.spec: Spec = load_spec(given, validate=given is not None)
        self.validators = Validators(self.spec)
        fixtures = self.settings.fixtures
        self.fixture_rooms: list[Room] = (
            load_fixtures(fixtures, self.validators) if fixtures is not None else []
        )
        self.store = RoomStore(seed=self.settings.seed, max_rooms=self.settings.max_rooms)
        self.store.reset(self.fixture_rooms)
        self.app = CORSMiddleware(
            self._dispatch,
            allow_origins=list(self.settings.cors_origins),
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )
        self.api = self._build_api()
        self.controls = Router(
            routes=[
                Route(f"{CONTROLS_PREFIX}/reset", self.reset, methods=["POST"]),
                Route(f"{CONTROLS_PREFIX}/health", self.health, methods=["GET"]),
            ]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(f"{CONTROLS_PREFIX}/"):
            await self.controls(scope, receive, send)
        else:
            await self.api(scope, receive, send)

    def _build_api(self) -> ASGIApp:
        base = self.spec.base_path
        handlers = RoomHandlers(self.store, base)
        unserved = [
            f"{operation.method.upper()} {operation.path}"
            for operation in self.spec.operations.values()
            if not handlers.serves(operation.operation_id)
        ]
        if unserved:
            listed = ", ".join(unserved)
            raise SpecError(f"{self.spec.path}: no operationId the mock serves for {listed}")
        connexion_app = LazyConnexion(
            lambda: build_connexion_app(self.spec, handlers.resolve),
            eager=not self.settings.fast_path,  # then Connexion serves every operation
        )
        passthrough = tuple(f"{base}{path}" for path in ("/ui", "/openapi.json", "/openapi.yaml"))
        guard_settings = GuardSettings(
            max_body_bytes=self.settings.max_body_bytes,
            latency_ms=self.settings.latency_ms,
            passthrough=passthrough,
        )
        serve = (
            Operations(self.spec, handlers.resolve, {RoomError: room_error_response})
            if self.settings.fast_path
            else None
        )
        app: ASGIApp = RequestGuard(
            connexion_app, self.spec, self.validators, guard_settings, serve=serve
        )
        if self.settings.strict:
            app = StrictResponses(app, self.spec, self.validators)
        return app

    # -- frontend controls -------------------------------------------------

    async def reset(self, request: Request) -> Response:
        """Restore the fixtures, or load the rooms of a `{"rooms": [...]}` body."""
        body = await request.body()
        rooms = self.fixture_rooms
        if body.strip():
            try:
                document: Any = orjson.loads(body)
                rooms = rooms_from_document(document, self.validators, "the reset body")
            except orjson.JSONDecodeError as error:
                return problem(
                    400, f"The reset body is not JSON: {error}.", instance=request.url.path
                )
            except FixtureError as error:
                return problem(400, str(error), instance=request.url.path)
        self.store.reset(rooms)
        return json_response({"rooms": len(self.store)})

    async def health(self, request: Request) -> Response:
        return json_response({"status": "ok", "rooms": len(self.store)})


def create_app(settings: MockSettings | None = None) -> MockServer:
    return MockServer(settings)
