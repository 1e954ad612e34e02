"""The mock as one ASGI app: the spec's API, the frontend controls, Swagger UI, CORS.

CORS -> /_mock/*                 controls.py (reset, health, journal, verify, faults, page)
     -> /api/v1/ui, openapi.json Connexion (connexion_app.py)
     -> /api/v1/...              api.py: faults -> guard -> dispatcher -> handlers -> store
                                         -> journal
                                 or, on Redis, shared_api.py: the same through the rules
                                 and the journal every worker shares
                                 or, with --proxy, proxy.py: guard -> the backend -> judged

What a spec decides (validators, guard, dispatcher, Swagger UI) is built in one
piece, so `--watch` can swap in a changed spec between two requests; the store,
the journal and the fault rules outlive it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from .proxy import Proxy
    from .record import Recorder
    from .shared_faults import SharedFaults
    from .shared_journal import SharedJournal

from rooms_spec import Spec, SpecError, load_spec
from rooms_spec.validators import Validators

from .api import Api
from .connexion_app import UI_PATHS, LazyConnexion, build_connexion_app
from .controls import CONTROLS_PREFIX, Controls
from .cors import Cors
from .dispatch import Dispatcher
from .faults import Faults, load_rules_file
from .fixtures import FixtureError, default_fixtures_path, load_fixtures
from .guard import GuardSettings, RequestGuard
from .handlers import RoomHandlers
from .journal import DEFAULT_SIZE, Journal
from .live import Changes
from .proxy_settings import ProxySettings
from .records import JournalRecords, LocalJournal, LocalRules, RuleRecords
from .responses import problem
from .store import Room
from .stores import DEFAULT_PREFIX, MEMORY, Rooms, is_shared, open_rooms

EXPOSED_HEADERS = ["Location", "Allow", "Preference-Applied", "Retry-After"]
logger = logging.getLogger("mock_server.reload")


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
    journal_size: int = DEFAULT_SIZE
    faults_path: Path | None = None
    watch: bool = False
    store: str = MEMORY  # or redis://HOST:PORT/DB (stores.py)
    redis_prefix: str = DEFAULT_PREFIX
    proxy: ProxySettings | None = None
    allowed_hosts: tuple[str, ...] = ()
    """With `proxy`: more names the Host header may give (beside loopback and the bound host)."""


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


MAX_HOSTS_JUDGED = 64


def host_name(value: str) -> str:
    """The name of a Host header, without its port: `[::1]:4010` -> `[::1]`."""
    value = value.strip().lower()
    if value.startswith("["):
        return value.split("]", 1)[0] + "]"
    return value.split(":", 1)[0]


@dataclass(frozen=True)
class Served:
    """What one spec decides: its validators, the API over the store, Swagger UI."""

    spec: Spec
    validators: Validators
    api: Api
    ui: LazyConnexion
    ui_paths: tuple[str, ...]
    entry: ASGIApp  # what serves the API's paths: `api`, or on Redis the shared path


class MockServer:
    """The whole mock; `MockServer(settings)` raises SpecError, FixtureError or FaultError
    on bad input."""

    def __init__(self, settings: MockSettings | None = None) -> None:
        self.settings = settings or MockSettings()
        # openapi-spec-validator costs ~0.08 s and ~11 MB at every start; the bundled spec is
        # checked by the tests and `rooms-contract lint`, so only a spec given is validated.
        given = self.settings.spec_path
        spec = load_spec(given, validate=given is not None)
        self.store: Rooms = open_rooms(
            self.settings.store,
            seed=self.settings.seed,
            max_rooms=self.settings.max_rooms,
            prefix=self.settings.redis_prefix,
            fixtures=self.load_fixture_rooms,
        )
        validators = Validators(spec)
        rules = self.settings.faults_path
        start_rules = load_rules_file(rules, spec, validators) if rules else []
        # On Redis (and not in front of a backend, which runs in one process) the journal
        # and the rules are every worker's; the memory ones then stay empty and off.
        self.shared: tuple[SharedJournal, SharedFaults] | None = None
        shared = is_shared(self.settings.store) and self.settings.proxy is None
        self.journal = Journal(0 if shared else self.settings.journal_size)
        self.faults = Faults(() if shared else start_rules)
        self.requests: JournalRecords = LocalJournal(self.journal)
        self.rules: RuleRecords = LocalRules(self.faults)
        if shared:
            self.shared = self._shared(start_rules)
            self.requests, self.rules = self.shared
        self.changes = Changes(lambda: self.requests.last_id)
        self.served = self._serve(spec, validators)
        self.started_with = self.store.start(self.load_fixture_rooms())
        if self.shared is not None:  # once, before the workers fork
            fresh = not getattr(self.store, "joined", False)
            self.shared[0].start(fresh)
            self.shared[1].start_rules(fresh)
        self.controls = Controls(self)
        self.proxy: Proxy | None = None
        self.recorder: Recorder | None = None
        self.allowed_hosts = set(LOOPBACK_NAMES)
        # Host values as sent, and whether each is allowed: a client sends the same one on
        # every request (bounded: a client may send any).
        self._hosts_judged: dict[bytes, bool] = {}
        proxying = self.settings.proxy
        if proxying is not None:
            from .proxy import Proxy  # its client and judges: only a proxy loads them
            from .record import Recorder

            if proxying.record_dir is not None:
                self.recorder = Recorder(
                    proxying.record_dir, self.validators, self.settings.max_rooms
                )
            self.proxy = Proxy(proxying, lambda: self.served.api, self.journal, self.recorder)
            self.allow_hosts(self.settings.allowed_hosts)
        # A proxy holds real credentials: credentialed CORS only for the origins listed.
        credentials = proxying is None or "*" not in self.settings.cors_origins
        self.app = Cors(
            self._route,
            allow_origins=list(self.settings.cors_origins),
            allow_credentials=credentials,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )

    def _shared(self, start_rules: list[dict[str, Any]]) -> tuple[SharedJournal, SharedFaults]:
        from .redis_store import RedisRooms
        from .shared_faults import SharedFaults
        from .shared_journal import SharedJournal

        assert isinstance(self.store, RedisRooms), "a shared store is on Redis"
        return SharedJournal(self.store, self.settings.journal_size), SharedFaults(
            self.store, start_rules
        )

    def as_worker(self, number: int) -> None:
        """In worker `number` (1 to --workers): its journal entries say so."""
        if self.shared is not None:
            self.shared[0].worker = number

    def _serve(self, spec: Spec, validators: Validators | None = None) -> Served:
        """Everything built from a spec; raises SpecError for a spec the mock cannot serve."""
        validators = validators or Validators(spec)
        handlers = RoomHandlers(self.store, spec.base_path)
        dispatcher = Dispatcher(spec, handlers)
        guard = RequestGuard(
            spec, validators, GuardSettings(self.settings.max_body_bytes, self.settings.latency_ms)
        )
        api = Api(
            spec,
            validators,
            guard,
            dispatcher,
            self.settings.strict,
            self.journal,
            self.faults,
            self.changes.notify,
        )
        ui = LazyConnexion(lambda: build_connexion_app(spec, dispatcher.handler_of))
        entry: ASGIApp = api
        if self.shared is not None:
            from .shared_api import SharedApi

            entry = SharedApi(api, *self.shared)
        ui_paths = tuple(f"{spec.base_path}{p}" for p in UI_PATHS)
        return Served(spec, validators, api, ui, ui_paths, entry)

    @property
    def spec(self) -> Spec:
        return self.served.spec

    @property
    def validators(self) -> Validators:
        return self.served.validators

    @property
    def api(self) -> Api:
        return self.served.api

    @property
    def ui(self) -> LazyConnexion:
        return self.served.ui

    def load_fixture_rooms(self) -> list[Room]:
        """The rooms of the fixture files, read from disk now (at start and on every reset)."""
        fixtures = self.settings.fixtures
        return load_fixtures(fixtures, self.validators) if fixtures is not None else []

    async def reset(self, rooms: list[Room]) -> None:
        """Back to the start: these rooms, an empty journal, the fault rules of the start."""
        await self.store.reset(rooms)
        await self.requests.clear()
        await self.rules.reset()
        self.changes.notify()

    # -- live reload (watch.py calls these) ---------------------------------------------

    async def reload_fixtures(self) -> bool:
        """Load the fixture files again, keeping the journal; a bad file keeps the rooms."""
        try:
            rooms = self.load_fixture_rooms()
        except FixtureError as error:
            logger.warning("%s; kept the running rooms", error)
            return False
        await self.store.reset(rooms)
        self.changes.notify()
        logger.info("reloaded %s: %d room(s)", self.settings.fixtures, len(rooms))
        return True

    def reload_spec(self) -> bool:
        """Serve the `--spec` file again; a bad one keeps the running spec."""
        path = self.settings.spec_path
        if path is None:
            return False
        try:
            served = self._serve(load_spec(path, validate=True))
        except SpecError as error:
            logger.warning("%s; kept the running spec", error)
            return False
        self.served = served
        self.changes.notify()
        logger.info("reloaded %s: %d operation(s)", path, len(served.spec.operations))
        return True

    # -- ASGI ---------------------------------------------------------------------------

    def allow_hosts(self, names: Iterable[str]) -> None:
        """Host names requests may give in proxy mode (the bound address, `--allowed-host`)."""
        self.allowed_hosts.update(host_name(name) for name in names if name)
        self._hosts_judged.clear()

    def finish(self) -> list[str]:
        """On stop, in proxy mode: write the recorded rooms; the summary's lines."""
        if self.proxy is None:
            return []
        if self.recorder is not None:
            self.recorder.write()
        return self.proxy.report.lines(str(self.proxy.backend))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.proxy is not None and scope["type"] == "http" and not self._host_allowed(scope):
            host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1")
            detail = f"This proxy answers requests for {', '.join(sorted(self.allowed_hosts))}"
            detail += f", not for Host {host!r}." if host else ", and this one gives no Host."
            await problem(421, detail, instance=scope["path"])(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def lane_takes(self, path: str) -> bool:
        """Is `path` one the proxy answers (lane.py may then serve it past uvicorn's cycle)?
        Not the Swagger UI's, nor the controls' (their live stream never ends), even under
        a spec whose base path is `/`."""
        served = self.served
        base_path = served.spec.base_path
        return (
            self.proxy is not None
            and path.startswith(base_path)
            and path[len(base_path) : len(base_path) + 1] == "/"
            and not path.startswith(served.ui_paths)
            and not path.startswith(CONTROLS_PREFIX)
        )

    def _host_allowed(self, scope: Scope) -> bool:
        """DNS rebinding: a page of another site reaches 127.0.0.1 under its own name."""
        for name, value in scope.get("headers", []):
            if name == b"host":
                judged = self._hosts_judged.get(value)
                if judged is None:
                    judged = host_name(value.decode("latin-1")) in self.allowed_hosts
                    if len(self._hosts_judged) >= MAX_HOSTS_JUDGED:
                        self._hosts_judged.clear()
                    self._hosts_judged[value] = judged
                return judged
        return False

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        served = self.served
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] != "http" or path.startswith(served.ui_paths):
            await served.ui(scope, receive, send)
        elif path.startswith(CONTROLS_PREFIX) and path[
            len(CONTROLS_PREFIX) : len(CONTROLS_PREFIX) + 1
        ] in ("", "/"):
            await self.controls(scope, receive, send)
        elif self.proxy is not None:
            await self.proxy(scope, receive, send)
            self.changes.notify()
        else:
            await served.entry(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Start watching the files at startup (with `--watch`), stop at shutdown."""
        from .watch import Watcher

        watcher: Watcher | None = None
        task: asyncio.Task[None] | None = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.settings.watch:
                    watcher = Watcher(self)
                    task = asyncio.create_task(watcher.run())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if watcher is not None and task is not None:
                    await watcher.stop(task)
                if self.proxy is not None:
                    await self.proxy.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(settings: MockSettings | None = None) -> MockServer:
    return MockServer(settings)
