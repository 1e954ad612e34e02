"""`rooms-contract` (and `pytest contract_tests`) at its edges: wrong options, a target that
cannot be reached, answers over TLS or never, reports, workers, seeds that repeat a run, and a
plugin that costs nothing in a session that does not run the suite."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.contract_targets.faults import FAULTS
from tests.contract_targets.reference import Choices, RoomsApi
from tests.contract_targets.serve import serving
from tests.support.servers import PROJECT_ROOT, running_mock

TIMEOUT_S = 120
NOWHERE = "http://127.0.0.1:1/api/v1"  # options are checked before the target is asked
HEAVY = ("httpx", "orjson", "requests", "schemathesis", "hypothesis", "rooms_spec")
FAULTY = {fault.name: fault for fault in FAULTS}


def run(
    *args: str, module: str = "contract_tests.cli", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=env,
    )


def assert_one_line_error(finished: subprocess.CompletedProcess[str], *words: str) -> None:
    assert finished.returncode == 2, finished.stdout + finished.stderr
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1, finished.stderr
    assert lines[0].startswith("rooms-contract: "), lines[0]
    assert "Traceback" not in finished.stdout + finished.stderr
    for word in words:
        assert word in lines[0], lines[0]


@contextmanager
def listening_socket() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def reference() -> Iterator[str]:
    with serving(RoomsApi()) as base_url:
        yield base_url


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), ("--base-url", "required")),
        (("--base-url", NOWHERE, "--no-such-option"), ("--no-such-option",)),
        (("--base-url", NOWHERE, "--max-examples"), ("--max-examples", "expected one argument")),
    ],
    ids=["no-base-url", "unknown-option", "missing-value"],
)
def test_a_usage_error_is_one_line_and_exit_2(args: tuple[str, ...], words: tuple[str]) -> None:
    assert_one_line_error(run(*args), *words)


def spec_files(folder: Path) -> dict[str, Path]:
    """Specs the suite cannot use: YAML that is not OpenAPI, another OpenAPI version, and an
    OpenAPI 3.0 document that is not the Rooms API."""
    files = {
        "not-openapi.yaml": "name: x\nrooms: [1, 2]\n",
        "openapi-3.1.yaml": 'openapi: 3.1.0\ninfo: {title: x, version: "1"}\npaths: {}\n',
        "other-api.yaml": 'openapi: 3.0.3\ninfo: {title: x, version: "1"}\npaths: {}\n',
        "not-yaml.yaml": "openapi: [3.0.3\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return {name: folder / name for name in files}


# Each option of the suite's command, fed what it cannot take: (option, value, words the one
# line must hold). A value is quoted in JSON where the line shows it.
BAD_VALUES = [
    ("--base-url", "127.0.0.1:4010/api/v1", ["not an http(s) URL"]),
    ("--base-url", "ftp://127.0.0.1/api/v1", ["not an http(s) URL"]),
    ("--base-url", "http://", ["not an http(s) URL"]),
    ("--base-url", "http://127.0.0.1:99999/api/v1", ["not an http(s) URL"]),
    ("--base-url", "http://[::1/api/v1", ["not an http(s) URL"]),
    ("--base-url", "http://127.0.0.1/api/v1?limit=1", ["not an http(s) URL"]),
    ("--base-url", "http://exa mple/api/v1", ["not an http(s) URL"]),
    ("--header", "no colon", ["not a header", '"Name: value"']),
    ("--header", ": value", ["not a header"]),
    ("--header", "Two Words: value", ["not a header"]),
    ("--header", "X-Token: caf\u00e9", ['"X-Token"', "not printable ASCII"]),
    ("-H", "X-Token: a\x01b", ['"X-Token"', "not printable ASCII"]),
    ("--max-examples", "0", ["whole number of 1 or more"]),
    ("--max-examples", "-5", ["whole number of 1 or more"]),
    ("--max-examples", "2.5", ["whole number"]),
    ("--max-examples", "ten", ["whole number"]),
    ("--max-examples", "", ["whole number"]),
    ("--seed", "-1", ["whole number from 0 to 18446744073709551615"]),
    ("--seed", str(2**64), ["whole number from 0"]),
    ("--seed", "0x10", ["whole number"]),
    ("--request-timeout", "0", ["seconds above 0"]),
    ("--request-timeout", "-1", ["seconds above 0"]),
    ("--request-timeout", "3601", ["at most 3600"]),
    ("--request-timeout", "nan", ["seconds"]),
    ("--request-timeout", "inf", ["seconds"]),
    ("--request-timeout", "1e3", ["seconds"]),
    ("--workers", "0", ["whole number from 1 to 64"]),
    ("--workers", "65", ["whole number from 1 to 64"]),
    ("--workers", "two", ["whole number"]),
    ("--spec", "", ["expected a path"]),
    ("--spec", "missing.yaml", ["missing.yaml", "no such file"]),
    ("--spec", "{tmp}", ["is a directory"]),
    ("--spec", "/proc/self/mem", ["/proc/self/mem", "cannot read"]),
    ("--spec", "/etc/hostname/x", ["/etc/hostname/x", "cannot read"]),
    ("--spec", "README.md", ["README.md", "not valid YAML"]),
    ("--spec", "{tmp}/not-openapi.yaml", ["not an OpenAPI 3.0 document (no openapi field)"]),
    ("--spec", "{tmp}/openapi-3.1.yaml", ['(openapi: "3.1.0")']),
    ("--spec", "{tmp}/other-api.yaml", ["not the Rooms API", '"listRooms"']),
    ("--spec", "{tmp}/not-yaml.yaml", ["not valid YAML at line"]),
    ("--race-clients", "65", ["whole number from 0 to 64"]),
    ("--race-clients", "-1", ["whole number from 0 to 64"]),
    ("--race-seconds", "0", ["seconds above 0"]),
    ("--race-seconds", "601", ["at most 600"]),
    ("--race-seconds", "two", ["seconds"]),
    ("--concurrency", "0", ["whole number from 1 to 64"]),
    ("--concurrency", "65", ["whole number from 1 to 64"]),
    ("--report", "pdf", ['no report format "pdf"', "html, junit, har, ndjson"]),
    ("--report", "html,,junit", ['no report format ""']),
    ("--report", "html,html", ["given twice"]),
    ("--report-dir", "", ["expected a path"]),
    ("--report-dir", "/etc/hostname/x", ["/etc/hostname is not a directory"]),
    ("--report-dir", "/proc/version", ["/proc/version is not a directory"]),
    ("--junit-xml", "", ["expected a path"]),
    ("--junit-xml", "/proc/nope/x.xml", ["/proc/nope is not a directory"]),
    ("--junit-xml", "/etc/hostname/x", ["/etc/hostname is not a directory"]),
    ("--junit-xml", "{tmp}", ["is a directory"]),
    ("--junit-xml", "/proc/version", ["/proc/version", "cannot write"]),
]


@pytest.mark.parametrize(
    ("option", "value", "words"),
    BAD_VALUES,
    ids=[f"{option}={value or '(empty)'}" for option, value, _ in BAD_VALUES],
)
def test_every_option_refuses_a_bad_value_in_one_line(
    option: str, value: str, words: list[str], tmp_path: Path
) -> None:
    spec_files(tmp_path)
    value = value.replace("{tmp}", str(tmp_path))
    args = [option, value] if option == "--base-url" else ["--base-url", NOWHERE, option, value]
    finished = run(*args)
    assert_one_line_error(finished, *words)
    line = finished.stderr.strip()
    assert option.lstrip("-") in line or "header" in line, line
    assert repr(value) not in line, line  # values are shown in JSON, never as Python reprs
    if value and value in line and option not in ("--spec", "--junit-xml", "--report-dir"):
        assert json.dumps(value, ensure_ascii=False) in line, line
    assert "cannot connect" not in line  # refused before the target is asked


def test_exclusive_is_refused_with_workers() -> None:
    """Other workers' creates and deletes would move `total`: one line, before the target."""
    finished = run("--base-url", NOWHERE, "--exclusive", "--workers", "2")
    assert_one_line_error(finished, "--exclusive needs --workers 1")
    assert "cannot connect" not in finished.stderr


