"""One handler per operationId: a thin translation between HTTP and the store.

The request is already checked (guard.py) when a handler runs, so each one
only calls the store and shapes its answer; the dispatcher (dispatch.py) calls
it with the operation's path and query parameters and `body` as keywords, and
turns store errors into problems with `room_error_response`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.responses import Response

from .responses import PROBLEM_JSON, json_response, no_content, problem, problem_body
from .store import RoomAlreadyEnded, RoomEnded, RoomError, RoomLimitReached, RoomNotFound
from .stores import Rooms, StoreUnavailable

STATUS_OF_ERROR: dict[type[RoomError], int] = {
    RoomNotFound: 404,
    RoomEnded: 409,
    RoomAlreadyEnded: 409,
    RoomLimitReached: 409,
}
RETRY_AFTER_S = "1"


class StoreDown(Response):
    """A 503: the shared store cannot be reached. Like an answer forced by a fault rule it
    is the mock's own, not the API's (strict mode lets it through; the journal marks it)."""


class RoomHandlers:
    def __init__(self, store: Rooms, base_path: str) -> None:
        self.store = store
        self.base_path = base_path

    def resolve(self, operation_id: str) -> Callable[..., Awaitable[Response]] | None:
        """`createRoom` is served by `create_room`; None for an operation of another API."""
        handler = getattr(self, _snake_case(operation_id), None)
        return handler if inspect.iscoroutinefunction(handler) else None

    async def create_room(self, body: dict[str, Any]) -> Response:
        room = await self.store.create(body["name"], body.get("config"))
        location = f"{self.base_path}/rooms/{room.id}"
        return json_response(room.to_json(), 201, {"Location": location})

    async def list_rooms(self, limit: int = 20, offset: int = 0) -> Response:
        return json_response((await self.store.list(limit, offset)).to_json())

    async def get_room(self, id: str) -> Response:
        return json_response((await self.store.get(id)).to_json())

    async def update_room(self, id: str, body: dict[str, Any]) -> Response:
        room = await self.store.update(id, body.get("name"), body.get("config"))
        return json_response(room.to_json())

    async def delete_room(self, id: str) -> Response:
        await self.store.delete(id)
        return no_content()

    async def end_room(self, id: str) -> Response:
        return json_response((await self.store.end(id)).to_json())


def _snake_case(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def room_error_response(error: RoomError, path: str) -> Response:
    """A store error as its problem."""
    if isinstance(error, StoreUnavailable):
        return store_down(str(error), path)
    return problem(STATUS_OF_ERROR[type(error)], str(error), instance=path)


def store_down(detail: str, path: str) -> StoreDown:
    body = problem_body(503, detail, instance=path)
    headers = {"Retry-After": RETRY_AFTER_S}
    return StoreDown(orjson.dumps(body), 503, headers, media_type=PROBLEM_JSON)
