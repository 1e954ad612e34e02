"""The HTML report: one self-contained file (its style inline, nothing fetched) to read and to
share: the run's summary, every rule with its verdict and the contract's sentence, the
coverage matrix, and each failure as the steps that reproduce it (curl lines), the response
that broke the rule, and what Schemathesis said of it. Every value is escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path

from .coverage import short
from .run_record import FAILED, NOT_EXERCISED, PASSED, RunRecord
from .violation import Violation

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px;
       padding: 0 1em; color: #1d1d1f; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .3em .5em; text-align: left;
         vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { font-weight: 600; white-space: nowrap; }
.passed { color: #0a7a2f; } .failed { color: #b3261e; } .not-exercised { color: #8a6d00; }
.summary td:first-child { width: 12em; color: #555; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; white-space: pre-wrap;
      word-break: break-all; }
.failure { border-left: 4px solid #b3261e; padding-left: 1em; margin: 1.5em 0; }
.here { background: #fde2e0; }
code { font-size: .95em; }
"""


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _verdict(verdict: str) -> str:
    css = verdict.replace(" ", "-")
    return f'<span class="verdict {css}">{escape(verdict)}</span>'


def _summary(record: RunRecord) -> str:
    rows = [
        ("target", record.target),
        ("seed", f"{record.seed} (repeat with --seed {record.seed})"),
        ("spec", f"{record.spec_title} {record.spec_version}"),
        ("started", _stamp(record.started)),
        ("time", f"{record.seconds:.1f} s"),
        ("requests sent", f"{record.requests:,}"),
        (
            "rules",
            f"{len(record.rules)}: {record.count(PASSED)} passed, {record.count(FAILED)} failed,"
            f" {record.count(NOT_EXERCISED)} not exercised",
        ),
        ("tests", f"{len(record.tests)} ({len(record.errors)} ended without a verdict)"),
    ]
    body = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="summary">{body}</table>'


def _rules(record: RunRecord) -> str:
    rows = "".join(
        f'<tr id="rule-{escape(rule.rule.id)}"><td><code>{escape(rule.rule.id)}</code></td>'
        f"<td>{_verdict(rule.verdict)}</td><td class=n>{rule.requests:,}</td>"
        f"<td>{escape(rule.rule.quote)}</td></tr>"
        for rule in record.rules
    )
    head = "<tr><th>rule</th><th>verdict</th><th class=n>requests</th><th>the contract</th></tr>"
    return f"<table>{head}{rows}</table>"


def _matrix(record: RunRecord) -> str:
    heads = "".join(
        f'<th class=n title="{escape(record.labels.get(op, op))}">{escape(short(op))}</th>'
        for op in record.operations
    )
    rows = "".join(
        f"<tr><td><code>{escape(rule.rule.id)}</code></td>"
        + "".join(
            f"<td class=n>{rule.by_operation[op] or '&middot;'}</td>" for op in record.operations
        )
        + "</tr>"
        for rule in record.rules
    )
    missing = record.not_exercised()
    note = (
        f"<p>Not exercised: {escape(', '.join(missing))}.</p>"
        if missing
        else "<p>Every rule was exercised.</p>"
    )
    return f"<table><tr><th>rule</th>{heads}</tr>{rows}</table>{note}"


def _failure(number: int, violation: Violation, saved: str | None) -> str:
    parts = [f'<div class="failure" id="failure-{number}">']
    parts.append(
        f"<h3>Failure {number}: "
        + ", ".join(
            f'<a href="#rule-{escape(rule.id)}"><code>{escape(rule.id)}</code></a>'
            for rule in violation.rules
        )
        + "</h3>"
    )
    parts += [f"<p>{escape(rule.quote)}</p>" for rule in violation.rules]
    if violation.test:
        parts.append(
            f"<p>Found by <code>{escape(violation.test)}</code>"
            + (" (seen once: the same example passed when repeated)" if violation.seen_once else "")
            + ".</p>"
        )
    if violation.broken:
        parts.append(f"<p><strong>What broke:</strong> {escape(violation.broken)}</p>")
    steps = (*violation.setup, *violation.steps)
    if steps:
        culprit = None if violation.culprit is None else violation.culprit + len(violation.setup)
        lines = "".join(
            f'<div class="{"here" if index == culprit else ""}">'
            f"{escape(step.curl())}    # -&gt; {step.status}"
            + ("  &lt;- here" if index == culprit else "")
            + "</div>"
            for index, step in enumerate(steps)
        )
        parts.append(f"<h4>Steps to reproduce, in order</h4><pre>{lines}</pre>")
    if violation.response is not None:
        parts.append(
            f"<h4>The response</h4><pre>{escape(violation.response.response_text())}</pre>"
        )
    if violation.account:
        parts.append(f"<h4>Schemathesis' account</h4><pre>{escape(violation.account)}</pre>")
    if saved:
        parts.append(
            f"<p>Saved as <code>{escape(saved)}</code>; repeat it with "
            f"<code>rooms-contract replay {escape(saved)} --base-url URL</code>.</p>"
        )
    parts.append("</div>")
    return "".join(parts)


def html(record: RunRecord) -> str:
    failures = (
        "".join(
            _failure(index + 1, violation, record.saved.get(index))
            for index, violation in enumerate(record.failures)
        )
        or "<p>No failure: the server kept every rule the run exercised.</p>"
    )
    errors = "".join(
        f"<h3><code>{escape(test.nodeid)}</code></h3><pre>{escape(test.text)}</pre>"
        for test in record.errors
    )
    title = f"rooms-contract: {record.target}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{STYLE}</style></head><body>"
        f"<h1>Contract run against {escape(record.target)}</h1>"
        f"{_summary(record)}"
        f"<h2>Rules</h2>{_rules(record)}"
        f"<h2>Coverage: requests judged by each rule, per operation</h2>{_matrix(record)}"
        f"<h2>Failures</h2>{failures}"
        + (f"<h2>Tests that ended without a verdict</h2>{errors}" if errors else "")
        + "</body></html>\n"
    )


def write(record: RunRecord, path: Path) -> None:
    path.write_text(html(record), encoding="utf-8")