def test_an_unwritable_report_is_refused_before_the_run(reference: str) -> None:
    """The suite does not run for minutes to fail at the end: the target is not even asked."""
    finished = run("--base-url", reference, "--junit-xml", "/proc/nope/x.xml")
    assert_one_line_error(finished, "--junit-xml")
    assert finished.stdout == ""


def test_version_names_the_installed_kit() -> None:
    finished = run("--version")
    assert finished.returncode == 0, finished.stderr
    assert (
        finished.stdout.strip() == f"rooms-contract {importlib.metadata.version('rooms-api-kit')}"
    )


def test_an_unreachable_target_is_one_line_and_exit_2() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    assert_one_line_error(run("--base-url", url), "cannot connect", url)


def test_a_tls_error_is_one_line_and_exit_2(reference: str) -> None:
    assert_one_line_error(run("--base-url", reference.replace("http:", "https:")), "TLS error")


def test_a_target_that_never_answers_times_out_in_one_line() -> None:
    with listening_socket() as port:
        url = f"http://127.0.0.1:{port}/api/v1"
        finished = run("--base-url", url, "--request-timeout", "0.5")
    assert_one_line_error(finished, "no answer within 0.5 s")


def test_a_base_url_without_the_base_path_is_one_line_and_exit_2(reference: str) -> None:
    origin = reference.removesuffix("/api/v1")
    assert_one_line_error(run("--base-url", origin), "answered 404", "base path")


