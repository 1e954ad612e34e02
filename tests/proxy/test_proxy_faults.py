"""The proxy judges a backend by the rules one exchange shows: in front of the correct reference
it finds nothing on the backend's side (and the scenario's invalid requests on the client's);
in front of each faulty server whose fault one exchange shows, it reports the fault under its
rule. One fixed scenario of requests (support.scenario) is the traffic, every run the same."""

from __future__ import annotations

import pytest

from tests.contract_targets.faults import FAULTS, Fault
from tests.contract_targets.reference import RoomsApi
from tests.contract_targets.serve import serving
from tests.proxy.support import proxying, scenario

# The faults one exchange of the scenario shows, and the rule the proxy reports each under.
# The others need several exchanges (a reused id, an update not persisted, a list's order)
# or the suite's knowledge of what was sent (create's defaults): the suite's job, not the proxy's.
ONE_EXCHANGE = {
    "location-missing": "create-location",
    "location-wrong-id": "create-location",
    "id-pattern-wrong": "response-schema",
    "end-without-ended-at": "response-schema",
    "ended-before-created": "ended-at-order",
    "malformed-json-500": "no-5xx",
    "error-not-problem-json": "problem-details",
    "problem-status-mismatch": "problem-details",
    "unknown-id-200-null": "response-schema",
    "204-with-type": "media-types",
    "active-has-ended-at": "response-schema",
    "extra-field": "response-schema",
    "get-no-participant-count": "response-schema",
    "timestamps-not-utc": "response-schema",
    "list-errors-422": "documented-status",
    "offset-32-bit-500": "no-5xx",
    "unknown-field-accepted": "invalid-rejected",
    "name-201-accepted": "invalid-rejected",
    "max-participants-0-accepted": "invalid-rejected",
    "text-plain-accepted": "invalid-rejected",
    "empty-patch-400": "valid-accepted",
    "offset-past-end-400": "valid-accepted",
    "offset-32-bit-400": "valid-accepted",
    "malformed-id-400": "valid-accepted",
}
SHOWN = [fault for fault in FAULTS if fault.name in ONE_EXCHANGE]
INVALID_REQUESTS = 6  # of the scenario: limit 0, malformed JSON, an unknown field, text/plain...


def test_every_fault_named_is_a_faulty_server() -> None:
    assert set(ONE_EXCHANGE) == {fault.name for fault in SHOWN}


def test_the_correct_reference_breaks_nothing() -> None:
    with serving(RoomsApi()) as backend, proxying(backend) as proxy:
        answers = scenario(proxy.base_url)
        assert proxy.rules("backend") == set()
        client_side = [f for f in proxy.findings() if f.side == "client"]
    assert len(client_side) == INVALID_REQUESTS
    assert {finding.rule for finding in client_side} == {"client-request"}
    # Without --proxy-errors the backend answers even the invalid requests, unchanged.
    assert [answer.status_code for answer in answers][:3] == [201, 200, 200]
    flagged = [a for a in answers if "contract-violations" in a.headers]
    assert len(flagged) == INVALID_REQUESTS
    assert all(a.headers["contract-violations"].startswith("1; entry=") for a in flagged)


@pytest.mark.parametrize("fault", SHOWN, ids=[fault.name for fault in SHOWN])
def test_a_fault_one_exchange_shows_is_reported_under_its_rule(fault: Fault) -> None:
    with serving(fault.server()) as backend, proxying(backend) as proxy:
        answers = scenario(proxy.base_url)
        found = proxy.rules("backend")
        entries = [entry for entry in proxy.server.journal if entry.contract]
    assert ONE_EXCHANGE[fault.name] in found, (fault.breaks, found)
    # The answer that broke it said so, and its journal entry is the one it names.
    broke = [e for e in entries if any(f.rule == ONE_EXCHANGE[fault.name] for f in e.contract)]
    named = {
        int(a.headers["contract-violations"].split("entry=")[1].split(";")[0])
        for a in answers
        if "contract-violations" in a.headers
    }
    assert {entry.id for entry in broke} <= named
    assert all(entry.answered_by == "backend" for entry in broke)
