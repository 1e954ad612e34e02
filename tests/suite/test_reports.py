"""What a QA engineer takes away from a run: the reports (JUnit with a case per rule, HAR 1.2
of every exchange, NDJSON events), the coverage matrix, a saved failure that `rooms-contract
replay` repeats against any server (red against the faulty one, green against the reference),
and a progress line only on a terminal. Each run is `rooms-contract` in its own process against
a faulty server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from contract_tests.suite.rules import EXCLUSIVE_TOTAL, ROOMS_STAY
from contract_tests.suite.rules import RULES as ALL_RULES
from tests.contract_targets.faults import FAULTS
from tests.contract_targets.reference import RoomsApi
from tests.contract_targets.serve import serving
from tests.support.servers import PROJECT_ROOT

# The rules of a run without --exclusive: those of its layer are left out of the reports.
RULES = {
    rule_id: rule
    for rule_id, rule in ALL_RULES.items()
    if rule_id not in (EXCLUSIVE_TOTAL.id, ROOMS_STAY.id)
}

TIMEOUT_S = 180
FAULTY = {fault.name: fault for fault in FAULTS}
SECRET = "Authorization: Bearer sekrit-0123"
BROKEN = "end-twice-409"
OPTIONS = ("--fail-fast", "--max-examples", "5", "--seed", "20260106")
OPERATIONS = (
    "GET /rooms",
    "POST /rooms",
    "GET /rooms/{id}",
    "PATCH /rooms/{id}",
    "DELETE /rooms/{id}",
    "POST /rooms/{id}/end",
)
HAR_1_2 = {  # the fields HAR 1.2 requires (http://www.softwareishard.com/blog/har-12-spec/)
    "type": "object",
    "required": ["log"],
    "properties": {
        "log": {
            "type": "object",
            "required": ["version", "creator", "entries"],
            "properties": {
                "version": {"const": "1.2"},
                "creator": {
                    "type": "object",
                    "required": ["name", "version"],
                    "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
                },
                "entries": {"type": "array", "items": {"$ref": "#/$defs/entry"}},
            },
        }
    },
    "$defs": {
        "pairs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "value"],
                "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
            },
        },
        "entry": {
            "type": "object",
            "required": ["startedDateTime", "time", "request", "response", "cache", "timings"],
            "properties": {
                "startedDateTime": {
                    "type": "string",
                    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$",
                },
                "time": {"type": "number", "minimum": 0},
                "request": {
                    "type": "object",
                    "required": [
                        "method",
                        "url",
                        "httpVersion",
                        "cookies",
                        "headers",
                        "queryString",
                        "headersSize",
                        "bodySize",
                    ],
                    "properties": {
                        "url": {"type": "string", "pattern": "^http://"},
                        "headers": {"$ref": "#/$defs/pairs"},
                        "queryString": {"$ref": "#/$defs/pairs"},
                        "postData": {"type": "object", "required": ["mimeType", "text"]},
                        "headersSize": {"type": "integer"},
                        "bodySize": {"type": "integer"},
                    },
                },
                "response": {
                    "type": "object",
                    "required": [
                        "status",
                        "statusText",
                        "httpVersion",
                        "cookies",
                        "headers",
                        "content",
                        "redirectURL",
                        "headersSize",
                        "bodySize",
                    ],
                    "properties": {
                        "status": {"type": "integer"},
                        "headers": {"$ref": "#/$defs/pairs"},
                        "content": {
                            "type": "object",
                            "required": ["size", "mimeType"],
                            "properties": {"size": {"type": "integer"}, "text": {"type": "string"}},
                        },
                    },
                },
                "cache": {"type": "object"},
                "timings": {
                    "type": "object",
                    "required": ["send", "wait", "receive"],
                    "properties": {
                        name: {"type": "number", "minimum": -1}
                        for name in ("send", "wait", "receive")
                    },
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Finished:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(*args: str, module: str = "contract_tests.cli") -> Finished:
    finished = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    return Finished(finished.returncode, finished.stdout, finished.stderr)


@dataclass(frozen=True)
class ReportedRun:
    finished: Finished
    folder: Path

    def failures(self) -> list[Path]:
        return sorted((self.folder / "failures").glob("*.json"))


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> ReportedRun:
    """One fail-fast run against a server whose second end moves `ended_at`, every report."""
    folder = tmp_path_factory.mktemp("reports")
    with serving(FAULTY["end-twice-moves-ended-at"].server()) as base_url:
        finished = run(
            "--base-url",
            base_url,
            *OPTIONS,
            "-H",
            SECRET,
            "--report",
            "html,junit,har,ndjson",
            "--report-dir",
            str(folder),
        )
    assert finished.code == 1, finished.output
    return ReportedRun(finished, folder)


@pytest.fixture(scope="module")
def reference() -> Iterator[str]:
    with serving(RoomsApi()) as base_url:
        yield base_url


def events(run: ReportedRun) -> list[dict]:
    lines = (run.folder / "events.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines]


def requests_sent(output: str) -> int:
    found = re.search(r"([\d,]+) requests sent", output)
    assert found, output
    return int(found.group(1).replace(",", ""))


def test_junit_has_one_case_per_rule_and_one_per_operation(reported: ReportedRun) -> None:
    root = ET.parse(reported.folder / "junit.xml").getroot()
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    rules = suites["rooms-contract: rules"]
    cases = {case.get("name"): case for case in rules.iter("testcase")}
    assert list(cases) == list(RULES)
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {BROKEN}
    failure = cases[BROKEN].find("failure")
    assert failure is not None and failure.text is not None
    assert failure.get("message", "").startswith(f"[{BROKEN}] ")
    assert "reproduce (in order):" in failure.text and "<- here" in failure.text
    assert rules.get("tests") == str(len(RULES)) and rules.get("failures") == "1"
    schema = [case.get("name") for case in suites["rooms-contract: schema"].iter("testcase")]
    assert sorted(schema) == sorted(OPERATIONS)


def test_har_is_har_1_2_of_every_exchange_without_credentials(reported: ReportedRun) -> None:
    text = (reported.folder / "exchanges.har").read_text()
    har = json.loads(text)
    jsonschema.validate(har, HAR_1_2)
    entries = har["log"]["entries"]
    assert len(entries) == requests_sent(reported.finished.stdout)
    assert "sekrit" not in text
    authorization = [
        header["value"]
        for entry in entries
        for header in entry["request"]["headers"]
        if header["name"].lower() == "authorization"
    ]
    assert authorization and set(authorization) == {"***"}
    started = [entry["startedDateTime"] for entry in entries]
    assert started == sorted(started)
    assert {entry["request"]["method"] for entry in entries} >= {"GET", "POST", "DELETE"}


def test_ndjson_has_an_event_per_exchange_and_per_verdict(reported: ReportedRun) -> None:
    found = events(reported)
    assert found[0]["event"] == "run" and found[-1]["event"] == "summary"
    exchanges = [event for event in found if event["event"] == "exchange"]
    assert len(exchanges) == requests_sent(reported.finished.stdout) == found[-1]["requests"]
    verdicts = {event["rule"]: event for event in found if event["event"] == "verdict"}
    assert list(verdicts) == list(RULES)
    assert verdicts[BROKEN]["verdict"] == "failed"
    assert {event["verdict"] for event in verdicts.values()} <= {
        "passed",
        "failed",
        "not exercised",
    }
    failures = [event for event in found if event["event"] == "failure"]
    assert [rule["id"] for rule in failures[0]["rules"]] == [BROKEN]
    assert failures[0]["saved"] == str(reported.failures()[0])
    assert "sekrit" not in (reported.folder / "events.ndjson").read_text()


def test_the_coverage_matrix_counts_the_requests_of_each_rule_per_operation(
    reported: ReportedRun,
) -> None:
    """The terminal's matrix has a row per rule, and its numbers are the NDJSON verdicts'."""
    lines = reported.finished.stdout.splitlines()
    head = next(index for index, line in enumerate(lines) if line.split()[:2] == ["rule", "list"])
    columns = lines[head].split()[1:-1]
    assert columns == ["list", "create", "get", "delete", "update", "end", "other"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[head + 1 : head + 1 + len(RULES)]}
    assert list(rows) == list(RULES)
    verdicts = {e["rule"]: e for e in events(reported) if e["event"] == "verdict"}
    for rule, cells in rows.items():
        counts = [0 if cell == "." else int(cell) for cell in cells[: len(columns)]]
        assert sum(counts) == verdicts[rule]["requests"], rule
        assert cells[-1] == ("FAILED" if rule == BROKEN else verdicts[rule]["verdict"].split()[-1])
    assert sum(verdicts["create-echoes"]["by_operation"].values()) > 0
    missing = [rule for rule, event in verdicts.items() if event["verdict"] == "not exercised"]
    shown = next(line for line in lines if line.startswith("rooms-contract: not exercised: "))
    assert shown.removeprefix("rooms-contract: not exercised: ") == (", ".join(missing) or "none")


def test_a_run_not_on_a_terminal_draws_no_progress_line(reported: ReportedRun) -> None:
    assert "\r" not in reported.finished.stdout and "\x1b[K" not in reported.finished.stdout


def test_a_run_on_a_terminal_draws_a_progress_line(reference: str) -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command on a terminal
        os.chdir(PROJECT_ROOT)
        args = ["-m", "contract_tests.cli", "--base-url", reference, "--max-examples", "2"]
        os.execv(sys.executable, [sys.executable, *args])
    seen = b""
    try:
        while chunk := _read(fd):
            seen += chunk
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    text = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    drawn = re.findall(
        r"\r\x1b\[Krooms-contract: behaviour (\d+)/12  schema (\d+)/6  stateful (\d+)/1  "
        r"near-miss (\d+)/5  concurrency (\d+)/1  differential (\d+)/1  "
        r"([\d,]+) requests?  (\d+) failures?",
        text,
    )
    assert drawn, text[-2000:]
    sent = [int(found[6].replace(",", "")) for found in drawn]
    assert sent == sorted(sent) and sent[-1] > 0  # it counts up
    assert "26 passed" in text


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal closed: the child is done
        return b""


# --- replay ---------------------------------------------------------------------------------


def replay(failure: Path, base_url: str, *options: str) -> Finished:
    return run("replay", str(failure), "--base-url", base_url, *options)


def test_replay_repeats_a_behaviour_failure_red_then_green(
    reported: ReportedRun, reference: str
) -> None:
    """The saved failure reproduces on the faulty server (exit 1) and not on a correct one."""
    [saved] = reported.failures()
    document = json.loads(saved.read_text())
    assert document["violation"]["layer"] == "behaviour"
    assert document["violation"]["arguments"] is not None
    assert "sekrit" not in saved.read_text()
    with serving(FAULTY["end-twice-moves-ended-at"].server()) as faulty:
        red = replay(saved, faulty)
    assert red.code == 1, red.output
    assert f"[{BROKEN}]" in red.stdout and "the failure still happens" in red.stdout
    assert re.search(r"room room_\w+ then is room_\w+ now", red.stdout), red.stdout
    green = replay(saved, reference)
    assert green.code == 0, green.output
    assert "the failure no longer happens" in green.stdout
    assert green.stdout.count("curl ") == len(document["violation"]["steps"])


def test_replay_repeats_a_schemathesis_failure_step_by_step(tmp_path: Path, reference: str) -> None:
    """The schema layer alone (the pytest plugin) saves its failure too; replay sends its
    step, ids mapped, and judges the answer again."""
    with serving(FAULTY["location-missing"].server()) as faulty:
        found = run(
            str(PROJECT_ROOT / "contract_tests" / "suite" / "test_schema.py"),
            "--base-url",
            faulty,
            *OPTIONS[1:],
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            "--report-dir",
            str(tmp_path),
            module="pytest",
        )
        assert found.code == 1, found.output
        [saved] = sorted((tmp_path / "failures").glob("*.json"))
        red = replay(saved, faulty)
    assert red.code == 1, red.output
    assert "still broken: [documented-headers] the 201 has no Location header" in red.stdout
    assert re.search(r"room room_\w+ then is room_\w+ now", red.stdout), red.stdout
    green = replay(saved, reference)
    assert green.code == 0, green.output
    assert "still broken" not in green.stdout


def test_replay_refuses_what_it_cannot_use_in_one_line(tmp_path: Path, reference: str) -> None:
    (tmp_path / "other.json").write_text('{"rooms": []}')
    (tmp_path / "broken.json").write_text("{")
    for args, words in (
        ((str(tmp_path / "missing.json"), "--base-url", reference), "no such file"),
        ((str(tmp_path / "other.json"), "--base-url", reference), "not a failure saved"),
        ((str(tmp_path / "broken.json"), "--base-url", reference), "not JSON"),
        ((str(tmp_path / "other.json"),), "--base-url"),
        ((str(tmp_path / "other.json"), "--base-url", "nowhere"), "not an http(s) URL"),
    ):
        finished = run("replay", *args)
        assert finished.code == 2, finished.output
        lines = finished.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("rooms-contract replay: error: "), lines
        assert words in lines[0]
        assert "Traceback" not in finished.output