def test_workers_and_junit_xml_on_a_correct_server(reference: str, tmp_path: Path) -> None:
    report = tmp_path / "contract.xml"
    finished = run(
        "--base-url", reference, "--workers", "2", "--max-examples", "3", "--junit-xml", str(report)
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    xml = report.read_text()
    assert 'failures="0"' in xml and 'errors="0"' in xml
    assert xml.count("<testcase") >= 19
    assert 'name="test_operation[POST /rooms]"' in xml  # each operation has its own id


def test_workers_and_junit_xml_name_the_broken_rule(tmp_path: Path) -> None:
    """A failure crosses from an xdist worker to the report as its violation: JUnit's message
    is the rule, its text the whole report, and a property names the rule."""
    report = tmp_path / "contract.xml"
    with serving(RoomsApi("end-twice-moves-ended-at")) as base_url:
        finished = run(
            "--base-url",
            base_url,
            "--workers",
            "2",
            "--max-examples",
            "5",
            "--junit-xml",
            str(report),
        )
    assert finished.returncode == 1, finished.stdout + finished.stderr
    failed = [
        case for case in ET.parse(report).iter("testcase") if case.find("failure") is not None
    ]
    assert failed, finished.stdout
    for case in failed:
        failure = case.find("failure")
        assert failure is not None and failure.text is not None
        message = failure.get("message", "")
        assert re.match(r"\[[a-z0-9-]+\] ", message) and "\n" not in message, message
        assert message.split("]")[0] + "]" in failure.text
        assert "reproduce (in order):" in failure.text or "Reproduce with:" in failure.text
        names = {prop.get("value") for prop in case.iter("property")}
        assert message[1:].split("]")[0] in names, names
    assert "[end-twice-409]" in finished.stdout


SECTION = re.compile(r"^_{3,} (test_\w+(?:\[[^\]]*\])?) _{3,}$", re.MULTILINE)


def failure_sections(output: str) -> dict[str, str]:
    """Each failure pytest printed, by the name of its test."""
    parts = SECTION.split(output)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def reproduction(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if "curl " in line]
    return [re.sub(r"room_\w+|127\.0\.0\.1:\d+", "X", line) for line in lines]


def test_a_seed_repeats_a_failing_run_and_credentials_never_show() -> None:
    """One check after another, a seed repeats the whole run; checks at once (the default),
    each behaviour check repeats its failure (what the schema layer reads of List depends on
    the rooms the others made meanwhile)."""
    secret = "Authorization: Bearer sekrit-0123"
    runs = {}
    for concurrency in ("1", "1", "8", "8"):
        with serving(RoomsApi("create-trims-name")) as base_url:
            runs.setdefault(concurrency, []).append(
                run(
                    "--base-url",
                    base_url,
                    "--seed",
                    "42",
                    "--max-examples",
                    "10",
                    "-H",
                    secret,
                    "--concurrency",
                    concurrency,
                )
            )
    for finished in runs["1"] + runs["8"]:
        assert finished.returncode == 1, finished.stdout + finished.stderr
        assert "[create-echoes]" in finished.stdout
        assert "-H 'Authorization: ***'" in finished.stdout
        assert "sekrit" not in finished.stdout + finished.stderr
    one, again = runs["1"]
    assert reproduction(one.stdout) == reproduction(again.stdout)
    assert reproduction(one.stdout)
    at_once = [failure_sections(finished.stdout) for finished in runs["8"]]
    behaviour = sorted(name for name in at_once[0] if not name.startswith("test_operation"))
    assert behaviour and behaviour == sorted(
        name for name in at_once[1] if not name.startswith("test_operation")
    )
    for name in behaviour:
        if name != "test_room_lifecycle":
            first, second = (sections[name] for sections in at_once)
            assert reproduction(first) == reproduction(second), f"{name}:\n{first}\n{second}"


@pytest.mark.parametrize(
    "where", [("contract_tests",), ("--pyargs", "contract_tests.suite")], ids=["path", "pyargs"]
)
def test_the_pytest_plugin_runs_the_suite(reference: str, where: tuple[str, ...]) -> None:
    finished = run(
        *where,
        "--base-url",
        reference,
        "--max-examples",
        "3",
        "-q",
        "-p",
        "no:cacheprovider",
        module="pytest",
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert re.search(r"\b26 passed\b", finished.stdout), finished.stdout
    assert re.search(r"rooms-contract: seed \d+ \(repeat with --seed \d+\)", finished.stdout)


def test_the_pytest_plugin_reports_a_violation_without_a_traceback() -> None:
    with serving(FAULTY["end-twice-moves-ended-at"].server()) as base_url:
        finished = run(
            "contract_tests",
            "--base-url",
            base_url,
            "--max-examples",
            "5",
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            module="pytest",
        )
    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert re.search(r"^\[end-twice-409\] ", finished.stdout, re.MULTILINE), finished.stdout
    assert "reproduce (in order):" in finished.stdout and "<- here" in finished.stdout
    assert "Traceback" not in finished.stdout and "checks.py:" not in finished.stdout


def test_the_pytest_plugin_asks_for_a_target() -> None:
    finished = run("contract_tests", "-q", "-p", "no:cacheprovider", module="pytest")
    assert finished.returncode == 4, finished.stdout + finished.stderr
    assert "--base-url" in finished.stderr


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("--max-examples", "0"), 4, ("--max-examples", '"0"')),
        (("--header", "no colon"), 4, ("--header", '"no colon"')),
        (("--spec", "README.md"), 4, ("README.md", "not valid YAML")),
        ((), 2, ("rooms-contract:", "cannot connect")),
    ],
    ids=["out-of-range", "bad-header", "not-a-spec", "unreachable"],
)
def test_the_pytest_plugin_refuses_what_it_cannot_use(
    args: tuple[str, ...], code: int, words: tuple[str, ...]
) -> None:
    """Bad values are usage errors (exit 4); an unreachable target stops the run (exit 2)."""
    finished = run(
        "contract_tests",
        "--base-url",
        NOWHERE,
        *args,
        "-q",
        "-p",
        "no:cacheprovider",
        module="pytest",
    )
    assert finished.returncode == code, finished.stdout + finished.stderr
    for word in words:
        assert word in finished.stderr, finished.stderr
    assert "Traceback" not in finished.stdout + finished.stderr


