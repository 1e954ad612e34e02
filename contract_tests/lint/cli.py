"""`rooms-contract lint [SPEC]`: is the spec valid OpenAPI that follows the project's rules?

Each finding is printed as `FILE:LINE: [rule-id] message`. Exit 0 when the spec
is clean, 1 when there are findings, 2 when it cannot be read, is not OpenAPI 3.0
or the command line is wrong (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path

from rooms_spec import Spec, default_spec_path, read_document

from .._cli import Parser, add_choice, require_openapi, run
from .lines import LineMap
from .rules import LINT_RULES, LintContext


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
    """Every finding in the spec at `path`, in file order. Raises SpecError if unusable."""
    document = read_document(path)
    require_openapi(document, path, "3.0")
    lines = LineMap(path.read_text(encoding="utf-8"))
    context = LintContext(Spec(document, path))
    name = display or str(path)
    found: dict[tuple[str, int | None, str], LintFinding] = {}
    for rule in LINT_RULES.values():
        for finding in rule.check(context):
            line = lines.line_of(finding.pointer)
            found.setdefault(
                (rule.id, line, finding.message), LintFinding(name, line, rule.id, finding.message)
            )
    return sorted(found.values(), key=lambda item: (item.line or 0, item.rule, item.message))


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="rooms-contract lint",
        description="Validate an OpenAPI spec and hold it to the project's rules.",
    )
    parser.add_argument("spec", nargs="?", help="the spec (default: the project's openapi.yaml)")
    add_choice(parser, "--format", ("text", "json"), default="text")
    return parser


def _display(path: Path) -> str:
    """The path relative to the working directory when it is inside it, as CI logs show it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _lint(args: argparse.Namespace) -> int:
    path = Path(args.spec) if args.spec else default_spec_path()
    findings = lint_file(path, args.spec or _display(path))
    if args.format == "json":
        print(json.dumps([finding.as_dict() for finding in findings], indent=2))
    else:
        for finding in findings:
            print(finding)
        print(f"{len(findings)} finding(s)" if findings else f"{args.spec or 'spec'}: clean")
    return 1 if findings else 0


def main(argv: list[str] | None = None) -> int:
    return run(_parser(), _lint, argv)
