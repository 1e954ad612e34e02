"""Schemathesis against the strict mock: every phase, every check, positive and negative data.

The mock runs in process (strict, so any response that drifts from the spec is a 500), behind a
counter that sees every request and every status it answers. The run must send at least the
profile's number of requests and get no 5xx and no failed check.

Profiles (environment variable `ROOMS_FUZZ_PROFILE`):
  default  a fixed seed, >= 2,000 requests, about 15 s
  long     a random seed (printed; replay it with `ROOMS_FUZZ_SEED`), >= 15,000 requests
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server import MockServer, MockSettings
from rooms_spec import load_spec


@dataclass(frozen=True)
class Profile:
    max_examples: int
    min_requests: int
    seed: int | None


PROFILES = {
    "default": Profile(max_examples=200, min_requests=2_000, seed=20260106),
    "long": Profile(max_examples=1_500, min_requests=15_000, seed=None),
}
# Far above any answer of a healthy mock; it only turns a hang into a failed check.
MAX_RESPONSE_TIME_S = 10.0


class StatusCounter:
    """ASGI middleware that counts what the server answered, independently of Schemathesis."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.statuses: Counter[int] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.statuses[message["status"]] += 1
            await send(message)

        await self.app(scope, receive, counting_send)


@dataclass
class RunReport:
    """What the engine said: requests per phase, checks run, failures and errors."""

    requests_by_phase: Counter[str] = field(default_factory=Counter)
    checks_run: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def record(self, event: Any) -> None:
        if isinstance(event, events.ScenarioFinished):
            self.requests_by_phase[event.phase.value] += len(event.recorder.interactions)
            for checks in event.recorder.checks.values():
                for check in checks:
                    self.checks_run[check.name] += 1
                    if check.status == Status.FAILURE:
                        self.failures.append(_describe_failure(check))
        elif isinstance(event, events.NonFatalError):
            self.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            self.errors.append(repr(event.exception))


def _describe_failure(check: Any) -> str:
    info = check.failure_info
    if info is None:
        return check.name
    return f"{check.name}: {info.failure.title}: {info.failure.message}\n  {info.code_sample}"


def fuzz_config(profile: Profile, seed: int) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "checks": {"enabled": True, "max_response_time": MAX_RESPONSE_TIME_S},
            "generation": {"mode": "all", "max-examples": profile.max_examples, "database": "none"},
            "phases": {
                name: {"enabled": True} for name in ("examples", "coverage", "fuzzing", "stateful")
            },
        }
    )


def test_schemathesis_finds_no_server_error_and_no_failed_check() -> None:
    profile_name = os.environ.get("ROOMS_FUZZ_PROFILE", "default")
    profile = PROFILES[profile_name]
    seed = int(os.environ.get("ROOMS_FUZZ_SEED", profile.seed or random.getrandbits(32)))
    server = StatusCounter(MockServer(MockSettings(strict=True, fixtures=None)))
    schema = schemathesis.openapi.from_dict(load_spec().document, config=fuzz_config(profile, seed))
    schema.app = server

    report = RunReport()
    started = time.monotonic()
    for event in from_schema(schema).execute():
        report.record(event)
    elapsed = time.monotonic() - started

    sent = sum(server.statuses.values())
    print(
        f"\nfuzz profile {profile_name}, seed {seed}: {sent} requests in {elapsed:.1f} s; "
        f"by phase {dict(report.requests_by_phase)}; statuses {sorted(server.statuses.items())}; "
        f"checks {sorted(report.checks_run)}"
    )
    assert not report.errors, "\n".join(report.errors)
    assert not report.failures, f"seed {seed}:\n" + "\n".join(report.failures[:10])
    server_errors = {status: n for status, n in server.statuses.items() if status >= 500}
    assert not server_errors, f"seed {seed}: server errors {server_errors}"
    assert sent >= profile.min_requests
    # Every phase sent requests and the checks that need data of both kinds ran.
    assert set(report.requests_by_phase) == {"examples", "coverage", "fuzzing", "stateful"}
    assert {"not_a_server_error", "negative_data_rejection", "positive_data_acceptance"} <= set(
        report.checks_run
    )
