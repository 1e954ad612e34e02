"""The suite's options, defined once: the pytest plugin registers them, `rooms-contract` puts the
same ones on its command line, and both turn the values into one `Target` (`target_from`).

Each option checks its own value as it is parsed; a bad one is an argparse error, which pytest
turns into a usage error and `rooms-contract` into one line and exit 2. Values are quoted as
JSON. Only the standard library at import: the plugin imports this in every pytest session.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .target import Target

if TYPE_CHECKING:
    from rooms_spec import Spec

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_CONCURRENCY = 8
AUTO = 0  # --concurrency not given: the probe chooses, by how fast the target answers
MAX_CONCURRENCY = 64
REPORT_FORMATS = ("html", "junit", "har", "ndjson")
DEFAULT_REPORT_DIR = Path("reports", "rooms-contract")
DEFAULT_REQUEST_TIMEOUT_S = 10.0
MAX_REQUEST_TIMEOUT_S = 3600.0
SEED_LIMIT = 2**64
DRAWN_SEED_LIMIT = 2**32
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an RFC 9110 token
WHOLE_NUMBER = re.compile(r"[0-9]{1,30}")
OPERATIONS = ("listRooms", "createRoom", "getRoom", "updateRoom", "endRoom", "deleteRoom")
"""The operations the suite drives, by the spec's operationIds."""
DEFAULT_RACE_CLIENTS = 4
MAX_RACE_CLIENTS = 64
DEFAULT_RACE_SECONDS = 2.0
MAX_RACE_SECONDS = 600.0
DECIMAL = re.compile(r"[0-9]{1,10}(\.[0-9]{0,9})?|\.[0-9]{1,9}")


def shown(value: object) -> str:
    """A value as an error message shows it: in JSON (`"x"`, `true`, `null`)."""
    return json.dumps(value, ensure_ascii=False)


def refuse(message: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(message)


# --- values ---------------------------------------------------------------------------------


def base_url(text: str) -> str:
    """An absolute http(s) URL with a host, no query or fragment, no trailing slash."""
    example = "give e.g. http://127.0.0.1:4010/api/v1"
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or parts.query
        or parts.fragment
        or any(char.isspace() or not char.isprintable() for char in text)
    ):
        raise refuse(f"not an http(s) URL {shown(text)}: {example}")
    return text.rstrip("/")


def header(text: str) -> tuple[str, str]:
    """`Name: value`, as curl's -H takes it."""
    name, colon, value = text.partition(":")
    if not colon or not HEADER_NAME.fullmatch(name):
        raise refuse(f'not a header {shown(text)}: give it as "Name: value"')
    if not all(char == "\t" or " " <= char <= "~" for char in value):
        raise refuse(f"the value of header {shown(name)} is not printable ASCII")
    return name, value.strip()


def whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """A checker of a decimal whole number from `low` (to `high`, exclusive)."""
    span = f"from {low} to {high - 1}" if high is not None else f"of {low} or more"

    def check(text: str) -> int:
        value = int(text) if WHOLE_NUMBER.fullmatch(text) else None
        if value is None or value < low or (high is not None and value >= high):
            raise refuse(f"expected a whole number {span}, got {shown(text)}")
        return value

    check.__name__ = "whole number"
    return check


def seconds(text: str, most: float = MAX_REQUEST_TIMEOUT_S) -> float:
    value = float(text) if DECIMAL.fullmatch(text) else math.nan
    if not 0 < value <= most:
        raise refuse(f"expected seconds above 0 and at most {most:g}, got {shown(text)}")
    return value


def race_seconds(text: str) -> float:
    return seconds(text, MAX_RACE_SECONDS)


def flag(text: str) -> bool:
    """An option that takes no value (argparse's store_true: `parse` is never called)."""
    return True


def path(text: str) -> Path:
    if not text:
        raise refuse('expected a path, got ""')
    return Path(text)


def report_formats(text: str) -> tuple[str, ...]:
    """`html,junit`: any of the formats, separated by commas, each once."""
    formats = tuple(part.strip().lower() for part in text.split(","))
    choice = ", ".join(REPORT_FORMATS)
    for name in formats:
        if name not in REPORT_FORMATS:
            raise refuse(f"no report format {shown(name)}: give any of {choice}, with commas")
    if len(set(formats)) != len(formats):
        raise refuse(f"a report format given twice in {shown(text)}")
    return formats


# --- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One option of the suite, as both pytest and `rooms-contract` take it."""

    flag: str
    help: str
    metavar: str
    parse: Callable[[str], Any]
    default: Any = None
    repeat: bool = False
    short: str | None = None
    """A short flag for `rooms-contract` only (pytest keeps short flags to itself)."""
    required_by_command: bool = False
    """`rooms-contract` needs it; to pytest its absence means "do not run the suite"."""
    switch: bool = False
    """A flag with no value: given, it is true."""

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")

    def arguments(self) -> dict[str, Any]:
        """What argparse's `add_argument` (and pytest's `addoption`) take, flags aside."""
        if self.switch:
            return {"dest": self.dest, "action": "store_true", "default": False, "help": self.help}
        return {
            "dest": self.dest,
            "type": self.parse,
            "default": [] if self.repeat else self.default,
            "action": "append" if self.repeat else "store",
            "metavar": self.metavar,
            "help": self.help,
        }


