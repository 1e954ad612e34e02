"""The page at `/_mock/` and its live feed, `/_mock/events` (server-sent events).

The page is three static files shipped in the package (page/: no build step, no
CDN). It reads the controls' JSON and listens to the feed, which says only "something
changed" (with the journal's newest id): the page then asks for what is new. The feed
is cheap where it matters: an API request costs one `Event.set()` per open feed, and
a feed wakes at most `MIN_GAP_S` apart however many requests arrive. At most
`MAX_LISTENERS` feeds are open at once; a silent feed sends a comment every
`PING_S` so a closed tab is noticed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

PAGE_DIR = Path(__file__).resolve().parent / "page"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
# Everything the page needs comes from the mock; nothing inline, nothing from elsewhere.
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
}
MAX_LISTENERS = 16
MIN_GAP_S = 0.2
PING_S = 15.0
PING = {"type": "http.response.body", "body": b": ping\n\n", "more_body": True}


class PageFiles:
    """The page's files, read once: `index.html` and the assets it names."""

    def __init__(self, folder: Path = PAGE_DIR) -> None:
        self.files = {
            path.name: (path.read_bytes(), MEDIA_TYPES[path.suffix])
            for path in sorted(folder.iterdir())
            if path.suffix in MEDIA_TYPES
        }

    def response(self, name: str) -> Response | None:
        found = self.files.get(name)
        if found is None:
            return None
        content, media_type = found
        return Response(content, headers=PAGE_HEADERS, media_type=media_type)


class Changes:
    """Wakes the open feeds when the journal, the rooms or the rules change."""

    def __init__(self, last_id: Callable[[], int], max_listeners: int = MAX_LISTENERS) -> None:
        self.last_id = last_id
        self.max_listeners = max_listeners
        self._listeners: set[asyncio.Event] = set()

    def notify(self) -> None:
        for listener in self._listeners:
            listener.set()

    @property
    def full(self) -> bool:
        return len(self._listeners) >= self.max_listeners

    async def stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI: one feed, until the client goes (or the server stops)."""
        wake = asyncio.Event()
        self._listeners.add(wake)
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            headers = [
                (b"content-type", b"text/event-stream; charset=utf-8"),
                (b"cache-control", b"no-cache"),
                (b"x-accel-buffering", b"no"),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send(_event(self.last_id()))
            while not gone.done():
                woken = asyncio.ensure_future(wake.wait())
                await asyncio.wait(
                    {woken, gone}, timeout=PING_S, return_when=asyncio.FIRST_COMPLETED
                )
                woken.cancel()
                if gone.done():
                    break
                if wake.is_set():
                    wake.clear()
                    await send(_event(self.last_id()))
                    await asyncio.sleep(MIN_GAP_S)  # what arrives meanwhile makes one event
                else:
                    await send(PING)
        finally:
            self._listeners.discard(wake)
            gone.cancel()


def _event(last_id: int) -> dict[str, object]:
    data = f'event: change\ndata: {{"last_id": {last_id}}}\n\n'.encode()
    return {"type": "http.response.body", "body": data, "more_body": True}


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
