"""Layer 2, stateful sequences: create, then get, update, end and delete through the spec's
links, with Schemathesis' stateful checks (use after free, resource availability).

The machine holds the links that start at create only (list output changes with the server's
state and makes Hypothesis see a different test on replay), keeps its state per scenario, and
deletes the rooms each scenario made. A plain test function runs it, so the suite's runner can
run it beside the other checks (`pool.py`).
"""

from __future__ import annotations

from typing import Any

from schemathesis import Case, Response

from contract_tests.suite import schema_checks  # noqa: F401  (registers the contract's checks)
from contract_tests.suite.budget import hypothesis_settings, seeded, weighted
from contract_tests.suite.client import SWEEPER
from contract_tests.suite.journal import current_scope
from contract_tests.suite.schema import http_session, sending, suite_schema
from contract_tests.suite.target import current

LIFECYCLE = ("createRoom", "getRoom", "updateRoom", "endRoom", "deleteRoom")
STEPS = 8

target = current()
LifecycleMachine = suite_schema().include(operation_id=list(LIFECYCLE)).as_state_machine()


class RoomLifecycle(LifecycleMachine):  # type: ignore[misc, valid-type]
    def setup(self) -> None:
        scope = current_scope()
        if scope is not None:
            scope.begin_example()
            scope.rooms = set()

    def get_call_kwargs(self, case: Case) -> dict[str, Any]:
        return {"session": http_session()}

    def call(self, case: Case, **kwargs: Any) -> Response:
        with sending(case):
            return super().call(case, **kwargs)

    def validate_response(self, response: Response, case: Case, *args: Any, **kwargs: Any) -> None:
        try:
            super().validate_response(response, case, *args, **kwargs)
        except BaseException:
            scope = current_scope()
            if scope is not None:
                scope.example_failed()
            raise

    def teardown(self) -> None:
        scope = current_scope()
        if scope is not None:
            SWEEPER.clear(target, scope.rooms)


Lifecycle = seeded(target, RoomLifecycle)


@weighted(3)
def test_room_lifecycle() -> None:
    Lifecycle.run(settings=hypothesis_settings(target, stateful_step_count=STEPS))
