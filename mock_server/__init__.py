"""The stateful Rooms API mock: a plain room store behind a Connexion app."""

import warnings

# Connexion imports Starlette's test client, which warns about httpx on import.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from .app import MockServer, MockSettings, create_app  # noqa: E402
from .store import Room, RoomStore  # noqa: E402

__all__ = ["MockServer", "MockSettings", "Room", "RoomStore", "create_app"]
