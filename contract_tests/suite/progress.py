"""A progress line on a terminal while the checks run: the layers (checks done of each),
the requests sent so far and the failures found so far, redrawn in place.

    rooms-contract: behaviour 7/12  schema 2/6  stateful 0/1  1,204 requests  1 failure

Only `rooms-contract` on a terminal asks for it (`Handoff(progress=True)`); it then keeps
pytest's per-test letters off the line (the failures are reported at the end as always).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

PREFIX = "rooms-contract: "
EVERY_S = 0.2
LAYERS = (
    "behaviour",
    "schema",
    "stateful",
    "near-miss",
    "concurrency",
    "exclusive",
    "differential",
)


class Progress:
    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.shown = False
        self.last = 0.0

    def line(self, done: Counter[str], total: Counter[str], requests: int, failures: int) -> str:
        layers = "  ".join(
            f"{layer} {done[layer]}/{total[layer]}" for layer in LAYERS if total[layer]
        )
        found = f"{failures} failure{'s' if failures != 1 else ''}"
        sent = f"{requests:,} request{'s' if requests != 1 else ''}"
        return f"{PREFIX}{layers}  {sent}  {found}"

    def show(self, done: Counter[str], total: Counter[str], requests: int, failures: int) -> None:
        now = time.monotonic()
        if now - self.last < EVERY_S:
            return
        self.last = now
        self.writer.write("\r\x1b[K" + self.line(done, total, requests, failures))
        self.writer.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.writer.write("\r\x1b[K")
            self.writer.flush()
            self.shown = False
