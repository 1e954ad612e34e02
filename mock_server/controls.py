"""The frontend's controls under `/_mock/`: outside the spec, answered like the API.

    POST   /_mock/reset         restore the fixtures, read from disk again (or, with a body
                                `{"rooms": [...]}`, those rooms); clears the journal and
                                the fault rules added since the start
    GET    /_mock/health        `{"status": "ok", "rooms": N}`, for scripts that wait
    GET    /_mock/requests      the journal, filtered (journal.py); DELETE clears it
    POST   /_mock/verify        did the app make the calls it should (verify.py)
    GET    /_mock/faults        the fault rules and how often each fired (faults.py);
                                POST adds rules, DELETE removes them all
    DELETE /_mock/faults/{id}   removes one rule
    GET    /_mock/rooms         the rooms, as the page shows them
    GET    /_mock/events        server-sent events: something changed (live.py)
    GET    /_mock/              the page (page/)

An unknown control is a 404 and a wrong method a 405 with `Allow`, both
problem+json, as on the API. The journal and the rules are reached through
records.py: this process's, or, with `--store redis://`, every worker's on Redis
(then a Redis out of reach is the API's 503 problem here too).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from rooms_spec.validators import Violation

from .faults import rule_violations
from .fixtures import FixtureError, rooms_from_document
from .guard import parse_json
from .handlers import store_down
from .journal import FilterError, Filters, listing
from .live import PageFiles
from .responses import PROBLEM_JSON, json_response, no_content, problem, problem_body
from .stores import StoreUnavailable
from .verify import Expectation, VerifyError, verify

if TYPE_CHECKING:
    from .app import MockServer

CONTROLS_PREFIX = "/_mock"
MAX_CONTROL_BODY = 1024 * 1024
ROOMS_SHOWN = 200
Endpoint = Callable[[Request], Awaitable[ASGIApp]]


class ControlBodyError(Exception):
    """A control's body that cannot be read; `response` is the problem to answer."""

    def __init__(self, response: Response) -> None:
        self.response = response


