r"""The API's request path on Redis: the fault rules and the journal of every worker.

    request -> [fault rule, picked on Redis: delay, forced answer, broken connection]
            -> Api.answer (guard -> dispatcher -> handler -> store)
            -> [journal: the entry written on Redis] -> client

It is api.py's `_recorded` with two differences, which is why it sits beside it rather
than inside (the memory path stays as it is, chosen once at start in app.py): the
rule is picked with one script on Redis (shared_faults.py), and the entry is written
(and awaited) *before* the answer goes out, so that whatever worker a client asks next
already has it. Its `duration_ms` is therefore the time to the answer, not to its last
byte. Redis out of reach is the store's 503 problem for every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from rooms_spec import Operation

from .api import JSON_TYPE, Api
from .faults import forced_answer, sample_answer
from .guard import BODY, ClientDisconnected
from .handlers import store_down
from .journal import Entry, kept
from .shared_faults import SharedFaults
from .shared_journal import SharedJournal
from .stores import StoreUnavailable
from .wire import break_connection, dribble, sent_by, transport_of

logger = logging.getLogger("mock_server.api")


@dataclass
class SharedApi:
    """ASGI: `api`'s answers, through the shared rules, into the shared journal."""

    api: Api
    journal: SharedJournal
    faults: SharedFaults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._recorded(scope, receive, send)
        self.api.changed()

    async def _recorded(self, scope: Scope, receive: Receive, send: Send) -> None:
        api = self.api
        arrived, started = time.time(), time.perf_counter()
        method, path = scope["method"], scope["path"]
        operation: Operation | None = None
        matched = False

        def operation_id() -> str | None:
            nonlocal operation, matched
            if not matched:
                match = api.guard.routes.match(path, method)
                operation, matched = (match.operation if match is not None else None), True
            return operation.operation_id if operation is not None else None

        try:
            rule = await self.faults.pick(method, path, operation_id)
        except StoreUnavailable as error:
            await store_down(str(error), path)(scope, receive, send)  # no journal to write to
            return
        if rule is not None:
            operation_id()  # a rule acts for its operation (its example, its journal entry)
        query = scope.get("query_string", b"")
        entry = Entry(0, arrived, method, path, query, [], b"", None, None, [], b"", 0.0)
        entry.fault = rule.id if rule is not None else None
        written = False
        try:
            if rule is not None and (delay := rule.delay_s()):
                await asyncio.sleep(delay)
            if rule is not None and rule.fault is not None:
                entry.forced = True
                await api._drain(scope, receive)
                sample_status, sample = sample_answer(api.spec, operation)
                transport = transport_of(receive)
                if transport is not None:  # else break_connection raises: no answer
                    entry.status, body = sent_by(rule.fault, sample_status, sample)
                    entry.response_headers = JSON_TYPE if entry.status is not None else []
                    await self._write(entry, scope, operation, body, started)
                    written = True
                await break_connection(rule.fault, transport, receive, send, sample_status, sample)
                return
            response: Response
            if rule is not None and rule.forces_answer:
                entry.forced = True
                await api._drain(scope, receive)
                response = forced_answer(rule, api.spec, operation, path)
            else:
                response, operation, entry.forced = await api.answer(scope, receive)
                if entry.forced and self.journal.enabled and BODY not in scope:
                    await api._drain(scope, receive)  # `Prefer` answered unread: journal it
            entry.status, entry.response_headers = response.status_code, response.raw_headers
            await self._write(entry, scope, operation, bytes(response.body), started)
            written = True
            if rule is not None and rule.dribble is not None:
                await dribble(response, send, rule.dribble["chunks"], rule.dribble["over_ms"])
            else:
                await response(scope, receive, send)
        except ClientDisconnected:
            return  # there is no one to answer; the journal shows no status
        finally:
            if not written:
                entry.status, entry.response_headers = None, []
                await self._write(entry, scope, operation, b"", started)

    async def _write(
        self,
        entry: Entry,
        scope: Scope,
        operation: Operation | None,
        body: bytes,
        started: float,
    ) -> None:
        """Write the entry (when the journal is on): a Redis gone meanwhile loses the
        entry, never the answer."""
        if logger.isEnabledFor(logging.DEBUG):
            shown = "no answer" if entry.status is None else entry.status
            suffix = f" (fault rule {entry.fault})" if entry.fault else ""
            logger.debug("%s %s -> %s%s", entry.method, entry.path, shown, suffix)
        if not self.journal.enabled:
            return
        entry.headers = scope.get("headers", [])
        entry.body = kept(scope.get(BODY, b""))
        entry.operation = operation.operation_id if operation is not None else None
        entry.response_body = kept(body)
        entry.duration_ms = (time.perf_counter() - started) * 1000
        with contextlib.suppress(StoreUnavailable):  # logged once by the store; the answer
            await self.journal.add(entry)  # still goes out
