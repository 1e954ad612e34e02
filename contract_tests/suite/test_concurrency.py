"""Layer 5, concurrency: clients racing on the suite's own rooms, every history checked for
linearizability against the contract's sequential model (`linearizable.py`).

A sequential suite cannot see a lost update, a room ended twice, an id handed out twice, a
room back after its delete, or a List whose page and `total` are of different moments; a
race of `--race-clients` clients for `--race-seconds` can (`race.py`). A failure shows the
smallest part of a room's history that no order explains, as curl lines, with when each was
in flight. `--race-clients 0` leaves the layer out.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qs, urlsplit

from contract_tests.suite.budget import weighted
from contract_tests.suite.client import ApiClient
from contract_tests.suite.exchange import Exchange
from contract_tests.suite.journal import JOURNAL
from contract_tests.suite.linearizable import Op, SearchTooLarge, linearizable, smallest, timeline
from contract_tests.suite.race import EXPECTED, Call, Race
from contract_tests.suite.rules import DOCUMENTED_STATUS, LINEARIZABLE, NO_5XX, ContractRule
from contract_tests.suite.target import current
from contract_tests.suite.violation import ContractViolation, Violation

target = current()


def broken(
    rule: ContractRule, problem: str, steps: list[Exchange], notes: tuple[str, ...] = ()
) -> ContractViolation:
    JOURNAL.judged(rule.id, steps[-1])
    return ContractViolation(Violation((rule,), problem, tuple(steps), len(steps) - 1, notes=notes))


def answered_as_documented(race: Race) -> None:
    for call in race.calls:
        status = call.exchange.status
        if status not in EXPECTED[call.kind]:
            rule = NO_5XX if status >= 500 else DOCUMENTED_STATUS
            raise broken(rule, f"{call.kind} during a race answered {status}", [call.exchange])


def one_moment(call: Call) -> None:
    """A List answer's page and `total` agree: they are of one moment."""
    body = call.exchange.json()
    query = parse_qs(urlsplit(call.exchange.url).query)
    offset, limit = int(query.get("offset", ["0"])[0]), int(query.get("limit", ["20"])[0])
    rooms, total = body.get("rooms"), body.get("total")
    if not isinstance(rooms, list) or not isinstance(total, int):
        return  # the page's shape is the schema layer's to judge
    holds = max(0, min(limit, total - offset))
    JOURNAL.judged(LINEARIZABLE.id, call.exchange)
    if len(rooms) != holds:
        raise broken(
            LINEARIZABLE,
            f"during a race, a page at offset {offset} of limit {limit} holds {len(rooms)} "
            f"rooms, but its total {total} says {holds}: the page and the total are of "
            "different moments",
            [call.exchange],
        )


def ids_handed_out_once(race: Race) -> None:
    twice = [room_id for room_id, count in Counter(race.created).items() if count > 1]
    if twice:
        creates = [
            call.exchange for call in race.calls if call.kind == "create" and call.room_id in twice
        ][:2]
        raise broken(
            LINEARIZABLE, f"two creates at once were both given the id {twice[0]}", creates
        )


def explained(race: Race, room_id: str, ops: list[Op]) -> None:
    for op in ops:
        JOURNAL.judged(LINEARIZABLE.id, op.exchange)
    try:
        if linearizable(ops):
            return
        least = smallest(ops)
    except SearchTooLarge:
        return  # too many overlapping calls to decide: not a finding
    steps = [op.exchange for op in sorted(least, key=lambda op: op.start)]
    notes = (
        "  in flight (ms from the race's start, sent to answered; no order of these explains "
        "their answers):",
        *timeline(least, race.origin),
    )
    raise broken(
        LINEARIZABLE,
        f"no order of {len(least)} calls on {room_id} (of {len(ops)} in the race) explains "
        "the answers they got",
        steps,
        notes,
    )


if target.race_clients > 0:

    @weighted(5)
    def test_concurrent_clients_see_one_order(api: ApiClient) -> None:
        race = Race(target, target.seed)
        with api.scenario():
            try:
                race.run(target.race_clients, target.race_seconds)
            finally:
                race.clean_up()
            answered_as_documented(race)
            for call in race.calls:
                if call.kind == "list":
                    one_moment(call)
            ids_handed_out_once(race)
            for room_id, ops in race.histories().items():
                explained(race, room_id, ops)
