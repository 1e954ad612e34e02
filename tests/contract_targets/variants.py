"""Correct servers that differ from the reference the way real backends do: other id shapes,
timestamps and headers, a slow or a full server, and the choices the contract leaves open
taken the other way. The suite must pass every one of them, every run: a suite that flags a
correct server gets switched off."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import Any

from tests.contract_targets.reference import Choices, RoomsApi
from tests.contract_targets.serve import serving
from tests.support.redis import redis_server
from tests.support.servers import PROJECT_ROOT, running_mock

RULE_LINE = re.compile(r"^\[([a-z][a-z0-9-]*)\] ", re.MULTILINE)
RUN_TIMEOUT_S = 180


@dataclass(frozen=True)
class Variant:
    name: str
    differs: str
    choices: Choices
    mock: bool = False  # rooms-mock itself, as a process, instead of the reference
    workers_on_redis: int = 0  # the mock as that many workers sharing a redis-server of its own

    def server(self) -> RoomsApi:
        return RoomsApi(choices=self.choices)

    def serve(self) -> AbstractContextManager[str]:
        """A new server of this variant on a free loopback port: its base URL while it runs."""
        if self.workers_on_redis:
            return mock_on_redis(self.workers_on_redis)
        return running_mock() if self.mock else serving(self.server())


@contextmanager
def mock_on_redis(workers: int) -> Iterator[str]:
    """rooms-mock as `workers` workers on a redis-server started for it (stopped after)."""
    with (
        redis_server() as redis,
        running_mock("--store", redis.url, "--workers", str(workers)) as base_url,
    ):
        yield base_url


def correct(**changes: Any) -> Choices:
    """The reference's choices, but for `changes`."""
    return replace(Choices(), **changes)


VARIANTS = (
    Variant(
        "reference-64-bit",
        "the reference itself, the baseline: it stores offset in 64 bits, so 2**63 - 1 is the "
        "last offset and past it (15869474418253767375453159424, say) is a 400",
        correct(),
    ),
    Variant("ids-6-characters", "ids are room_ and 6 letters or digits", correct(id_length=6)),
    Variant("ids-32-characters", "ids are room_ and 32 letters or digits", correct(id_length=32)),
    Variant(
        "ids-sequential",
        "ids count up (room_000001, room_000002, ...), as a database sequence does",
        correct(sequential_ids=True),
    ),
    Variant("slow-25ms", "every answer takes 25 ms more", correct(latency_s=0.025)),
    Variant(
        "rooms-3000",
        "holds 3,000 rooms before the suite comes, every fifth ended, pairs created together",
        correct(preloaded_rooms=3000),
    ),
    Variant(
        "location-absolute",
        "Location is an absolute URL, http://host:port/api/v1/rooms/{id} (RFC 9110)",
        correct(absolute_location=True),
    ),
    Variant(
        "timestamps-microseconds-offset",
        "timestamps as Python's isoformat writes them: 6 digits and +00:00",
        correct(fraction_digits=6, utc_suffix="+00:00"),
    ),
    Variant(
        "timestamps-whole-seconds",
        "timestamps in whole seconds, stored so (MySQL's DATETIME): rooms tie, ids break ties",
        correct(fraction_digits=0),
    ),
    Variant(
        "timestamps-trimmed",
        "microseconds with trailing zeros dropped (Go's RFC3339Nano): 0 to 6 digits",
        correct(fraction_digits=6, trim_fraction=True),
    ),
    Variant(
        "counts-only-in-get-and-list",
        "participant_count only where the contract requires it: Get and List",
        correct(counts_everywhere=False),
    ),
    Variant(
        "query-strict",
        "refuses with a 400 +5 and 05, a parameter given twice, and unknown parameters",
        correct(integers="plain", repeated_query="400", unknown_query_400=True),
    ),
    Variant(
        "query-lenient",
        "takes other scripts' digits (full-width 5) and the first of a repeated parameter",
        correct(integers="unicode", repeated_query="first"),
    ),
    Variant(
        "bodies-refused-where-none",
        "refuses with a 400 a body sent to GET, DELETE or end",
        correct(body_where_none_400=True),
    ),
    Variant(
        "media-charset",
        "Content-Type with `; charset=utf-8`, on rooms and on problems",
        correct(
            json_media="application/json; charset=utf-8",
            problem_media="application/problem+json; charset=utf-8",
        ),
    ),
    Variant(
        "allow-other-order",
        "Allow lists the methods in another order and spacing",
        correct(allow={"rooms": "POST,GET", "room": "DELETE, PATCH, GET", "end": "POST"}),
    ),
    Variant(
        "lookup-before-body",
        "update finds the room (404, 409) before it reads the body (400, 415)",
        correct(lookup_before_body=True),
    ),
    Variant(
        "problems-rich",
        "problems with a type URI, the instance, and every violation of a 400 in `errors`",
        correct(rich_problems=True),
    ),
    Variant(
        "head-and-options",
        "answers HEAD where it answers GET, and OPTIONS, and lists both in Allow (as Express, "
        "Spring MVC and Go's ServeMux do; RFC 9110: every general-purpose server has HEAD)",
        correct(head=True, options=True),
    ),
    Variant(
        "wire-format",
        "gzip, chunked bodies, Connection: close, extra headers, pretty ASCII-only JSON",
        correct(
            gzip=True,
            chunked=True,
            close_connections=True,
            extra_headers=True,
            json_style="pretty",
        ),
    ),
)

