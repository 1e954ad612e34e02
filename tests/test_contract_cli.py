"""`rooms-contract` (and `pytest contract_tests`) at its edges: wrong options, a target that
cannot be reached, answers over TLS or never, reports, workers, and seeds that repeat a run."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.contract_targets.reference import RoomsApi
from tests.contract_targets.serve import serving
from tests.servers import PROJECT_ROOT, running_mock

TIMEOUT_S = 120


def run(*args: str, module: str = "contract_tests.cli") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
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
        ((), ("--base-url",)),
        (("--base-url", "127.0.0.1:4010/api/v1"), ("not an http(s) URL",)),
        (("--base-url", "http://127.0.0.1:1/api/v1", "-H", "no colon"), ("Name: value",)),
        (("--base-url", "http://127.0.0.1:1/api/v1", "--max-examples", "0"), ("--max-examples",)),
        (("--base-url", "http://127.0.0.1:1/api/v1", "--spec", "missing.yaml"), ("missing.yaml",)),
        (("--base-url", "http://127.0.0.1:1/api/v1", "--no-such-option"), ("--no-such-option",)),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(args: tuple[str, ...], words: tuple[str]) -> None:
    assert_one_line_error(run(*args), *words)


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


def test_a_seed_repeats_a_failing_run() -> None:
    def reproduction(finished: subprocess.CompletedProcess[str]) -> list[str]:
        lines = [line for line in finished.stdout.splitlines() if "curl " in line]
        return [re.sub(r"room_\w+|127\.0\.0\.1:\d+", "X", line) for line in lines]

    runs = []
    for _ in range(2):
        with serving(RoomsApi("create-trims-name")) as base_url:
            runs.append(run("--base-url", base_url, "--seed", "42", "--max-examples", "10"))
    assert [finished.returncode for finished in runs] == [1, 1]
    assert "[create-echoes]" in runs[0].stdout
    assert reproduction(runs[0]) == reproduction(runs[1])
    assert reproduction(runs[0])


def test_the_pytest_plugin_runs_the_suite(reference: str) -> None:
    finished = run(
        "contract_tests",
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
    assert re.search(r"\b19 passed\b", finished.stdout), finished.stdout


def test_the_pytest_plugin_asks_for_a_target() -> None:
    finished = run("contract_tests", "-q", "-p", "no:cacheprovider", module="pytest")
    assert finished.returncode == 4, finished.stdout + finished.stderr
    assert "--base-url" in finished.stderr


def test_the_suite_leaves_other_rooms_alone_and_deletes_its_own() -> None:
    """The mock's fixtures hold `room_abc123`, the spec's example id: it must survive."""
    with running_mock() as base_url, httpx.Client(base_url=base_url) as client:
        before = client.get("/rooms", params={"limit": 100}).json()
        finished = run("--base-url", base_url, "--max-examples", "10")
        after = client.get("/rooms", params={"limit": 100}).json()
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "room_abc123" in [room["id"] for room in before["rooms"]]
    assert after == before
