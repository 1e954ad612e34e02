"""`--workers N`: N server processes on one port, each with its own listening socket.

The mock is built once (spec, fixtures, and the shared store started), then
forked N times; each worker accepts on its own SO_REUSEPORT socket, so the
kernel spreads the connections over the workers evenly (one shared socket
lets whichever worker wakes first take most of them). The parent only waits:
SIGTERM or SIGINT stops every worker, and a worker that dies stops the rest
(the mock is whole or not running, never a part of it silently).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

logger = logging.getLogger("mock_server.workers")


def reuse_port_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` listening sockets on one address; port 0 picks a free port for all of them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]
            sock.listen(2048)
    except OSError as error:
        for sock in sockets:
            sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    return sockets


STOPPING = {signal.SIGINT, signal.SIGTERM}


def _work(
    sockets: list[socket.socket],
    sock: socket.socket,
    serve: Callable[[socket.socket, int], None],
    number: int,
) -> NoReturn:
    """A forked worker: serve on its own socket until stopped, then leave at once."""
    for other in sockets:
        if other is not sock:
            other.close()
    code = 0
    try:
        serve(sock, number)
    except KeyboardInterrupt:
        pass
    except BaseException:
        logger.exception("worker %d failed", number)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_workers(
    sockets: list[socket.socket],
    serve: Callable[[socket.socket, int], None],
    started: Callable[[], None] = lambda: None,
) -> int:
    """Fork one worker per socket, each running `serve(its socket, its number from 1)`,
    call `started` once they all exist, and wait for them all.

    0 when they were stopped by a signal, 1 when one of them failed."""
    children: dict[int, int] = {}
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    # Held back while forking, so none lands before the parent's handlers exist (the
    # default would end the parent and orphan the workers) or in a worker before it has
    # put the defaults back (its copy of `stop` would stop its elder siblings).
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for number, sock in enumerate(sockets, 1):
            pid = os.fork()
            if pid == 0:  # the worker
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
                _work(sockets, sock, serve, number)
            children[pid] = number
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    for sock in sockets:  # a socket left open here would take connections no one accepts
        sock.close()
    started()
    failed = False
    while children:
        pid, status = os.wait()
        if pid not in children:
            continue
        number = children.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        if not stopping:
            print(
                f"rooms-mock: worker {number} exited with code {code}; stopping the others",
                file=sys.stderr,
                flush=True,
            )
            failed = True
            stop(signal.SIGTERM, None)
    return 1 if failed else 0
