"""Layer 2, stateful sequences: create, then get, update, end and delete through the spec's
links, with Schemathesis' stateful checks (use after free, resource availability).

The machine holds the links that start at create only (list output changes with the server's
state and makes Hypothesis see a different test on replay), keeps its state per scenario, and
deletes the rooms each scenario made.
"""

from __future__ import annotations

from contract_tests.suite import schema_checks  # noqa: F401  (registers the contract's checks)
from contract_tests.suite.budget import hypothesis_settings, seeded
from contract_tests.suite.client import LEDGER, ApiClient
from contract_tests.suite.schema import suite_schema
from contract_tests.suite.target import current

LIFECYCLE = ("createRoom", "getRoom", "updateRoom", "endRoom", "deleteRoom")
STEPS = 8

target = current()
LifecycleMachine = suite_schema().include(operation_id=list(LIFECYCLE)).as_state_machine()


class RoomLifecycle(LifecycleMachine):  # type: ignore[misc, valid-type]
    def setup(self) -> None:
        self.rooms_before = set(LEDGER.live)

    def teardown(self) -> None:
        client = ApiClient(target, LEDGER)
        try:
            client.delete_all(LEDGER.live - self.rooms_before)
        finally:
            client.close()


TestRoomLifecycle = seeded(target, RoomLifecycle).TestCase
TestRoomLifecycle.settings = hypothesis_settings(target, stateful_step_count=STEPS)
