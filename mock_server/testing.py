"""The mock for your own tests: start one in process, or point at one; read what your
app sent (`journal`) and assert that it made the calls it should (`verify`).

    import pytest
    from mock_server.testing import start_mock

    @pytest.fixture(scope="session")
    def rooms_mock():
        with start_mock(fixtures=None) as mock:    # a free port on 127.0.0.1
            yield mock

    @pytest.fixture
    def mock(rooms_mock):
        rooms_mock.reset()                         # fixtures, journal and rules as at start
        return rooms_mock

    def test_the_form_creates_one_room(mock):
        my_app.create_room(mock.base_url, "CS101")
        mock.verify(operation="createRoom", body={"name": "CS101"}, times=1)

`connect("http://127.0.0.1:4010")` gives the same object for a mock already running
(`rooms-mock`, `./dev mock`). It speaks HTTP with the standard library only, so it
needs nothing the mock does not already install.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

from .app import MockServer, MockSettings
from .connections import ConnectionLimits

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 10.0
_UNSET: Any = object()


class MockError(Exception):
    """A control of the mock answered with an error; the message is its problem's detail."""

    def __init__(self, status: int, body: Any) -> None:
        detail = body.get("detail") if isinstance(body, dict) else body
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.body = body


class VerificationError(AssertionError):
    """`verify` did not hold: the message says what was expected, what matched, and the
    near misses with how each differs; `problem` is the mock's whole answer."""

    def __init__(self, problem: dict[str, Any]) -> None:
        lines = [str(problem.get("detail", "verification failed"))]
        for near in problem.get("near_misses", []):
            request = near["request"]
            lines.append(
                f"  near miss #{request['id']}: {request['method']} {request['path']} "
                f"-> {request['status']}"
            )
            lines += [f"    {difference}" for difference in near["differences"]]
        super().__init__("\n".join(lines))
        self.problem = problem


@dataclass
class RoomsMock:
    """A running mock, by its origin (`http://127.0.0.1:PORT`)."""

    origin: str
    base_path: str = "/api/v1"
    server: MockServer | None = None  # the mock itself, when it runs in this process

    @property
    def base_url(self) -> str:
        """The API's base URL: `http://127.0.0.1:PORT/api/v1`."""
        return self.origin + self.base_path

    def call(self, method: str, path: str, body: Any = _UNSET) -> tuple[int, Any]:
        """One request to the mock (a control or the API): its status and JSON body."""
        data = None if body is _UNSET else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        request = urllib.request.Request(
            self.origin + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw) if raw else None

    def _control(self, method: str, path: str, body: Any = _UNSET, ok: int = 200) -> Any:
        status, answer = self.call(method, path, body)
        if status != ok:
            raise MockError(status, answer)
        return answer

    # -- the journal ------------------------------------------------------------------

    def journal(self, **filters: str | int) -> list[dict[str, Any]]:
        """The requests the mock answered, oldest first; filters as `GET /_mock/requests`
        takes them: operation, method, path, status (`404`, `4xx`), since, limit."""
        query = f"?{urlencode(filters)}" if filters else ""
        return list(self._control("GET", f"/_mock/requests{query}")["requests"])

    def clear_journal(self) -> int:
        return int(self._control("DELETE", "/_mock/requests")["cleared"])

    def verify(
        self,
        *,
        operation: str | None = None,
        method: str | None = None,
        path: str | None = None,
        body: Any = _UNSET,
        status: int | str | None = None,
        times: int | None = None,
        at_least: int | None = None,
        at_most: int | None = None,
    ) -> dict[str, Any]:
        """Assert that the journal holds the requests described (by default at least one);
        raises VerificationError (an AssertionError) listing what matched and the near
        misses. Returns the mock's answer: `matched`, `expected`, `requests`."""
        __tracebackhide__ = True  # pytest shows the failure at the test's line, not here
        given = {
            "operation": operation,
            "method": method,
            "path": path,
            "status": status,
            "times": times,
            "at_least": at_least,
            "at_most": at_most,
        }
        expectation = {name: value for name, value in given.items() if value is not None}
        if body is not _UNSET:
            expectation["body"] = body
        answer_status, answer = self.call("POST", "/_mock/verify", expectation)
        if answer_status == 409 and isinstance(answer, dict) and "matched" in answer:
            raise VerificationError(answer)
        if answer_status != 200:
            raise MockError(answer_status, answer)
        return dict(answer)

    # -- faults and state -------------------------------------------------------------

    def add_fault(self, rule: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """Add a fault rule (as `POST /_mock/faults` takes it); the rule as the mock lists it."""
        return dict(self._control("POST", "/_mock/faults", {**(rule or {}), **fields}, ok=201))

    def faults(self) -> list[dict[str, Any]]:
        return list(self._control("GET", "/_mock/faults")["rules"])

    def clear_faults(self) -> int:
        return int(self._control("DELETE", "/_mock/faults")["removed"])

    def reset(self, rooms: list[dict[str, Any]] | None = None) -> int:
        """Fixtures (or these rooms), an empty journal, the rules of the start; the room count."""
        body = _UNSET if rooms is None else {"rooms": rooms}
        return int(self._control("POST", "/_mock/reset", body)["rooms"])


def connect(url: str) -> RoomsMock:
    """A mock already running, by its origin or its API's base URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an http:// URL of a running mock")
    path = parts.path.rstrip("/")
    return RoomsMock(f"{parts.scheme}://{parts.netloc}", path or "/api/v1")


@contextmanager
def start_mock(
    settings: MockSettings | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "warning",
    **options: Any,
) -> Iterator[RoomsMock]:
    """Serve a mock in this process, on a thread, on a free port (or `port`), until the
    block ends. `options` are MockSettings fields: `fixtures=None`, `seed=1`,
    `strict=True`, `journal_size=100`, `faults_path=Path(...)`, `watch=True`...

    It is the same server as `rooms-mock` (uvicorn), so every fault works over its
    sockets; your logging configuration is left alone, but for uvicorn's access log, off
    as in `rooms-mock`."""
    import uvicorn

    from .cli import listen, uvicorn_config

    server = MockServer(replace(settings or MockSettings(), **options))
    sock = listen(host, port)
    config = uvicorn_config(
        server, ConnectionLimits(), log_config=None, log_level=log_level, access_log=False
    )
    runner = uvicorn.Server(config)
    thread = threading.Thread(
        target=runner.run, kwargs={"sockets": [sock]}, name="rooms-mock", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not runner.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the mock did not start (see the log above)")
            time.sleep(0.01)
        bound_host, bound_port = sock.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        yield RoomsMock(f"http://{shown}:{bound_port}", server.spec.base_path, server)
    finally:
        runner.should_exit = True
        thread.join(STOP_TIMEOUT_S)
        sock.close()
