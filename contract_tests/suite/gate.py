"""What the suite's concurrent checks share beyond the server: a signal to stop, and a gate that
holds the set of rooms still while one check reads it in several requests.

The checks of a run go on at once (`pool.py`), and most of them create and delete rooms. A
check that pages through List (pages are disjoint and together complete) needs the rooms to
stay put between its requests; it takes the gate `alone`, and every request that creates or
deletes a room waits at the gate (`changing`) until it is done. With `--workers N` the gate
holds across the run's processes too (`share`: file locks every worker takes beside its own
gate). Other clients of a shared server are not held: the checks retry for them
(`checks.settled`). Only the standard library.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext

try:
    import fcntl
except ImportError:  # not POSIX: the gate holds within a process only
    fcntl = None  # type: ignore[assignment]

WAKE_S = 0.1
LOCK_WAKE_S = 0.002
"""How often a thread waiting for another worker's file lock looks again (and at STOP)."""


class Cancelled(BaseException):
    """The run is stopping (fail-fast found a violation, or the run was interrupted): a check
    still going gives up at its next request. A BaseException, so Hypothesis does not take it
    for a failure to shrink."""


STOP = threading.Event()


def check_stop() -> None:
    if STOP.is_set():
        raise Cancelled("the run is stopping")


class Gate:
    """Many may change the room set at once; one may hold it still, and then none may change it.

    A thread that holds it still may change it itself (its own creates do not wait)."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._changing = 0
        self._holder: int | None = None
        self._waiting = 0
        self._shared: str | None = None

    def share(self, folder: str | None) -> None:
        """Hold the gate across processes too: those given the same `folder` (the workers of
        one run; `shared_folder` makes it). A process first passes its own gate, then the
        file locks: `changing` takes the folder's `gate` file shared, `alone` takes it
        exclusive; and `alone` first takes the `intent` file exclusive, which a changer
        passes through shared before it takes `gate`, so a check waiting to be alone is not
        starved by the other workers' creates."""
        self._shared = folder if fcntl is not None else None

    @contextmanager
    def _across(self, exclusive: bool) -> Iterator[None]:
        folder = self._shared
        if folder is None:
            yield
            return
        kind = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        with ExitStack() as held:
            intent = os.open(os.path.join(folder, "intent"), os.O_RDWR)
            held.callback(os.close, intent)
            _lock(intent, kind)
            gate = os.open(os.path.join(folder, "gate"), os.O_RDWR)
            held.callback(os.close, gate)  # closing the file releases its lock
            _lock(gate, kind)
            if not exclusive:
                fcntl.flock(intent, fcntl.LOCK_UN)
            yield

    @contextmanager
    def changing(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._lock:
            if self._holder == me:
                mine = False
            else:
                while self._holder is not None or self._waiting:
                    check_stop()
                    self._lock.wait(WAKE_S)
                self._changing += 1
                mine = True
        try:
            with self._across(exclusive=False) if mine else nullcontext():
                yield
        finally:
            if mine:
                with self._lock:
                    self._changing -= 1
                    self._lock.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._lock:
            if self._holder == me:
                raise RuntimeError("the gate is already held by this thread")
            self._waiting += 1
            try:
                while self._holder is not None or self._changing:
                    check_stop()
                    self._lock.wait(WAKE_S)
            finally:
                self._waiting -= 1
            self._holder = me
        try:
            with self._across(exclusive=True):
                yield
        finally:
            with self._lock:
                self._holder = None
                self._lock.notify_all()


def _lock(file: int, kind: int) -> None:
    """Take a file lock, looking every LOCK_WAKE_S whether the run is stopping meanwhile."""
    while True:
        try:
            fcntl.flock(file, kind | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            check_stop()
            time.sleep(LOCK_WAKE_S)


def shared_folder() -> str:
    """A new folder for one run's workers to share a gate in (`Gate.share`); the caller
    removes it (`shutil.rmtree`) when the run ends."""
    import tempfile

    folder = tempfile.mkdtemp(prefix="rooms-contract-gate-")
    for name in ("gate", "intent"):
        os.close(os.open(os.path.join(folder, name), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    return folder


ROOMS = Gate()
"""The gate of the room set of the target, for every check of this process."""
