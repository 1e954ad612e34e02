"""The Python ceiling: a bare Starlette app that answers the mock's hot routes with fixed rooms.

It does what no mock can do less of (route, read the body, send bytes), on the
same uvicorn, so the benchmark's mock/ceiling ratio says how much the mock adds.

    python benchmarks/ceiling_app.py --port 8000
"""

from __future__ import annotations

import argparse

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ROOM = {
    "id": "room_ceiling01",
    "name": "Ceiling",
    "status": "active",
    "participant_count": 0,
    "config": {"max_participants": 100, "recording_enabled": False, "chat_enabled": True},
    "created_at": "2026-01-06T10:00:00.000Z",
}
ROOM_BYTES = orjson.dumps(ROOM)
PAGE_BYTES = orjson.dumps({"rooms": [ROOM] * 20, "total": 1000, "limit": 20, "offset": 0})
JSON = "application/json"


async def get_room(request: Request) -> Response:
    return Response(ROOM_BYTES, media_type=JSON)


async def list_rooms(request: Request) -> Response:
    return Response(PAGE_BYTES, media_type=JSON)


async def create_room(request: Request) -> Response:
    orjson.loads(await request.body())
    headers = {"Location": f"/api/v1/rooms/{ROOM['id']}"}
    return Response(ROOM_BYTES, status_code=201, headers=headers, media_type=JSON)


async def update_room(request: Request) -> Response:
    orjson.loads(await request.body())
    return Response(ROOM_BYTES, media_type=JSON)


app = Starlette(
    routes=[
        Route("/api/v1/rooms", list_rooms, methods=["GET"]),
        Route("/api/v1/rooms", create_room, methods=["POST"]),
        Route("/api/v1/rooms/{id}", get_room, methods=["GET"]),
        Route("/api/v1/rooms/{id}", update_room, methods=["PATCH"]),
    ]
)


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    cli.add_argument("--port", type=int, required=True)
    args = cli.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
