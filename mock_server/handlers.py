"""One handler per operationId: a thin translation between HTTP and the store.

The request is already checked (see guard.py) when a handler runs, so each one
only calls the store and shapes its answer. Store errors become problems in
`room_error_response` (operations.py) or `room_error_to_problem` (Connexion's
error handler, when Connexion serves the operations).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from .responses import PROBLEM_JSON, json_response, no_content, problem
from .store import RoomAlreadyEnded, RoomEnded, RoomError, RoomLimitReached, RoomNotFound, RoomStore

if TYPE_CHECKING:  # Connexion is imported only when it is built (connexion_app.py)
    from connexion.lifecycle import ConnexionRequest, ConnexionResponse

STATUS_OF_ERROR: dict[type[RoomError], int] = {
    RoomNotFound: 404,
    RoomEnded: 409,
    RoomAlreadyEnded: 409,
    RoomLimitReached: 409,
}


class RoomHandlers:
    def __init__(self, store: RoomStore, base_path: str) -> None:
        self.store = store
        self.base_path = base_path

    def resolve(self, operation_id: str) -> Callable[..., Any]:
        """Connexion's resolver: `createRoom` is served by `create_room`."""
        return getattr(self, _snake_case(operation_id))

    def serves(self, operation_id: str) -> bool:
        """Whether an operation has a handler here (a spec of another API has some it lacks)."""
        return inspect.iscoroutinefunction(getattr(self, _snake_case(operation_id), None))

    async def create_room(self, body: dict[str, Any]) -> Response:
        room = self.store.create(body["name"], body.get("config"))
        location = f"{self.base_path}/rooms/{room.id}"
        return json_response(room.to_json(), 201, {"Location": location})

    async def list_rooms(self, limit: int = 20, offset: int = 0) -> Response:
        return json_response(self.store.list(limit, offset).to_json())

    async def get_room(self, id: str) -> Response:
        return json_response(self.store.get(id).to_json())

    async def update_room(self, id: str, body: dict[str, Any]) -> Response:
        room = self.store.update(id, body.get("name"), body.get("config"))
        return json_response(room.to_json())

    async def delete_room(self, id: str) -> Response:
        self.store.delete(id)
        return no_content()

    async def end_room(self, id: str) -> Response:
        return json_response(self.store.end(id).to_json())


def _snake_case(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def room_error_response(error: Exception, path: str) -> Response:
    """A store error as its problem (the error handler of operations.py)."""
    assert isinstance(error, RoomError)
    return problem(STATUS_OF_ERROR[type(error)], str(error), instance=path)


async def room_error_to_problem(request: ConnexionRequest, error: Exception) -> ConnexionResponse:
    """Connexion's error handler for store errors (it wants a ConnexionResponse)."""
    from connexion.lifecycle import ConnexionResponse

    response = room_error_response(error, request.url.path)
    return ConnexionResponse(response.status_code, mimetype=PROBLEM_JSON, body=response.body)
