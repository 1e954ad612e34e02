"""The end of a run, on the controller: the run's record built once from the journal and the
tests' reports, the coverage matrix and summary for the terminal, the reports asked for written
into --report-dir, and every failure saved there for replay. Returns the lines to print."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from . import report_har, report_html, report_junit, report_ndjson
from .coverage import matrix_lines, summary_line
from .failure import save
from .journal import JOURNAL
from .pool import layer_named
from .run_record import RunRecord, TestResult, build
from .target import Target
from .violation import Violation

PREFIX = "rooms-contract: "
FILES = {
    "html": "report.html",
    "junit": "junit.xml",
    "har": "exchanges.har",
    "ndjson": "events.ndjson",
}


def record_of(target: Target, started: float, tests: dict[str, dict[str, Any]]) -> RunRecord:
    results = [
        TestResult(
            nodeid=nodeid,
            layer=layer_named(nodeid),
            outcome=seen["outcome"],
            seconds=seen["seconds"],
            text=seen["text"],
            violation=None if seen["violation"] is None else Violation.from_data(seen["violation"]),
        )
        for nodeid, seen in tests.items()
    ]
    return build(target, JOURNAL, results, started, time.time())


def close_run(
    target: Target, started: float, tests: dict[str, dict[str, Any]], version: str
) -> list[str]:
    record = record_of(target, started, tests)
    lines = [f"{PREFIX}coverage: requests judged by each rule, per operation"]
    lines += ["  " + line for line in matrix_lines(record)]
    missing = record.not_exercised()
    lines.append(f"{PREFIX}not exercised: {', '.join(missing) if missing else 'none'}")
    lines.append(PREFIX + summary_line(record))
    n = target.concurrency
    at_once = "one check at a time" if n == 1 else f"up to {n} checks at once"
    lines.append(f"{PREFIX}{at_once} (--concurrency {n})")
    folder = Path(target.report_dir)
    if record.failures:
        try:
            about = {"target": target.base_url, "seed": target.seed, "spec": str(target.spec.path)}
            saved = save(record.failures, folder, about)
        except OSError as error:
            lines.append(f"{PREFIX}could not save the failures in {folder}: {error.strerror}")
        else:
            record.saved = {index: str(path) for index, (_, path) in enumerate(saved)}
            lines.append(f"{PREFIX}{len(saved)} failure(s) saved; repeat one against a server with")
            lines += [f"  rooms-contract replay {path} --base-url URL" for _, path in saved]
    if target.reports:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            written = [
                _write(kind, record, folder / FILES[kind], version) for kind in target.reports
            ]
        except OSError as error:
            lines.append(f"{PREFIX}could not write the reports in {folder}: {error.strerror}")
        else:
            lines += [f"{PREFIX}{kind} report: {path}" for kind, path in written]
    return lines


def _write(kind: str, record: RunRecord, path: Path, version: str) -> tuple[str, Path]:
    if kind == "html":
        report_html.write(record, path)
    elif kind == "junit":
        report_junit.write(record, path)
    elif kind == "har":
        report_har.write(record, path, version)
    else:
        report_ndjson.write(record, JOURNAL, path)
    return kind, path
