"""A failure kept for replay: one JSON file per broken rule a run found, with what reproduces it.

    {"format": "rooms-contract failure 1", "target": ..., "seed": ..., "spec": ...,
     "violation": {rules, broken, steps, culprit, setup, test, layer, arguments, ...}}

The steps are the exchanges of the failing example, in order (credentials masked); `setup` the
creates of rooms they use that were made earlier in the run; `arguments` what a behaviour check
drew for the example, as data (`encode`: bytes and tuples kept as such), so replay can run the
check again on the same data. `rooms-contract replay FILE --base-url URL` reads it (`replay.py`).
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from .exchange import Exchange
from .journal import created_id
from .violation import Violation

FORMAT = "rooms-contract failure 1"
FOLDER = "failures"
SAVED_NAME = re.compile(r"\d{2,}-[a-z0-9-]+\.json")
ROOM_SEGMENT = re.compile(r"/rooms/([^/?#]+)")


class FailureFileError(Exception):
    """A file replay cannot use; the message is one line."""


def encode(value: Any) -> Any:
    """Drawn arguments as JSON: bytes as `{"$bytes": base64}`, tuples as `{"$tuple": [...]}`."""
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, tuple):
        return {"$tuple": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    return value


def decode(data: Any) -> Any:
    if isinstance(data, list):
        return [decode(item) for item in data]
    if isinstance(data, dict):
        if set(data) == {"$bytes"}:
            return base64.b64decode(data["$bytes"])
        if set(data) == {"$tuple"}:
            return tuple(decode(item) for item in data["$tuple"])
        return {key: decode(item) for key, item in data.items()}
    return data


def room_ids(exchange: Exchange) -> list[str]:
    return ROOM_SEGMENT.findall(exchange.path)


def setup_for(steps: tuple[Exchange, ...], creates: dict[str, Exchange]) -> tuple[Exchange, ...]:
    """The creates, made earlier in the run, of the rooms `steps` use before creating them."""
    made: set[str] = set()
    needed: list[Exchange] = []
    for step in steps:
        for room_id in room_ids(step):
            if room_id not in made and room_id in creates and creates[room_id] not in needed:
                needed.append(creates[room_id])
        made.add(created_id(step) or "")
    return tuple(needed)


def save(
    violations: list[Violation], folder: Path, about: dict[str, Any]
) -> list[tuple[Violation, Path]]:
    """Write each violation as a failure file in `folder`/failures (the previous run's removed)."""
    target = folder / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        if SAVED_NAME.fullmatch(old.name):
            old.unlink()
    saved = []
    for number, violation in enumerate(violations, 1):
        rule = violation.rules[0].id if violation.rules else "failure"
        path = target / f"{number:02d}-{rule}.json"
        document = {"format": FORMAT, **about, "violation": violation.as_data()}
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        saved.append((violation, path))
    return saved


def load(path: Path) -> tuple[dict[str, Any], Violation]:
    """A saved failure: what the run said about itself, and the violation."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise FailureFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise FailureFileError(f"{path}: is a directory") from None
    except (OSError, UnicodeDecodeError) as error:
        raise FailureFileError(f"{path}: cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise FailureFileError(f"{path}: not JSON (line {error.lineno}): {error.msg}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise FailureFileError(f"{path}: not a failure saved by rooms-contract ({FORMAT!r})")
    try:
        violation = Violation.from_data(document["violation"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise FailureFileError(f"{path}: a damaged failure file ({error!r} is wrong)") from None
    return document, violation
