"""`--watch`: reload the fixture files, and the `--spec` file, when they change on disk.

watchfiles (Rust's notify, which uvicorn's own `--reload` uses) watches the folders
that hold them, not recursively: editors save by writing a new file and renaming it
over the old, which a watch on the file itself would lose, and a spec at the top of
a repository must not mean watching `node_modules/`. A change is applied once it has
been quiet for `QUIET_MS`; a file that does not load keeps the running state and
logs one line naming it and the problem (see MockServer.reload_fixtures).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import MockServer

logger = logging.getLogger("mock_server.reload")
QUIET_MS = 50
STOP_WAIT_S = 2.0


class Watcher:
    """Watches one mock's fixture files and spec; `run` until `stop`."""

    def __init__(self, server: MockServer) -> None:
        self.server = server
        settings = server.settings
        self.fixtures = settings.fixtures.resolve() if settings.fixtures is not None else None
        self.spec = settings.spec_path.resolve() if settings.spec_path is not None else None
        self._stop = asyncio.Event()

    def folders(self) -> list[Path]:
        found: set[Path] = set()
        if self.fixtures is not None:
            found.add(self.fixtures if self.fixtures.is_dir() else self.fixtures.parent)
        if self.spec is not None:
            found.add(self.spec.parent)
        return sorted(found)

    def is_fixture(self, path: Path) -> bool:
        if self.fixtures is None:
            return False
        if self.fixtures.is_dir():
            return path.parent == self.fixtures and path.suffix == ".json"
        return path == self.fixtures

    def relevant(self, _change: object, name: str) -> bool:
        path = Path(name)
        return path == self.spec or self.is_fixture(path)

    async def run(self) -> None:
        from watchfiles import awatch

        logging.getLogger("watchfiles").setLevel(logging.WARNING)  # not "1 change detected"
        folders = self.folders()
        if not folders:
            logger.warning("--watch: nothing to watch (no fixture files and no --spec)")
            return
        logger.info("watching %s", ", ".join(str(folder) for folder in folders))
        async for changes in awatch(
            *folders,
            watch_filter=self.relevant,
            step=QUIET_MS,
            recursive=False,
            stop_event=self._stop,
        ):
            await self.apply({Path(name) for _change, name in changes})

    async def apply(self, changed: set[Path]) -> None:
        """The spec first (the fixtures are checked against it), then the fixtures."""
        try:
            if self.spec is not None and self.spec in changed:
                self.server.reload_spec()
            if any(self.is_fixture(path) for path in changed):
                await self.server.reload_fixtures()
        except Exception as error:  # a reload must never stop the watching, nor the mock
            logger.error("reload failed: %s: %s", type(error).__name__, error)

    async def stop(self, task: asyncio.Task[None]) -> None:
        self._stop.set()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(task, STOP_WAIT_S)