BY_NAME = {variant.name: variant for variant in VARIANTS}

ROOMS_MOCK = Variant(
    "rooms-mock", "the mock itself, with its bundled fixtures", correct(), mock=True
)
ROOMS_MOCK_REDIS = Variant(
    "rooms-mock-redis-2-workers",
    "the mock as two workers sharing a Redis (--store redis:// --workers 2), bundled fixtures",
    correct(),
    mock=True,
    workers_on_redis=2,
)
MOCKS = (ROOMS_MOCK, ROOMS_MOCK_REDIS)


def schedule(variants: list[Variant], runs: int) -> list[Variant]:
    """`runs` runs of each variant, in rounds, each round led by the slow servers: their runs
    mostly wait, so a pool of a few threads keeps the CPU busy with the others meanwhile."""
    round_ = sorted(variants, key=lambda variant: -variant.choices.latency_s)
    return [variant for _ in range(runs) for variant in round_]


@dataclass(frozen=True)
class SuiteRun:
    """One `rooms-contract` run against a fresh server of a variant, as a user runs it."""

    variant: str
    seed: int
    code: int
    output: str
    seconds: float

    @property
    def passed(self) -> bool:
        return self.code == 0

    @property
    def rules(self) -> list[str]:
        return RULE_LINE.findall(self.output)

    @property
    def verdict(self) -> str:
        """passed; a false alarm (a rule of the contract named); or the suite broke down."""
        if self.passed:
            return "passed"
        return "false alarm" if self.rules else "suite broke"

    def summary(self) -> str:
        verdict = "passed" if self.passed else f"FAILED (exit {self.code}) {self.rules}"
        return f"{self.variant:32} seed {self.seed:10} {verdict} in {self.seconds:4.1f} s"


def run_suite(variant: Variant, seed: int | None = None, *options: str) -> SuiteRun:
    """`python -m contract_tests.cli --base-url URL --seed SEED` against a new server."""
    seed = random.randrange(2**32) if seed is None else seed
    command = [sys.executable, "-m", "contract_tests.cli", "--seed", str(seed), *options]
    with variant.serve() as base_url:
        started = time.monotonic()
        finished = subprocess.run(
            [*command, "--base-url", base_url],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )
        seconds = time.monotonic() - started
    output = finished.stdout + finished.stderr
    return SuiteRun(variant.name, seed, finished.returncode, output, seconds)
