"""What `rooms-contract lint` and `rooms-contract diff` share at the command line.

Both are CI gates: a wrong command line or a spec that cannot be used is one
line on stderr, naming the command, and exit 2, never argparse's usage block
and never a traceback, so a CI log shows the reason and nothing else. Values
in those lines are written as JSON (`"yaml"`, `2.0`), the notation of the specs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from rooms_spec import SpecError
from rooms_spec.json_text import as_json

EXIT_UNUSABLE = 2
"""The exit code of a command line or an input that cannot be used."""


class UsageError(Exception):
    """The command line is wrong; the message is one line."""


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting, so `run` writes one line."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def add_choice(
    parser: argparse.ArgumentParser, option: str, choices: tuple[str, ...], **kw: Any
) -> None:
    """An option that takes one of `choices`; a wrong value is named in JSON, not as a repr.

    argparse's own `choices=` says `invalid choice: 'yaml' (choose from 'json', ...)`.
    """

    def check(value: str) -> str:
        if value not in choices:
            allowed = ", ".join(as_json(choice) for choice in choices)
            raise argparse.ArgumentTypeError(
                f"invalid choice: {as_json(value)} (choose from {allowed})"
            )
        return value

    parser.add_argument(option, type=check, metavar="{" + ",".join(choices) + "}", **kw)


def require_openapi(document: dict[str, Any], path: Path, version: str) -> None:
    """Raise a SpecError unless the document's `openapi` field starts with `version`."""
    found = document.get("openapi")
    if not str(found).startswith(version):
        said = f"openapi: {as_json(found)}" if "openapi" in document else "no openapi field"
        raise SpecError(f"{path}: not an OpenAPI {version.rstrip('.')} document ({said})")


def run(
    parser: argparse.ArgumentParser,
    command: Callable[[argparse.Namespace], int],
    argv: list[str] | None,
) -> int:
    """Parse `argv` and run `command` on it; whatever stops it is one line and exit 2."""
    try:
        return command(parser.parse_args(sys.argv[1:] if argv is None else argv))
    except (UsageError, SpecError) as error:
        reason = str(error)
    except BrokenPipeError:
        raise  # a reader that went away (`| head`): contract_tests/cli.py ends quietly
    except Exception as error:  # the CI edge: one line, never a traceback
        reason = f"{type(error).__name__}: {error}"
    print(f"{parser.prog}: {' '.join(reason.splitlines())}", file=sys.stderr)
    return EXIT_UNUSABLE
