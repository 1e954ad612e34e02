"""The run for machines, one JSON object a line: `run` first, then an `exchange` per request in
the order sent, a `verdict` per rule and a `test` per test, a `failure` per broken rule found,
and `summary` last. Credentials are masked as everywhere (`Exchange.as_data`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from .journal import Journal
from .run_record import RunRecord


def events(record: RunRecord, journal: Journal) -> Iterator[dict[str, Any]]:
    yield {"event": "run", **record.summary()}
    for layer, test, exchange in record.exchanges:
        yield {
            "event": "exchange",
            "layer": layer,
            "test": test,
            "operation": journal.operation_of(exchange),
            **exchange.as_data(),
        }
    for rule in record.rules:
        yield {
            "event": "verdict",
            "rule": rule.rule.id,
            "verdict": rule.verdict,
            "requests": rule.requests,
            "by_operation": {op: count for op, count in rule.by_operation.items() if count},
        }
    for result in record.tests:
        yield {
            "event": "test",
            "test": result.nodeid,
            "layer": result.layer,
            "outcome": result.outcome,
            "seconds": round(result.seconds, 3),
        }
    for index, violation in enumerate(record.failures):
        yield {"event": "failure", "saved": record.saved.get(index), **violation.as_data()}
    yield {"event": "summary", **record.summary()}


def write(record: RunRecord, journal: Journal, path: Path) -> None:
    with path.open("wb") as out:
        for event in events(record, journal):
            out.write(orjson.dumps(event) + b"\n")