class Controls:
    """ASGI: the `/_mock/` endpoints of one mock."""

    def __init__(self, server: MockServer) -> None:
        self.server = server
        self.page = PageFiles()
        self.routes: dict[str, dict[str, Endpoint]] = {
            f"{CONTROLS_PREFIX}/reset": {"POST": self.reset},
            f"{CONTROLS_PREFIX}/health": {"GET": self.health},
            f"{CONTROLS_PREFIX}/requests": {"GET": self.requests, "DELETE": self.clear_requests},
            f"{CONTROLS_PREFIX}/verify": {"POST": self.verify},
            f"{CONTROLS_PREFIX}/faults": {
                "GET": self.faults,
                "POST": self.add_faults,
                "DELETE": self.clear_faults,
            },
            f"{CONTROLS_PREFIX}/faults/{{id}}": {"DELETE": self.remove_fault},
            f"{CONTROLS_PREFIX}/rooms": {"GET": self.rooms},
            f"{CONTROLS_PREFIX}/events": {"GET": self.events},
            f"{CONTROLS_PREFIX}/": {"GET": self.index},
            f"{CONTROLS_PREFIX}/page/{{file}}": {"GET": self.page_file},
        }

    def _methods(self, path: str) -> dict[str, Endpoint] | None:
        found = self.routes.get(path)
        if found is not None:
            return found
        for prefix in (f"{CONTROLS_PREFIX}/faults/", f"{CONTROLS_PREFIX}/page/"):
            rest = path.removeprefix(prefix)
            if rest != path and rest and "/" not in rest:
                template = "{id}" if "faults" in prefix else "{file}"
                return self.routes[prefix + template]
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        methods = self._methods(path)
        answer: ASGIApp
        if path == CONTROLS_PREFIX:
            answer = RedirectResponse(f"{CONTROLS_PREFIX}/", status_code=308)
        elif methods is None:
            known = ", ".join(self.routes)
            answer = problem(404, f"No control at {path}; the controls are {known}.", instance=path)
        elif scope["method"] not in methods:
            allow = ", ".join(methods)
            detail = f"{scope['method']} is not allowed on {path}; allowed is {allow}."
            answer = problem(405, detail, instance=path, headers={"Allow": allow})
        else:
            try:
                answer = await methods[scope["method"]](Request(scope, receive))
            except ClientDisconnect:
                return  # the client left mid-body: there is no one to answer
            except ControlBodyError as error:
                answer = error.response
            except StoreUnavailable as error:
                answer = store_down(str(error), path)
        await answer(scope, receive, send)

    # -- rooms ------------------------------------------------------------------------

    async def reset(self, request: Request) -> Response:
        """Restore the fixtures (read again from disk), or load the rooms of the body."""
        path = request.url.path
        body = await request.body()
        try:
            if body.strip():
                document: Any = parse_json(body)
                rooms = rooms_from_document(document, self.server.validators, "the reset body")
            else:
                rooms = self.server.load_fixture_rooms()
        except ValueError as error:
            return problem(400, f"The reset body is not JSON: {error}.", instance=path)
        except FixtureError as error:
            status = 400 if body.strip() else 409  # the request is fine; the files on disk are not
            suffix = "" if body.strip() else " Nothing was reset."
            return problem(status, f"{error}.{suffix}", instance=path)
        await self.server.reset(rooms)
        return json_response({"rooms": await self.server.store.count()})

    async def health(self, request: Request) -> Response:
        return json_response({"status": "ok", "rooms": await self.server.store.count()})

    async def rooms(self, request: Request) -> Response:
        page = await self.server.store.list(ROOMS_SHOWN, 0)
        rooms = [room.to_json() for room in page.rooms]
        return json_response({"rooms": rooms, "total": page.total})

    # -- journal ----------------------------------------------------------------------

    def _journal_off(self, path: str) -> Response | None:
        if self.server.requests.enabled:
            return None
        detail = "The journal is off (rooms-mock --journal-size 0); start the mock with one."
        return problem(409, detail, instance=path)

    async def requests(self, request: Request) -> Response:
        path = request.url.path
        if (off := self._journal_off(path)) is not None:
            return off
        try:
            filters = Filters.parse(dict(request.query_params))
        except FilterError as error:
            detail = f"The journal's filters are wrong in {_places(len(error.violations))}."
            return problem(400, detail, instance=path, errors=error.violations)
        journal = self.server.requests
        entries, last_id = await journal.read(filters)
        operations = list(self.server.spec.operations)
        return json_response(listing(journal.size, last_id, entries, operations))

    async def clear_requests(self, request: Request) -> Response:
        cleared = await self.server.requests.clear()
        self.server.changes.notify()
        return json_response({"cleared": cleared})

    async def verify(self, request: Request) -> Response:
        path = request.url.path
        if (off := self._journal_off(path)) is not None:
            return off
        document = await _json_body(request)
        server = self.server
        try:
            expectation = Expectation.parse(document, server.spec, server.validators)
        except VerifyError as error:
            return problem(400, "The verify body is wrong.", instance=path, errors=error.violations)
        journal = server.requests
        entries, _last_id = await journal.read(Filters())
        verdict = verify(expectation, entries, server.api.guard.routes, journal.size)
        if verdict.holds:
            return json_response(verdict.body)
        body = {**problem_body(409, verdict.body.pop("detail"), instance=path), **verdict.body}
        return Response(orjson.dumps(body), 409, media_type=PROBLEM_JSON)

    # -- faults -----------------------------------------------------------------------

    async def faults(self, request: Request) -> Response:
        return json_response(await self.server.rules.listing())

    async def add_faults(self, request: Request) -> Response:
        """One rule, a list of rules, or `{"rules": [...]}`: all of them or none."""
        path = request.url.path
        document = await _json_body(request)
        if isinstance(document, list):
            rules, prefix, many = document, "", True
        elif isinstance(document, dict) and set(document) == {"rules"}:
            rules, prefix, many = document["rules"], "/rules", True
        else:
            rules, prefix, many = [document], "", False
        server = self.server
        if not isinstance(rules, list) or not rules:
            found = [Violation("body", prefix, "give a list of one or more rules")]
        else:
            found = []
            for index, rule in enumerate(rules):
                where = f"{prefix}/{index}" if many else ""
                found += rule_violations(rule, server.spec, server.validators, where)
        if found:
            detail = f"The fault rules are wrong in {_places(len(found))}."
            return problem(400, detail, instance=path, errors=found)
        ids = [rule.get("id") for rule in rules if rule.get("id")]
        if len(ids) != len(set(ids)):
            return problem(409, "Two of the rules have the same id.", instance=path)
        try:
            added = await server.rules.add(rules)
        except ValueError as error:
            return problem(409, f"No rule was added: {error}.", instance=path)
        server.changes.notify()
        shown = [rule.to_json() for rule in added]
        return json_response({"rules": shown} if many else shown[0], 201)

    async def clear_faults(self, request: Request) -> Response:
        removed = await self.server.rules.clear()
        self.server.changes.notify()
        return json_response({"removed": removed})

    async def remove_fault(self, request: Request) -> Response:
        path = request.url.path
        rule_id = path.rsplit("/", 1)[1]
        if not await self.server.rules.remove(rule_id):
            rules = (await self.server.rules.listing())["rules"]
            known = ", ".join(rule["id"] for rule in rules) or "none"
            return problem(404, f"No fault rule {rule_id}; the rules are {known}.", instance=path)
        self.server.changes.notify()
        return no_content()

    # -- the page ---------------------------------------------------------------------

    async def events(self, request: Request) -> ASGIApp:
        changes = self.server.changes
        if changes.full:
            detail = f"{changes.max_listeners} pages are listening already; close one."
            return problem(503, detail, instance=request.url.path, headers={"Retry-After": "5"})
        return changes.stream

    async def index(self, request: Request) -> Response:
        found = self.page.response("index.html")
        assert found is not None, "the package ships page/index.html"
        return found

    async def page_file(self, request: Request) -> Response:
        path = request.url.path
        found = self.page.response(path.rsplit("/", 1)[1])
        if found is None:
            listed = ", ".join(self.page.files)
            return problem(404, f"No file {path}; the page has {listed}.", instance=path)
        return found


def _places(count: int) -> str:
    return "1 place" if count == 1 else f"{count} places"


async def _json_body(request: Request) -> Any:
    """The request's JSON body, read no further than MAX_CONTROL_BODY."""
    path = request.url.path
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_CONTROL_BODY:
            detail = f"The body is larger than {MAX_CONTROL_BODY} bytes."
            raise ControlBodyError(problem(413, detail, instance=path))
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body.strip():
        raise ControlBodyError(problem(400, "A JSON body is required.", instance=path))
    try:
        return parse_json(body)
    except ValueError as error:
        violation = Violation("body", "", str(error))
        detail = f"The body is not valid UTF-8 JSON: {error}."
        raise ControlBodyError(problem(400, detail, instance=path, errors=[violation])) from None
