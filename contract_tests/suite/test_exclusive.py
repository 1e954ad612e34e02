"""Layer 6, exclusive (`--exclusive` only): the user says the target is this run's alone, so
what no one else can move must not move. `total` is then exact arithmetic across calls (a
create adds 1, a delete takes 1 away, nothing else changes it), and every room stays in List
until it is deleted: a store that silently drops old rooms (a cache that evicts) shows.

The check holds the suite's own room set still while it runs (`gate.ROOMS`: no other check
creates or deletes meanwhile), so every change it sees is its own. Without `--exclusive`
this module holds no test.
"""

from __future__ import annotations

from dataclasses import dataclass

from contract_tests.suite import checks
from contract_tests.suite.budget import weighted
from contract_tests.suite.client import ApiClient
from contract_tests.suite.exchange import Exchange
from contract_tests.suite.gate import ROOMS
from contract_tests.suite.rules import EXCLUSIVE_TOTAL, ROOMS_STAY
from contract_tests.suite.target import current

target = current()
CREATES = 70
"""Rooms the check makes (a store that keeps only its newest N rooms, N below the rooms it
already holds plus these, shows), half of them deleted again."""
PAGE = 100


def every_room(api: ApiClient) -> tuple[list[str], int]:
    """Every room's id, page by page, and the `total`, which no page may change."""
    ids: list[str] = []
    first = checks.page(api, EXCLUSIVE_TOTAL, offset=0, limit=PAGE)
    total = first["total"]
    ids += checks.ids(first["rooms"])
    for offset in range(PAGE, total, PAGE):
        page = checks.page(api, EXCLUSIVE_TOTAL, offset=offset, limit=PAGE)
        checks.expect(
            api,
            page["total"] == total,
            EXCLUSIVE_TOTAL,
            f"total went from {total} to {page['total']} between two pages, and no one wrote",
        )
        ids += checks.ids(page["rooms"])
    return [str(room_id) for room_id in ids], total


@dataclass(frozen=True)
class Count:
    """A `total` read after a change of the check's own: what it is, and what it must be."""

    after: str
    was: int
    expected: int
    got: int
    exchange: Exchange


def counted(api: ApiClient, was: int, expected: int, after: str) -> Count:
    return Count(after, was, expected, checks.total(api), api.history[-1])


def judge_counts(api: ApiClient, counts: list[Count]) -> None:
    for count in counts:
        checks.expect(
            api,
            count.got == count.expected,
            EXCLUSIVE_TOTAL,
            f"after {count.after}, total is {count.got}; it was {count.was} before, so it "
            f"should be {count.expected}",
            count.exchange,
        )


if target.exclusive:

    @weighted(4)
    def test_total_is_exact_and_rooms_stay_until_deleted(api: ApiClient) -> None:
        with api.scenario(), ROOMS.alone():
            before, total = every_room(api)
            expected = total
            made: list[str] = []
            counts: list[Count] = []
            for number in range(CREATES):
                body = {"name": f"exclusive {number}"}
                made.append(checks.created_room(api, body, api.create(body))["id"])
                expected += 1
                counts.append(counted(api, expected - 1, expected, f"the create of {made[-1]}"))
            deleted = made[len(made) // 2 :]  # the newest: an old room vanished shows below
            for room_id in deleted:
                # a 404: the room the check made and never deleted is gone
                checks.status(api, api.delete(room_id), 204, ROOMS_STAY, "delete of a new room")
                expected -= 1
                counts.append(counted(api, expected + 1, expected, f"the delete of {room_id}"))
            after, total = every_room(api)
            want = (set(before) | set(made)) - set(deleted)
            vanished = [room_id for room_id in [*before, *made] if room_id in want - set(after)]
            checks.expect(
                api,
                not vanished,
                ROOMS_STAY,
                f"{len(vanished)} rooms left List with no delete: {', '.join(vanished[:5])}"
                + (" ..." if len(vanished) > 5 else ""),
            )
            judge_counts(api, counts)  # after the rooms: a room gone also moves the total
            checks.expect(
                api,
                total == expected == len(after),
                EXCLUSIVE_TOTAL,
                f"List holds {len(after)} rooms and says total {total}; the creates and deletes "
                f"make it {expected}",
            )
