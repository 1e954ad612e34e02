"""A violation is data, rendered once: the README's report layout, the same text after a trip
through JSON (as it crosses from an xdist worker), and never a credential in either."""

from __future__ import annotations

import json

from contract_tests.suite.exchange import Exchange
from contract_tests.suite.render import headline, render
from contract_tests.suite.rules import END_TWICE_409, RESPONSE_SCHEMA, RULES
from contract_tests.suite.violation import ContractViolation, Violation, find

BASE = "http://127.0.0.1:4010/api/v1"


def exchange(method: str, path: str, status: int, body: bytes = b"", **sent: str) -> Exchange:
    return Exchange(
        method=method,
        url=BASE + path,
        request_headers=tuple(sent.items()),
        request_body=None,
        status=status,
        headers=(("content-type", "application/json"),) if body else (),
        body=body,
    )


def second_end() -> Violation:
    steps = (
        exchange("POST", "/rooms/room_abc/end", 200, b'{"status": "ended"}'),
        exchange("POST", "/rooms/room_abc/end", 409, Authorization="Bearer sekrit"),
        exchange("GET", "/rooms/room_abc", 200, b'{"id": "room_abc"}'),
    )
    return Violation((END_TWICE_409,), "Get after a second end: differs in ended_at", steps, 2)


def test_a_violation_reads_as_the_readme_shows() -> None:
    assert render(second_end()).splitlines() == [
        "[end-twice-409] Ending twice is a 409 and leaves `ended_at` unchanged.",
        "  broken: Get after a second end: differs in ended_at",
        "  reproduce (in order):",
        f"    curl -i -X POST {BASE}/rooms/room_abc/end    # -> 200",
        f"    curl -i -X POST {BASE}/rooms/room_abc/end -H 'Authorization: ***'    # -> 409",
        f"    curl -i -X GET {BASE}/rooms/room_abc    # -> 200  <- here",
        "  response:",
        "    HTTP 200",
        "    content-type: application/json",
        "    ",
        '    {"id": "room_abc"}',
    ]
    assert headline(second_end()) == (
        "[end-twice-409] Ending twice is a 409 and leaves `ended_at` unchanged. "
        "broken: Get after a second end: differs in ended_at"
    )


def test_a_violation_survives_json_and_carries_no_credentials() -> None:
    data = json.loads(json.dumps(second_end().as_data()))
    assert "sekrit" not in json.dumps(data)
    again = Violation.from_data(data)
    assert again.rules == (END_TWICE_409,)
    assert render(again) == render(second_end())


def test_a_schemathesis_failure_shows_its_own_account_under_its_rules() -> None:
    account = "Schemathesis found 1 distinct failure\n\n- ST108 Response violates schema"
    violation = Violation((RESPONSE_SCHEMA,), account=account, seen_once=True)
    lines = render(violation).splitlines()
    assert lines[0] == str(RESPONSE_SCHEMA)
    assert lines[1:4] == account.splitlines()
    assert lines[-1].startswith("(seen once: ")


def test_the_error_a_check_raises_is_its_rendering_and_is_found_in_groups() -> None:
    raised = ContractViolation(second_end())
    assert str(raised) == render(second_end())
    group = ExceptionGroup("flaky", [ValueError("other"), ExceptionGroup("inner", [raised])])
    assert find(group, ContractViolation) is raised
    assert find(ValueError("other"), ContractViolation) is None


def test_every_rule_has_a_distinct_id_and_a_sentence() -> None:
    assert len(RULES) == len({rule.quote for rule in RULES.values()})
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id and rule.quote.endswith((".", ")")), rule_id
