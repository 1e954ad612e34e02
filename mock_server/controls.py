"""The frontend's controls under `/_mock/`: outside the spec, answered like the API.

    POST /_mock/reset    restore the fixtures, read from disk again; or, with a body
                         `{"rooms": [...]}`, replace every room with those
    GET  /_mock/health   `{"status": "ok", "rooms": N}`, for scripts that wait

An unknown control is a 404 and a wrong method a 405 with `Allow`, both
problem+json, as on the API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from rooms_spec.validators import Validators

from .fixtures import FixtureError, rooms_from_document
from .guard import parse_json
from .responses import json_response, problem
from .store import Room, RoomStore

CONTROLS_PREFIX = "/_mock"
Endpoint = Callable[[Request], Awaitable[Response]]


class Controls:
    """ASGI: the `/_mock/` endpoints of one store."""

    def __init__(
        self, store: RoomStore, validators: Validators, fixture_rooms: Callable[[], list[Room]]
    ) -> None:
        self.store = store
        self.validators = validators
        self.fixture_rooms = fixture_rooms
        self.routes: dict[str, dict[str, Endpoint]] = {
            f"{CONTROLS_PREFIX}/reset": {"POST": self.reset},
            f"{CONTROLS_PREFIX}/health": {"GET": self.health},
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        methods = self.routes.get(path)
        if methods is None:
            known = ", ".join(self.routes)
            response = problem(
                404, f"No control at {path}; the controls are {known}.", instance=path
            )
        elif scope["method"] not in methods:
            allow = ", ".join(methods)
            detail = f"{scope['method']} is not allowed on {path}; allowed is {allow}."
            response = problem(405, detail, instance=path, headers={"Allow": allow})
        else:
            try:
                response = await methods[scope["method"]](Request(scope, receive))
            except ClientDisconnect:
                return  # the client left mid-body: there is no one to answer
        await response(scope, receive, send)

    async def reset(self, request: Request) -> Response:
        """Restore the fixtures (read again from disk), or load the rooms of the body."""
        path = request.url.path
        body = await request.body()
        try:
            if body.strip():
                document: Any = parse_json(body)
                rooms = rooms_from_document(document, self.validators, "the reset body")
            else:
                rooms = self.fixture_rooms()
        except ValueError as error:
            return problem(400, f"The reset body is not JSON: {error}.", instance=path)
        except FixtureError as error:
            status = 400 if body.strip() else 409  # the request is fine; the files on disk are not
            suffix = "" if body.strip() else " Nothing was reset."
            return problem(status, f"{error}.{suffix}", instance=path)
        self.store.reset(rooms)
        return json_response({"rooms": len(self.store)})

    async def health(self, request: Request) -> Response:
        return json_response({"status": "ok", "rooms": len(self.store)})
