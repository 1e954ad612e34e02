"""`rooms-contract diff OLD NEW`: is the new spec safe for clients of the old one?

OLD and NEW are files or git revisions (`origin/main:openapi.yaml`). Exit 0
when no change is breaking, 1 when one is, 2 when an input cannot be read or
is not OpenAPI 3, or the command line is wrong (one line on stderr, never a
traceback).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .._cli import Parser, UsageError, add_choice, run
from .document import read_spec
from .operation_changes import differences
from .report import FORMATS
from .rules import RULES, Change, judge


def diff_files(old: str | Path, new: str | Path) -> list[Change]:
    """The changes from the spec at `old` to the one at `new`, breaking first."""
    return judge(differences(read_spec(old), read_spec(new)))


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="rooms-contract diff",
        description="Classify every change between two OpenAPI specs as breaking or not.",
    )
    parser.add_argument(
        "old", nargs="?", help="the spec clients were built against: a file, or REV:PATH"
    )
    parser.add_argument("new", nargs="?", help="the proposed spec: a file, or REV:PATH")
    add_choice(parser, "--format", tuple(sorted(FORMATS)), default="text")
    add_choice(
        parser,
        "--fail-on",
        ("breaking", "warning"),
        default="breaking",
        help="exit 1 on breaking changes only (default), or on warnings too",
    )
    parser.add_argument(
        "--list-rules",
        action="store_true",
        help="print every rule (id, family, level, what it means for clients) and exit",
    )
    return parser


def _diff(args: argparse.Namespace) -> int:
    if args.list_rules:
        for rule in RULES.values():
            print(f"{rule.id:<42} {rule.family:<10} {rule.level:<10} {rule.consequence}")
        return 0
    if not (args.old and args.new):
        raise UsageError("give two specs, OLD and NEW")
    changes = diff_files(args.old, args.new)
    sys.stdout.write(FORMATS[args.format](changes))
    failing = {"breaking"} if args.fail_on == "breaking" else {"breaking", "warning"}
    return 1 if any(change.level in failing for change in changes) else 0


def main(argv: list[str] | None = None) -> int:
    return run(_parser(), _diff, argv)
