"""`rooms-contract diff OLD NEW`: is the new spec safe for clients of the old one?

Exit 0 when no change is breaking, 1 when one is, 2 when an input cannot be
read or the command line is wrong (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import sys

from .diff_document import Document, InputError
from .diff_operations import diff_documents
from .diff_report import FORMATS
from .diff_rules import RULES, Change


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage, so the message stays one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"rooms-contract diff: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rooms-contract diff",
        description="Classify every change between two OpenAPI specs as breaking or not.",
    )
    parser.add_argument("old", nargs="?", help="the spec clients were built against")
    parser.add_argument("new", nargs="?", help="the proposed spec")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text")
    parser.add_argument(
        "--fail-on",
        choices=("breaking", "warning"),
        default="breaking",
        help="exit 1 on breaking changes only (default), or on warnings too",
    )
    parser.add_argument("--list-rules", action="store_true", help="print every rule and exit")
    return parser


def diff_files(old: str, new: str) -> list[Change]:
    """The changes from the spec at `old` to the one at `new`."""
    return diff_documents(Document.load(old), Document.load(new))


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
        if args.list_rules:
            for rule in RULES.values():
                print(f"{rule.id:<45} {rule.level:<10} {rule.consequence}")
            return 0
        if not (args.old and args.new):
            raise InputError("rooms-contract diff: give two specs, OLD and NEW")
        changes = diff_files(args.old, args.new)
    except InputError as error:
        print(error, file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise  # a reader that went away (`| head`): cli.py ends quietly
    except Exception as error:  # the CI edge: one line, never a traceback
        print(f"rooms-contract diff: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(FORMATS[args.format](changes))
    failing = {"breaking"} if args.fail_on == "breaking" else {"breaking", "warning"}
    return 1 if any(change.level in failing for change in changes) else 0
