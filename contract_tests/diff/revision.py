"""A spec at a git revision: `origin/main:openapi.yaml`, read with git, never a temp file.

`REV:PATH` means what it means to `git show`: PATH from the repository's top
(`REV:./PATH` from the current folder). An argument that names an existing
file is always that file. Every way this can fail is a one-line SpecError:
no git, no repository, no such revision, no such file in it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from rooms_spec import SpecError
from rooms_spec.document import parse_document
from rooms_spec.json_text import as_json

GIT_TIMEOUT = 30.0


def is_revision(argument: str) -> bool:
    """`REV:PATH`, and not a file that happens to have a colon in its name."""
    revision, colon, path = argument.partition(":")
    return bool(colon and revision and path) and not Path(argument).exists()


def read_revision(argument: str) -> dict[str, Any]:
    """The document at `REV:PATH`, parsed, or a SpecError naming what is wrong."""
    revision, _, path = argument.partition(":")
    _git(argument, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
    kind = _git(argument, "cat-file", "-t", "--end-of-options", argument, missing=path)
    if kind.strip() != "blob":
        what = "a folder" if kind.strip() == "tree" else f"a git {kind.strip()}"
        raise SpecError(f"{argument}: {as_json(path)} is {what} in {as_json(revision)}, not a file")
    return parse(argument, _git(argument, "show", "--end-of-options", argument, raw=True))


def _git(argument: str, *args: str, missing: str = "", raw: bool = False) -> Any:
    """Run git; its failure as one line about `argument`."""
    revision = argument.partition(":")[0]
    try:
        done = subprocess.run(["git", *args], capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise SpecError(f"{argument}: no such file, and git is not installed to read it") from None
    except subprocess.TimeoutExpired:
        raise SpecError(f"{argument}: git did not answer in {GIT_TIMEOUT:.0f} s") from None
    if done.returncode == 0:
        return done.stdout if raw else done.stdout.decode(errors="replace")
    said = done.stderr.decode(errors="replace")
    if "not a git repository" in said:
        raise SpecError(f"{argument}: no such file, and not inside a git repository")
    if missing:
        raise SpecError(f"{argument}: revision {as_json(revision)} has no file {as_json(missing)}")
    raise SpecError(f"{argument}: no such file, and no git revision {as_json(revision)}")


def parse(argument: str, content: bytes) -> dict[str, Any]:
    """Bytes from git as a document, with the errors `rooms_spec.read_document` gives a file."""
    return parse_document(content, argument)
