"""The mock as one ASGI app: the spec's API, the frontend controls, Swagger UI, CORS.

CORS -> /_mock/*                 controls.py (reset, health)
     -> /api/v1/ui, openapi.json Connexion (connexion_app.py)
     -> /api/v1/...              api.py: guard -> dispatcher -> handlers -> store
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from starlette.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

from rooms_spec import Spec, load_spec
from rooms_spec.validators import Validators

from .api import Api
from .connexion_app import UI_PATHS, LazyConnexion, build_connexion_app
from .controls import CONTROLS_PREFIX, Controls
from .dispatch import Dispatcher
from .fixtures import default_fixtures_path, load_fixtures
from .guard import GuardSettings, RequestGuard
from .handlers import RoomHandlers
from .store import Room, RoomStore

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


class MockServer:
    """The whole mock; `MockServer(settings)` raises SpecError or FixtureError on bad input."""

    def __init__(self, settings: MockSettings | None = None) -> None:
        self.settings = settings or MockSettings()
        # openapi-spec-validator costs ~0.08 s and ~11 MB at every start; the bundled spec is
        # checked by the tests and `rooms-contract lint`, so only a spec given is validated.
        given = self.settings.spec_path
        self.spec: Spec = load_spec(given, validate=given is not None)
        self.validators = Validators(self.spec)
        self.store = RoomStore(seed=self.settings.seed, max_rooms=self.settings.max_rooms)
        self.store.reset(self.load_fixture_rooms())
        handlers = RoomHandlers(self.store, self.spec.base_path)
        dispatcher = Dispatcher(self.spec, handlers)
        guard = RequestGuard(
            self.spec,
            self.validators,
            GuardSettings(self.settings.max_body_bytes, self.settings.latency_ms),
        )
        self.api = Api(self.spec, self.validators, guard, dispatcher, self.settings.strict)
        self.ui = LazyConnexion(lambda: build_connexion_app(self.spec, dispatcher.handler_of))
        self.ui_paths = tuple(f"{self.spec.base_path}{path}" for path in UI_PATHS)
        self.controls = Controls(self.store, self.validators, self.load_fixture_rooms)
        self.app = CORSMiddleware(
            self._route,
            allow_origins=list(self.settings.cors_origins),
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )

    def load_fixture_rooms(self) -> list[Room]:
        """The rooms of the fixture files, read from disk now (at start and on every reset)."""
        fixtures = self.settings.fixtures
        return load_fixtures(fixtures, self.validators) if fixtures is not None else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(self.ui_paths):
            await self.ui(scope, receive, send)
        elif path.startswith(f"{CONTROLS_PREFIX}/") or path == CONTROLS_PREFIX:
            await self.controls(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def create_app(settings: MockSettings | None = None) -> MockServer:
    return MockServer(settings)
