"""The gate that holds the room set still (contract_tests/suite/gate.py) holds across the
processes of one run: a worker's create waits while another worker pages alone, and a worker
waiting to be alone is let in between another's creates. Real processes, real file locks."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from contract_tests.suite.gate import Gate, fcntl

pytestmark = pytest.mark.skipif(fcntl is None, reason="file locks need POSIX")

HOLD_S = 0.6
HOLDER = """
import sys, time
from contract_tests.suite.gate import Gate
gate = Gate()
gate.share(sys.argv[1])
with gate.{how}():
    print("held", flush=True)
    time.sleep({hold})
    held_until = time.monotonic()  # the lock goes only after this
print("released", held_until, flush=True)
"""


def holding(path: Path, how: str) -> subprocess.Popen[str]:
    """Another worker of the run, holding the shared gate `alone` or `changing` for HOLD_S."""
    script = HOLDER.format(how=how, hold=HOLD_S)
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    return process


def released_at(process: subprocess.Popen[str]) -> float:
    out, _ = process.communicate(timeout=10)
    return float(out.split()[-1])


@pytest.mark.parametrize(
    ("theirs", "mine"), [("alone", "changing"), ("changing", "alone"), ("alone", "alone")]
)
def test_the_gate_holds_across_the_workers_of_a_run(tmp_path: Path, theirs: str, mine: str) -> None:
    """A create waits while another worker pages alone; paging alone waits for another
    worker's create to end; and two workers are never alone at once."""
    gate = Gate()
    gate.share(str(tmp_path / "gate"))
    other = holding(tmp_path / "gate", theirs)
    with getattr(gate, mine)():
        entered = time.monotonic()
    assert entered >= released_at(other)


def test_unshared_gates_do_not_wait_for_each_other(tmp_path: Path) -> None:
    other = holding(tmp_path / "gate", "alone")
    started = time.monotonic()
    with Gate().changing():  # not shared: another run's gate, or none
        waited = time.monotonic() - started
    released_at(other)
    assert waited < HOLD_S / 2


def test_creates_of_two_workers_go_on_at_once(tmp_path: Path) -> None:
    gate = Gate()
    gate.share(str(tmp_path / "gate"))
    other = holding(tmp_path / "gate", "changing")
    started = time.monotonic()
    with gate.changing():
        waited = time.monotonic() - started
    released_at(other)
    assert waited < HOLD_S / 2
