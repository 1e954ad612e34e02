"""The gate that holds the room set still (contract_tests/suite/gate.py) holds across the
processes of one run: a worker's create waits while another worker pages alone, paging alone
waits for another worker's create, creates go on at once, and a worker waiting to be alone
gets in though another keeps creating. Real processes, real file locks."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from contract_tests.suite.gate import Gate, fcntl, shared_folder

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
# Two threads that keep creating, one always inside `changing` while the other waits.
CREATOR = """
import sys, threading, time
from contract_tests.suite.gate import Gate
gate = Gate()
gate.share(sys.argv[1])
until = time.monotonic() + 3.0
def create():
    while time.monotonic() < until:
        with gate.changing():
            time.sleep(0.05)
threads = [threading.Thread(target=create) for _ in range(2)]
threads[0].start()
time.sleep(0.025)
threads[1].start()
print("creating", flush=True)
for thread in threads:
    thread.join()
"""


@pytest.fixture
def folder() -> Iterator[str]:
    made = shared_folder()
    yield made
    shutil.rmtree(made)


def started(script: str, folder: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", script, folder], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    process.stdout.readline()  # "held" or "creating": it holds the gate now
    return process


def released_at(process: subprocess.Popen[str]) -> float:
    out, _ = process.communicate(timeout=10)
    return float(out.split()[-1])


def shared(folder: str) -> Gate:
    gate = Gate()
    gate.share(folder)
    return gate


@pytest.mark.parametrize(
    ("theirs", "mine"), [("alone", "changing"), ("changing", "alone"), ("alone", "alone")]
)
def test_the_gate_holds_across_the_workers_of_a_run(folder: str, theirs: str, mine: str) -> None:
    """A create waits while another worker pages alone; paging alone waits for another
    worker's create to end; and two workers are never alone at once."""
    other = started(HOLDER.format(how=theirs, hold=HOLD_S), folder)
    with getattr(shared(folder), mine)():
        entered = time.monotonic()
    assert entered >= released_at(other)


def test_creates_of_two_workers_go_on_at_once(folder: str) -> None:
    other = started(HOLDER.format(how="changing", hold=HOLD_S), folder)
    began = time.monotonic()
    with shared(folder).changing():
        waited = time.monotonic() - began
    released_at(other)
    assert waited < HOLD_S / 2


def test_a_worker_waiting_to_be_alone_is_not_starved_by_anothers_creates(folder: str) -> None:
    creator = started(CREATOR, folder)
    began = time.monotonic()
    with shared(folder).alone():
        waited = time.monotonic() - began
    creator.communicate(timeout=10)
    assert waited < 1.0  # its creates overlap for 3 s: without the intent lock, it waits them out


def test_unshared_gates_do_not_wait_for_each_other(folder: str) -> None:
    other = started(HOLDER.format(how="alone", hold=HOLD_S), folder)
    began = time.monotonic()
    with Gate().changing():  # not shared: another run's gate, or none
        waited = time.monotonic() - began
    released_at(other)
    assert waited < HOLD_S / 2
