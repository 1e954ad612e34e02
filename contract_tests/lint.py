"""`rooms-contract lint [SPEC]`: is the spec valid OpenAPI that follows the project's rules?

Each finding is printed as `FILE:LINE: [rule-id] message`. Exit 0 when the spec
is clean, 1 when there are findings, 2 when it cannot be read or the command
line is wrong (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from mock_server.spec import Spec, SpecError, default_spec_path, read_document

from .lint_lines import LineMap
from .lint_rules import LINT_RULES, LintContext


class UsageError(Exception):
    """The command line is wrong; the message is one line."""


@dataclass(frozen=True)
class LintFinding:
    """A finding placed in the file: what a reviewer clicks on."""

    file: str
    line: int | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: [{self.rule}] {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "rule": self.rule, "message": self.message}


def lint_file(path: Path, display: str | None = None) -> list[LintFinding]:
    """Every finding in the spec at `path`, in file order. Raises SpecError if unreadable."""
    document = read_document(path)
    lines = LineMap(path.read_text(encoding="utf-8"))
    context = LintContext(Spec(document, path))
    name = display or str(path)
    found: dict[tuple[str, int | None, str], LintFinding] = {}
    for rule in LINT_RULES.values():
        for finding in rule(context):
            line = lines.line_of(finding.parts)
            found.setdefault(
                (finding.rule, line, finding.message),
                LintFinding(name, line, finding.rule, finding.message),
            )
    return sorted(found.values(), key=lambda item: (item.line or 0, item.rule, item.message))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"rooms-contract lint: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rooms-contract lint",
        description="Validate an OpenAPI spec and hold it to the project's rules.",
    )
    parser.add_argument("spec", nargs="?", help="the spec (default: the project's openapi.yaml)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _display(path: Path) -> str:
    """The path relative to the working directory when it is inside it, as CI logs show it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
        path = Path(args.spec) if args.spec else default_spec_path()
        findings = lint_file(path, args.spec or _display(path))
    except (UsageError, SpecError) as error:
        print(error, file=sys.stderr)
        return 2
    except Exception as error:  # the CI edge: one line, never a traceback
        print(f"rooms-contract lint: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps([finding.as_dict() for finding in findings], indent=2))
    else:
        for finding in findings:
            print(finding)
        print(f"{len(findings)} finding(s)" if findings else f"{args.spec or 'spec'}: clean")
    return 1 if findings else 0
