"""The pool's guards for running checks in threads beside pytest's main thread."""

from __future__ import annotations

import os
from types import SimpleNamespace

import _pytest.runner as runner
import pytest

from contract_tests.suite.pool import environment_left_alone


def test_pytest_changes_no_environment_variable_while_the_checks_run_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A deleted variable makes a thread's `os.environ.items()` raise KeyError (requests reads
    the environment on every request): while the pool runs, pytest neither sets nor deletes
    `PYTEST_CURRENT_TEST`; afterwards its updater is back."""
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "before")
    item = SimpleNamespace(nodeid="test_behaviour.py::test_x")
    original = runner._update_current_test_var
    with environment_left_alone():
        runner._update_current_test_var(item, "call")  # type: ignore[arg-type]
        assert os.environ["PYTEST_CURRENT_TEST"] == "before"
        runner._update_current_test_var(item, None)  # type: ignore[arg-type]
        assert os.environ["PYTEST_CURRENT_TEST"] == "before"
    assert runner._update_current_test_var is original
    runner._update_current_test_var(item, "call")  # type: ignore[arg-type]
    assert os.environ["PYTEST_CURRENT_TEST"] == "test_behaviour.py::test_x (call)"
