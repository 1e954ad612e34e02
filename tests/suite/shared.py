"""Work that several pytest-xdist workers need, done once: the first process to claim a key
computes it, the others read its result from the session's shared temporary folder.

Each worker collects every test, so a session fixture that runs "every selected faulty server"
would otherwise run each one once per worker. Claims are files made with O_EXCL; results are
JSON written whole (write, then rename), so a reader never sees half of one.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

POLL_S = 0.2


def shared_folder(factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder every process of this session sees (xdist workers share their basetemp's
    parent; without xdist it is the session's own)."""
    root = factory.getbasetemp()
    folder = (root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def claim(folder: Path, key: str) -> bool:
    """True for the one process that is to compute `key`."""
    try:
        os.close(os.open(folder / f"{key}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def compute(folder: Path, key: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `work` for a claimed key and publish its result (or its failure) to the others."""
    try:
        result = work()
    except BaseException as error:
        publish(folder, key, {"error": f"{type(error).__name__}: {error}"})
        raise
    publish(folder, key, result)
    return result


def publish(folder: Path, key: str, result: dict[str, Any]) -> None:
    partial = folder / f"{key}.json.partial"
    partial.write_text(json.dumps(result))
    partial.rename(folder / f"{key}.json")


def result(folder: Path, key: str, timeout_s: float) -> dict[str, Any]:
    """The result another process computes for `key`, waiting up to `timeout_s` for it."""
    path = folder / f"{key}.json"
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no result for {key} within {timeout_s:g} s")
        time.sleep(POLL_S)
    found: dict[str, Any] = json.loads(path.read_text())
    if "error" in found:
        raise RuntimeError(f"{key} failed in another worker: {found['error']}")
    return found