def test_the_plugin_imports_only_pytest_and_the_standard_library() -> None:
    """Every pytest session imports the plugin: it must not pull in the suite's libraries."""
    script = textwrap.dedent(
        """
        import sys, pytest
        before = set(sys.modules)
        import contract_tests.suite.plugin
        new = {name.partition(".")[0] for name in set(sys.modules) - before}
        print(sorted(new - set(sys.stdlib_module_names) - {"contract_tests", "_pytest", "pytest"}))
        """
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "[]"


def test_a_session_without_a_target_imports_nothing_of_the_suite(tmp_path: Path) -> None:
    """A project's own pytest session, the plugin loaded: none of the suite's libraries."""
    (tmp_path / "test_trivial.py").write_text(
        textwrap.dedent(
            f"""
            import sys

            def test_the_suite_costs_nothing(pytestconfig):
                assert pytestconfig.pluginmanager.has_plugin("contract_tests.suite.plugin")
                assert [name for name in {HEAVY!r} if name in sys.modules] == []
            """
        )
    )
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(PROJECT_ROOT)}
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "contract_tests.suite.plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            str(tmp_path / "test_trivial.py"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=env,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "1 passed" in finished.stdout


def test_the_suite_leaves_other_rooms_alone_and_deletes_its_own() -> None:
    """The mock's fixtures hold `room_abc123`, the spec's example id: it must survive."""
    with running_mock() as base_url, httpx.Client(base_url=base_url) as client:
        before = client.get("/rooms", params={"limit": 100}).json()
        finished = run("--base-url", base_url, "--max-examples", "10")
        after = client.get("/rooms", params={"limit": 100}).json()
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "room_abc123" in [room["id"] for room in before["rooms"]]
    assert after == before


@pytest.mark.parametrize(
    ("latency_s", "given", "shown"),
    [
        (0.0, (), "one check at a time (--concurrency 1)"),
        (0.02, (), "up to 8 checks at once (--concurrency 8)"),
        (0.0, ("--concurrency", "3"), "up to 3 checks at once (--concurrency 3)"),
    ],
    ids=["local-one-at-a-time", "remote-eight-at-once", "given-stays"],
)
def test_the_probe_chooses_the_concurrency_by_how_fast_the_target_answers(
    latency_s: float, given: tuple[str, ...], shown: str
) -> None:
    """A server on this machine gets one check at a time (threads would only take turns for the
    GIL); one that takes 20 ms an answer, as across a network, gets eight; a value given is kept."""
    with serving(RoomsApi(choices=replace(Choices(), latency_s=latency_s))) as base_url:
        finished = run("--base-url", base_url, "--max-examples", "1", "--seed", "3", *given)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr
    assert f"rooms-contract: {shown}\n" in finished.stdout
