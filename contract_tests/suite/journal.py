"""The run's record: every exchange the process sent, and which rule judged which of them.

Every request goes through one of two doors (the suite's `ApiClient`, Schemathesis' `after_call`
hook); both hand the exchange to `JOURNAL.sent`. Every check that judges a response names its
rule here (`JOURNAL.judged`): `checks.expect` for the behaviour checks, the `after_validate`
hook for each of Schemathesis' checks. From that come the coverage matrix (rules x operations,
requests each), the requests sent, and the HAR and NDJSON reports; a failure's setup steps come
from the creates it kept.

What a check is doing in this thread (`Scope`: its test, its layer, the exchanges of its current
example, the last failing example) is thread-local: the checks of a run go on at once.
Only the standard library, the suite's plain-data modules and the spec layer's `created_id`.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rooms_spec.answer_rules import created_id

from .exchange import Exchange

if TYPE_CHECKING:
    from rooms_spec import Spec

OTHER = "other"
"""The column of requests no operation of the spec answers (unknown paths, other methods)."""
PATH_PARAMETER = re.compile(r"\{[^}/]+\}")


class Operations:
    """Which operation of the spec a request is for, by its method and path."""

    def __init__(self, spec: Spec, base_url: str) -> None:
        base_path = urlsplit(base_url).path.rstrip("/")
        self.base_path = base_path
        self.ids = [op.operation_id for op in spec.iter_operations() if op.operation_id]
        self.labels = {op.operation_id: op.label for op in spec.iter_operations()}
        self._routes = [
            (op.method.upper(), path_pattern(base_path + op.path), op.operation_id)
            for op in spec.iter_operations()
            if op.operation_id
        ]

    def of(self, method: str, url: str) -> str:
        path = urlsplit(url).path
        for route_method, pattern, operation_id in self._routes:
            if route_method == method.upper() and pattern.fullmatch(path):
                return operation_id
        return OTHER


def path_pattern(template: str) -> re.Pattern[str]:
    """`/api/v1/rooms/{id}` as a pattern of the paths it stands for (a trailing `/` too)."""
    parts = PATH_PARAMETER.split(template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts) + "/?")


@dataclass
class Scope:
    """One test running in this thread: what its current example sent, and what the last
    example that failed sent (a failure's steps, for the reports and for replay)."""

    test: str
    layer: str
    steps: list[Exchange] = field(default_factory=list)
    arguments: dict[str, Any] | None = None
    culprit: int | None = None
    """The serial of the exchange a Schemathesis check failed on, in this example."""
    rooms: set[str] = field(default_factory=set)
    """Rooms Schemathesis created in this example and did not delete."""
    failed_steps: tuple[Exchange, ...] = ()
    failed_culprit: int | None = None
    failed_arguments: dict[str, Any] | None = None

    def begin_example(self) -> None:
        self.steps = []
        self.culprit = None
        self.arguments = None

    def example_failed(self) -> None:
        self.failed_steps = tuple(self.steps)
        self.failed_arguments = self.arguments
        culprit = self.culprit
        if culprit is None and self.steps:
            culprit = self.steps[-1].serial
        self.failed_culprit = next(
            (index for index, step in enumerate(self.steps) if step.serial == culprit), None
        )


_local = threading.local()


def current_scope() -> Scope | None:
    return getattr(_local, "scope", None)


@contextmanager
def scope(test: str, layer: str) -> Iterator[Scope]:
    """Attribute what this thread sends to `test` until the block ends."""
    before = current_scope()
    _local.scope = Scope(test, layer)
    try:
        yield _local.scope
    finally:
        _local.scope = before


@contextmanager
def example() -> Iterator[Scope | None]:
    """One Hypothesis example of the current test: its exchanges start empty, and if it fails
    they are kept as the test's failing example."""
    current = current_scope()
    if current is not None:
        current.begin_example()
    try:
        yield current
    except BaseException:
        if current is not None:
            current.example_failed()
        raise


class Journal:
    """What this process sent and judged (one pytest session, or one xdist worker)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Start a new session's record."""
        self.operations: Operations | None = None
        self.keep = False
        self.entries: list[tuple[str, str, Exchange]] = []
        """(layer, test, exchange) of every request, when a report needs them (`keep`)."""
        self.requests: Counter[str] = Counter()
        self.judged_counts: dict[str, Counter[str]] = {}
        self._judged: set[tuple[str, int]] = set()
        self.creates: dict[str, Exchange] = {}

    def start(self, spec: Spec, base_url: str, *, keep: bool) -> None:
        self.operations = Operations(spec, base_url)
        self.keep = keep

    def operation_of(self, exchange: Exchange) -> str:
        return (
            OTHER if self.operations is None else self.operations.of(exchange.method, exchange.url)
        )

    def sent(self, exchange: Exchange) -> None:
        """Note one exchange, and add it to the current example of this thread's test."""
        current = current_scope()
        operation = self.operation_of(exchange)
        room_id = created_id(exchange)
        with self._lock:
            self.requests[operation] += 1
            if room_id is not None:
                self.creates[room_id] = exchange
            if self.keep:
                where = (current.layer, current.test) if current else ("cleanup", "")
                self.entries.append((*where, exchange))
        if current is not None:
            current.steps.append(exchange)

    def judged(self, rule_id: str, exchange: Exchange) -> None:
        """`rule_id` was checked against this exchange's answer (counted once per exchange)."""
        key = (rule_id, exchange.serial)
        operation = self.operation_of(exchange)
        with self._lock:
            if key in self._judged:
                return
            self._judged.add(key)
            self.judged_counts.setdefault(rule_id, Counter())[operation] += 1

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def as_data(self) -> dict[str, Any]:
        """What an xdist worker hands the controller at its end."""
        with self._lock:
            return {
                "requests": dict(self.requests),
                "judged": {rule: dict(counts) for rule, counts in self.judged_counts.items()},
                "entries": [[layer, test, ex.as_data()] for layer, test, ex in self.entries],
            }

    def merge(self, data: dict[str, Any]) -> None:
        with self._lock:
            self.requests.update(data["requests"])
            for rule, counts in data["judged"].items():
                self.judged_counts.setdefault(rule, Counter()).update(counts)
            self.entries += [
                (layer, test, Exchange.from_data(ex)) for layer, test, ex in data["entries"]
            ]


JOURNAL = Journal()
