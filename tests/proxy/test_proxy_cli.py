"""`rooms-mock --proxy` as QA and CI run it: a real process in front of a real backend, the
contract suite or a scenario sent through it, the summary it prints on stop and its exit code."""

from __future__ import annotations

import re
import signal
import subprocess

import httpx

from tests.contract_targets.faults import FAULTS
from tests.contract_targets.reference import RoomsApi
from tests.contract_targets.serve import serving
from tests.suite.test_contract_suite import rooms_contract
from tests.support.servers import PROJECT_ROOT, STOP_TIMEOUT_S, mock_command, mock_process

VIOLATIONS = re.compile(r"contract violations: (\d+) by the backend, (\d+) by clients")


def violations(output: str) -> tuple[int, int]:
    found = VIOLATIONS.search(output)
    assert found, output[-3000:]
    return int(found[1]), int(found[2])


def test_the_contract_suite_through_the_proxy_finds_the_reference_correct() -> None:
    with (
        serving(RoomsApi()) as backend,
        mock_process("--proxy", backend, "--fixtures", "none", "--journal-size", "0") as proxy,
    ):
        run = rooms_contract(proxy.base_url, "--max-examples", "10", "--seed", "20260106")
        proxy.stop(signal.SIGTERM)
        code = proxy.process.wait(STOP_TIMEOUT_S)
    assert run.code == 0, run.tail()
    by_backend, by_clients = violations(proxy.output())
    assert by_backend == 0, proxy.output()[-3000:]
    assert by_clients > 0  # the suite sends invalid requests on purpose, and the proxy says so
    assert re.search(r"requests createRoom: \d+", proxy.output())
    assert code == 0


def test_fail_on_violations_exits_1_when_the_backend_broke_the_contract() -> None:
    fault = next(fault for fault in FAULTS if fault.name == "extra-field")
    with (
        serving(fault.server()) as backend,
        mock_process("--proxy", backend, "--fixtures", "none", "--fail-on-violations") as proxy,
    ):
        made = httpx.post(f"{proxy.base_url}/rooms", json={"name": "CS101"})
        proxy.stop(signal.SIGTERM)
        code = proxy.process.wait(STOP_TIMEOUT_S)
    assert made.status_code == 201  # passed back unchanged
    assert made.headers["contract-violations"] == "1; entry=1; rules=response-schema"
    assert "owner" in made.json()
    assert code == 1
    assert violations(proxy.output()) == (1, 0)
    assert "violations response-schema (backend): 1" in proxy.output()
    logged = [line for line in proxy.lines if "[backend broke response-schema]" in line]
    assert len(logged) == 1 and 'unknown field "owner"' in logged[0]


def test_fail_on_violations_exits_0_when_the_contract_held() -> None:
    with (
        serving(RoomsApi()) as backend,
        mock_process("--proxy", backend, "--fixtures", "none", "--fail-on-violations") as proxy,
    ):
        assert httpx.post(f"{proxy.base_url}/rooms", json={"name": "CS101"}).status_code == 201
        assert httpx.get(f"{proxy.base_url}/rooms").status_code == 200
        proxy.stop(signal.SIGTERM)
        code = proxy.process.wait(STOP_TIMEOUT_S)
    assert code == 0
    assert violations(proxy.output()) == (0, 0)


def test_proxy_errors_refuses_a_bad_request_and_turns_a_bad_answer_into_a_502() -> None:
    fault = next(fault for fault in FAULTS if fault.name == "extra-field")
    with (
        serving(fault.server()) as backend,
        mock_process("--proxy", backend, "--fixtures", "none", "--proxy-errors") as proxy,
    ):
        refused = httpx.post(f"{proxy.base_url}/rooms", json={"name": ""})
        made = httpx.post(f"{proxy.base_url}/rooms", json={"name": "CS101"})
        journal = httpx.get(f"{proxy.origin}/_mock/requests").json()["requests"]
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["pointer"] == "/name"
    assert journal[0]["answered_by"] == "mock"  # it never reached the backend
    assert journal[0]["contract_violations"][0]["side"] == "client"
    assert made.status_code == 502
    assert made.headers["content-type"] == "application/problem+json"
    assert "[response-schema]" in made.json()["detail"]
    assert made.headers["contract-violations"] == "1; entry=2; rules=response-schema"
    assert journal[1]["answered_by"] == "proxy"
    assert journal[1]["contract_violations"][0]["rule"] == "response-schema"


def test_options_of_proxy_mode_need_proxy() -> None:
    done = subprocess.run(
        mock_command("--fail-on-violations"),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "rooms-mock: error: --fail-on-violations needs --proxy URL"


def test_a_bad_proxy_url_is_one_line_and_exit_2() -> None:
    done = subprocess.run(
        mock_command("--proxy", "ftp://example.com"),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "rooms-mock: error: --proxy 'ftp://example.com': "
        "give an http:// or https:// URL with a host"
    )


def test_credentials_stay_out_of_the_log_even_at_debug() -> None:
    with (
        serving(RoomsApi()) as backend,
        mock_process("--proxy", backend, "--fixtures", "none", "--log-level", "debug") as proxy,
    ):
        headers = {"Authorization": "Bearer s3cr3t", "Cookie": "session=c00kie"}
        assert httpx.get(f"{proxy.base_url}/rooms?token=k3y", headers=headers).status_code == 200
        proxy.stop(signal.SIGTERM)
        proxy.process.wait(STOP_TIMEOUT_S)
    output = proxy.output()
    assert "proxy summary: 1 request(s)" in output
    for secret in ("s3cr3t", "c00kie", "k3y"):
        assert secret not in output