OPTIONS = (
    Option(
        "--base-url",
        "the server, with the API's base path: http://127.0.0.1:4010/api/v1",
        "URL",
        base_url,
        required_by_command=True,
    ),
    Option(
        "--header",
        "send this header with every request (repeatable), e.g. 'Authorization: Bearer T'",
        "'NAME: VALUE'",
        header,
        repeat=True,
        short="-H",
    ),
    Option(
        "--max-examples",
        f"generated examples per operation and per check (default {DEFAULT_MAX_EXAMPLES})",
        "N",
        whole_number(1),
        DEFAULT_MAX_EXAMPLES,
    ),
    Option(
        "--seed",
        "repeat a run exactly (each run prints its seed)",
        "N",
        whole_number(0, SEED_LIMIT),
    ),
    Option("--spec", "the OpenAPI spec (default: the bundled one)", "PATH", path),
    Option(
        "--concurrency",
        "run up to N checks at once, each its own requests in order (default "
        f"{DEFAULT_CONCURRENCY}, or 1 when the target answers within 5 ms, as a server on this "
        "machine does; 1 runs them one after another)",
        "N",
        whole_number(1, MAX_CONCURRENCY + 1),
    ),
    Option(
        "--report",
        f"write these reports into --report-dir: any of {', '.join(REPORT_FORMATS)}, "
        "with commas (e.g. html,junit)",
        "FORMATS",
        report_formats,
        (),
    ),
    Option(
        "--report-dir",
        f"where reports and every saved failure go (default {DEFAULT_REPORT_DIR})",
        "PATH",
        path,
    ),
    Option(
        "--request-timeout",
        f"give up on a request after this long (default {DEFAULT_REQUEST_TIMEOUT_S:g})",
        "SECONDS",
        seconds,
        DEFAULT_REQUEST_TIMEOUT_S,
    ),
    Option(
        "--race-clients",
        f"clients that race at once in the concurrency layer (default {DEFAULT_RACE_CLIENTS}; "
        "0 turns the layer off)",
        "N",
        whole_number(0, MAX_RACE_CLIENTS + 1),
        DEFAULT_RACE_CLIENTS,
    ),
    Option(
        "--race-seconds",
        f"how long they race (default {DEFAULT_RACE_SECONDS:g})",
        "SECONDS",
        race_seconds,
        DEFAULT_RACE_SECONDS,
    ),
    Option(
        "--exclusive",
        "the target is this run's alone: also check `total` exactly across calls and that no "
        "room vanishes without a delete (never on a shared server)",
        "",
        flag,
        switch=True,
    ),
)


def add_options(add: Callable[..., Any], *, command: bool) -> None:
    """Add every option with `add`: pytest's `addoption`, or the command's `add_argument`."""
    for option in OPTIONS:
        if not command:
            add(option.flag, **option.arguments())
            continue
        flags = [option.short, option.flag] if option.short else [option.flag]
        add(*flags, required=option.required_by_command, **option.arguments())


# --- the target -----------------------------------------------------------------------------


class OptionError(Exception):
    """The options cannot make a target (the spec cannot be used); the message is one line."""


def target_from(values: Mapping[str, Any], *, fail_fast: bool) -> Target | None:
    """The target the (parsed) options describe, its spec loaded and validated; None without
    --base-url. A run without --seed draws one here, so every run can be repeated."""
    if values.get("base_url") is None:
        return None
    seed = values["seed"]
    reports = tuple(values.get("report") or ())
    given_dir = values.get("report_dir")
    folder = given_dir or DEFAULT_REPORT_DIR
    if reports or given_dir is not None:
        folder = writable_folder(folder)
    return Target(
        base_url=values["base_url"],
        spec=load(values["spec"]),
        headers=dict(values["header"]),
        max_examples=values["max_examples"],
        seed=random.randrange(DRAWN_SEED_LIMIT) if seed is None else seed,
        request_timeout=values["request_timeout"],
        fail_fast=fail_fast,
        concurrency=values.get("concurrency") or AUTO,  # the probe chooses (probe.py)
        reports=reports,
        report_dir=str(Path(folder).resolve()),  # the suite runs from its own folder
        race_clients=values.get("race_clients", DEFAULT_RACE_CLIENTS),
        race_seconds=values.get("race_seconds", DEFAULT_RACE_SECONDS),
        exclusive=bool(values.get("exclusive")),
    )


def writable_folder(folder: Path) -> Path:
    """A folder the reports can be written to at the end of the run (made if need be),
    checked before the run starts."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise OptionError(f"--report-dir {folder}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OptionError(f"--report-dir {folder}: cannot write in {existing}")
    return folder


def load(spec_path: Path | None) -> Spec:
    """The spec, read and validated before any test is collected, or a one-line OptionError."""
    from contract_tests._cli import require_openapi
    from rooms_spec import Spec, SpecError, default_spec_path, read_document
    from rooms_spec.document import check_document

    where = spec_path or default_spec_path()  # as given: messages name the file so
    try:
        document = read_document(where)
        require_openapi(document, where, "3.0")
        check_document(document, where)
        spec = Spec(document, where.resolve())  # the suite runs from its own folder
        missing = [name for name in OPERATIONS if name not in spec.operations]
        if missing:
            raise SpecError(f"{where}: not the Rooms API: no operation {shown(missing[0])}")
    except SpecError as error:
        raise OptionError(f"--spec {error}" if spec_path is not None else str(error)) from None
    return spec
