"""What the suite's concurrent checks share beyond the server: a signal to stop, and a gate that
holds the set of rooms still while one check reads it in several requests.

The checks of a run go on at once (`pool.py`), and most of them create and delete rooms. A
check that pages through List (pages are disjoint and together complete) needs the rooms to
stay put between its requests; it takes the gate `alone`, and every request that creates or
deletes a room waits at the gate (`changing`) until it is done. Other clients of a shared
server are not held: the checks retry for them (`checks.settled`). Only the standard library.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

WAKE_S = 0.1


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
            yield
        finally:
            with self._lock:
                self._holder = None
                self._lock.notify_all()


ROOMS = Gate()
"""The gate of the room set of the target, for every check of this process."""
