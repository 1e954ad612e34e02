"""The request journal: what the API was asked and what it answered, in a bounded ring.

Recording is on the API's hot path, so it keeps the raw pieces (the scope's header
list, the body bytes, the response it sent) as one tuple, marshals them 32 entries at a
time into one `bytes`, and does all the formatting when someone reads the journal.
Reading masks credentials, parses bodies and pulls the violations out of problems.

    GET    /_mock/requests?operation=&method=&path=&status=&since=&limit=
    DELETE /_mock/requests
"""

from __future__ import annotations

import fnmatch
import functools
import json
import marshal
import operator
import shlex
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import perf_counter
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import Scope

from rooms_spec.json_text import as_json
from rooms_spec.validators import Violation

from .guard import BODY

DEFAULT_SIZE = 1000
MAX_SIZE = 1_000_000
# A body is kept up to this many bytes, and the ring holds no more than MAX_BYTES whatever
# its size: the oldest entries go first.
KEPT_BODY_BYTES = 16 * 1024
MAX_BYTES = 64 * 1024 * 1024
MASK = "***"
SENSITIVE = ("authorization", "cookie", "token", "key", "secret", "password")
FILTERS = ("operation", "method", "path", "status", "since", "limit")
# Left out of curl lines: curl sends its own (and the length follows the body).
NOT_REPEATED = frozenset(("host", "content-length", "connection", "accept-encoding", "user-agent"))
Headers = Sequence[tuple[bytes, bytes]]


@functools.lru_cache(maxsize=1024)  # a server sees few names; each is looked at per request
def is_sensitive(name: str) -> bool:
    """A header or query parameter whose value is a credential (shown as `***`)."""
    lowered = name.lower()
    return any(word in lowered for word in SENSITIVE)


@functools.lru_cache(maxsize=1024)
def _is_sensitive_header(name: bytes) -> bool:
    return is_sensitive(name.decode("latin-1"))


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule of the contract one exchange broke (proxy mode), and which side broke it: the
    `backend` by its answer, or the `client` by its request."""

    rule: str
    side: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "side": self.side, "message": self.message}


@dataclass(slots=True)
class Entry:
    """One request and its answer, as received and sent (formatted by `to_json`)."""

    id: int
    time: float  # seconds since the epoch, when the request arrived
    method: str
    path: str
    query: bytes
    headers: Headers
    body: bytes
    operation: str | None
    status: int | None  # None: no HTTP answer was sent (a connection fault, a client gone)
    response_headers: Headers
    response_body: bytes
    duration_ms: float
    fault: str | None = None  # the fault rule that acted on it
    forced: bool = False  # the mock's own answer (Prefer, `?__code=`, a fault rule)
    answered_by: str | None = None  # proxy mode: `backend`, `mock` or `proxy` (its own 502/504)
    contract: tuple[Finding, ...] = ()  # proxy mode: the rules the exchange broke

    def to_json(self) -> dict[str, Any]:
        found = self._json()
        if self.answered_by is not None:
            found["answered_by"] = self.answered_by
            found["contract_violations"] = [finding.as_dict() for finding in self.contract]
        return found

    def _json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": format_time(self.time),
            "method": self.method,
            "path": self.path,
            "query": query_of(self.query),
            "headers": headers_of(self.headers),
            "body": body_of(self.body),
            "operation": self.operation,
            "status": self.status,
            "response": None
            if self.status is None
            else {"headers": headers_of(self.response_headers), "body": self.response_value()},
            "duration_ms": round(self.duration_ms, 3),
            "violations": [violation.as_dict() for violation in self.violations()],
            "fault": self.fault,
            "forced": self.forced,
            "curl": self.curl(),
        }

    def curl(self) -> str:
        """A curl command that sends this request again (credentials masked)."""
        headers = headers_of(self.headers)
        url = f"http://{headers.get('host', '127.0.0.1')}{self.path}"
        if self.query:
            url += f"?{masked_query(self.query)}"
        parts = ["curl", "-i", "-X", self.method, shlex.quote(url)]
        for name, value in headers.items():
            if name not in NOT_REPEATED:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.body:
            parts += ["--data-binary", shlex.quote(self.body.decode("utf-8", errors="replace"))]
        return " ".join(parts)

    def request_value(self) -> Any:
        return body_of(self.body)

    def response_value(self) -> Any:
        return body_of(self.response_body)

    def violations(self) -> list[Violation]:
        """The `errors` of a problem answer: for a 4xx, what was wrong with the request."""
        if self.status is None or self.status < 400 or not self.response_body:
            return []
        if not _is_problem(self.response_headers):
            return []
        try:
            errors = json.loads(self.response_body).get("errors", [])
        except (ValueError, AttributeError):
            return []
        return [
            Violation(str(e.get("in", "")), str(e.get("pointer", "")), str(e.get("message", "")))
            for e in errors
            if isinstance(e, dict)
        ]

    def summary(self) -> dict[str, Any]:
        """The few fields that identify an entry, for verify's answers."""
        target = self.path + (f"?{self.query.decode('latin-1')}" if self.query else "")
        return {
            "id": self.id,
            "method": self.method,
            "path": target,
            "operation": self.operation,
            "status": self.status,
        }


def _is_problem(headers: Headers) -> bool:
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.split(b";", 1)[0].strip() == b"application/problem+json"
    return False


def masked_headers(headers: Headers) -> Headers:
    """Credentials out before a header list leaves the request (the proxy's journal, the
    shared journal on Redis); reading masks them the same way, so what is shown is equal."""
    for name, _value in headers:
        if _is_sensitive_header(name):
            break
    else:
        return headers  # nothing to mask (most lists): the list itself, which nobody changes
    mask = MASK.encode()
    return [(name, mask if _is_sensitive_header(name) else value) for name, value in headers]


def format_time(moment: float) -> str:
    stamp = datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")
    return stamp.removesuffix("+00:00") + "Z"


def headers_of(raw: Headers) -> dict[str, str]:
    """Header names in lower case, repeats joined with `, `, credentials masked."""
    found: dict[str, str] = {}
    for name_bytes, value_bytes in raw:
        name = name_bytes.decode("latin-1").lower()
        value = MASK if is_sensitive(name) else value_bytes.decode("latin-1")
        found[name] = f"{found[name]}, {value}" if name in found else value
    return found


def query_of(raw: bytes) -> dict[str, str | list[str]]:
    """The query as a mapping; a repeated name gives a list; credentials masked."""
    found: dict[str, str | list[str]] = {}
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        shown = MASK if is_sensitive(name) else value
        if name not in found:
            found[name] = shown
        else:
            previous = found[name]
            found[name] = [*previous, shown] if isinstance(previous, list) else [previous, shown]
    return found


def masked_query(raw: bytes) -> str:
    """The query string as sent, or with credential values masked where it holds any."""
    text = raw.decode("latin-1")
    pairs = parse_qsl(text, keep_blank_values=True)
    if not any(is_sensitive(name) for name, _value in pairs):
        return text
    masked = [(name, MASK if is_sensitive(name) else value) for name, value in pairs]
    return urlencode(masked, safe="*")


def body_of(raw: bytes) -> Any:
    """A JSON body as its value, any other body as text, no body as None."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def kept(body: bytes) -> bytes:
    return body if len(body) <= KEPT_BODY_BYTES else body[:KEPT_BODY_BYTES]


class FilterError(ValueError):
    """A journal filter that cannot be read; `violations` says which and why."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(str(violation) for violation in violations))
        self.violations = violations


def status_matcher(text: str) -> set[str]:
    """`404`, `4xx` or a comma list of them (`none`: no HTTP answer); raises ValueError."""
    wanted: set[str] = set()
    for part in text.split(","):
        item = part.strip().lower()
        is_class = len(item) == 3 and item[0] in "12345" and item[1:] == "xx"
        is_code = item.isascii() and item.isdigit() and 100 <= int(item) <= 599
        if not (item == "none" or is_class or is_code):
            raise ValueError(f"{as_json(part)} is not a status (404), a class (4xx) or none")
        wanted.add(item)
    return wanted


def status_matches(wanted: set[str], status: int | None) -> bool:
    if status is None:
        return "none" in wanted
    code = str(status)
    return code in wanted or f"{code[0]}xx" in wanted


# How a rule or an expectation names the requests it means (faults.py, verify.py).
MATCH_PROPERTIES: dict[str, Any] = {
    "operation": {"type": "string", "minLength": 1},
    "method": {"type": "string", "minLength": 1, "maxLength": 20},
    "path": {"type": "string", "pattern": "^/"},
}


def path_matches(pattern: str, path: str) -> bool:
    """An exact path, or a glob when it holds `*` (`/api/v1/rooms/*`)."""
    return fnmatch.fnmatchcase(path, pattern) if "*" in pattern else path == pattern


@dataclass(frozen=True)
class Filters:
    """What `GET /_mock/requests` was asked for; every field optional."""

    operation: str | None = None
    method: str | None = None
    path: str | None = None
    status: frozenset[str] | None = None
    since_id: int | None = None
    since_time: float | None = None
    limit: int | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> Filters:
        """From a query string's parameters; unknown names and bad values raise FilterError."""
        problems: list[Violation] = []
        for name in query:
            if name not in FILTERS:
                listed = ", ".join(FILTERS)
                problems.append(
                    Violation("query", f"/{name}", f"unknown filter; the filters are {listed}")
                )
        values: dict[str, Any] = {}
        for name in ("operation", "method", "path"):
            if query.get(name):
                values[name] = query[name].upper() if name == "method" else query[name]
        if "status" in query:
            try:
                values["status"] = frozenset(status_matcher(query["status"]))
            except ValueError as error:
                problems.append(Violation("query", "/status", str(error)))
        if "since" in query:
            since = query["since"].strip()
            if since.isascii() and since.isdigit():
                values["since_id"] = int(since)
            else:
                try:
                    moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
                    if moment.tzinfo is None:
                        raise ValueError
                    values["since_time"] = moment.timestamp()
                except ValueError:
                    message = f"{as_json(since)} is neither an entry id nor an RFC 3339 time"
                    problems.append(Violation("query", "/since", message))
        if "limit" in query:
            raw = query["limit"].strip()
            if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_SIZE:
                values["limit"] = int(raw)
            else:
                message = f"{as_json(raw)} is not a whole number from 1 to {MAX_SIZE}"
                problems.append(Violation("query", "/limit", message))
        if problems:
            raise FilterError(problems)
        return cls(**values)

    def admits(self, entry: Entry) -> bool:
        return (
            (self.operation is None or entry.operation == self.operation)
            and (self.method is None or entry.method == self.method)
            and (self.path is None or path_matches(self.path, entry.path))
            and (self.status is None or status_matches(set(self.status), entry.status))
            and (self.since_id is None or entry.id > self.since_id)
            and (self.since_time is None or entry.time >= self.since_time)
        )


ENTRY_FIELDS = tuple(Entry.__dataclass_fields__)
_fields_of = operator.attrgetter(*ENTRY_FIELDS)  # an Entry's fields as a tuple, in one call
CONTRACT_AT = ENTRY_FIELDS.index("contract")
# marshal's version 2 writes no back-references: it is the fastest to write and the ring is
# read only by the process that wrote it.
MARSHAL_VERSION = 2
# Entries are marshalled this many at a time, into one `bytes` (see `Journal`).
BATCH = 32
Fields = tuple[Any, ...]


@dataclass
class Journal:
    """The last `size` requests the API answered, in at most `max_bytes`; `size` 0 records
    nothing.

    Recording keeps the entry's fields as a tuple of the pieces the request already had (the
    scope's header list, the body bytes, the response's header list and body): no copy, no
    formatting, no call into C. Every `BATCH` entries, the waiting tuples are marshalled into
    one `bytes` and only that is kept: a `bytes` is never tracked by the garbage collector
    and is one allocation for 32 entries. An `Entry` is made when someone reads the ring.

    Measured in a running mock (get, a ring of 1,000, against the journal off): one
    marshalled `bytes` per entry cost 11% of the throughput, of which 5% was the marshalling
    and the keeping, which batches make one call and one object in 32. Kept as objects (a
    dataclass, its header lists and their pairs), each entry was five tracked objects every
    young collection walked, and a young collection took several times as long.

    Old entries go a batch at a time, when a batch is sealed: the ring holds fewer than
    `size + 2 * BATCH` entries (reading skips the oldest beyond `size`), and at most
    `max_bytes` in sealed batches (the newest is kept whatever its size) besides the fewer
    than `BATCH` waiting.
    """

    size: int = DEFAULT_SIZE
    max_bytes: int = MAX_BYTES
    # Sealed batches, oldest first: how many entries each holds, and their marshalled list.
    _batches: deque[tuple[int, bytes]] = field(default_factory=deque, init=False)
    _sealed: int = field(default=0, init=False)  # entries in `_batches`
    _bytes: int = field(default=0, init=False)  # bytes in `_batches`
    _waiting: list[Fields] = field(default_factory=list, init=False)
    last_id: int = field(default=0, init=False)

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def record(
        self,
        scope: Scope,
        arrived: float,
        started: float,
        operation: str | None,
        status: int | None,
        response_headers: Headers,
        response_body: bytes | memoryview,
        fault: str | None,
        forced: bool,
    ) -> None:
        """Keep the request in `scope` (its body where the guard left it, `guard.BODY`) and
        its answer, `started` by `perf_counter`: the API's path, once per request, so no
        `Entry` is made. The header lists are kept as they are: neither may change later.

        It is `keep` and `kept` written out, not called: gathering an entry's fields through
        calls (`Api._write`, `kept`, then this) took 2.6% of a get's CPU in a running mock,
        measured side by side as bench_mock does."""
        self.last_id += 1
        waiting = self._waiting
        waiting.append((self.last_id, arrived, scope["method"], scope["path"],
                        scope.get("query_string", b""), scope.get("headers", ()),
                        scope.get(BODY, b"")[:KEPT_BODY_BYTES], operation, status,
                        response_headers, response_body[:KEPT_BODY_BYTES],
                        (perf_counter() - started) * 1000, fault, forced))  # fmt: skip
        if len(waiting) >= BATCH:
            self._seal()

    def add(self, entry: Entry) -> None:
        fields = list(_fields_of(entry))
        fields[CONTRACT_AT] = stored(entry.contract)
        self.keep(tuple(fields))

    def keep(self, fields: Fields) -> None:
        """Keep an entry given as its fields, in `Entry`'s order, its contract `stored`:
        `add` without making the `Entry` (the proxy's path, once per request)."""
        waiting = self._waiting
        waiting.append(fields)
        if len(waiting) >= BATCH:
            self._seal()

    def _seal(self) -> None:
        waiting, self._waiting = self._waiting, []
        blob = marshal.dumps(waiting, MARSHAL_VERSION)
        batches = self._batches
        batches.append((len(waiting), blob))
        self._sealed += len(waiting)
        self._bytes += len(blob)
        while len(batches) > 1 and (
            self._sealed - batches[0][0] + len(self._waiting) >= self.size
            or self._bytes > self.max_bytes
        ):
            count, oldest = batches.popleft()
            self._sealed -= count
            self._bytes -= len(oldest)

    def __len__(self) -> int:
        return min(self.size, self._sealed + len(self._waiting))

    def _fields(self) -> Iterator[Fields]:
        """Every entry's fields, oldest first, the surplus of the oldest batch skipped."""
        skip = self._sealed + len(self._waiting) - len(self)
        for _count, blob in self._batches:
            for fields in marshal.loads(blob):
                if skip:
                    skip -= 1
                    continue
                yield fields
        yield from self._waiting[skip:]

    def __iter__(self) -> Iterator[Entry]:
        for kept_fields in self._fields():
            fields: list[Any] = list(kept_fields)
            if len(fields) > CONTRACT_AT:  # kept as (rule, side, message) triples
                fields[CONTRACT_AT] = tuple(Finding(*triple) for triple in fields[CONTRACT_AT])
            yield Entry(*fields)

    def select(self, filters: Filters) -> list[Entry]:
        """The entries the filters admit, oldest first; `limit` keeps the newest."""
        return selected(self, filters)

    def clear(self) -> int:
        count = len(self)
        self._batches.clear()
        self._waiting = []
        self._sealed = self._bytes = 0
        return count


def stored(contract: Iterable[Finding]) -> list[tuple[str, str, str]]:
    """Findings as the ring keeps them: (rule, side, message) triples."""
    return [(finding.rule, finding.side, finding.message) for finding in contract]


def selected(entries: Iterable[Entry], filters: Filters) -> list[Entry]:
    """The entries (oldest first) the filters admit; `limit` keeps the newest. For the
    journal of one process and the shared one alike."""
    found = [entry for entry in entries if filters.admits(entry)]
    return found[-filters.limit :] if filters.limit else found


def listing(
    size: int, last_id: int, entries: Iterable[Entry], operations: list[str]
) -> dict[str, Any]:
    """The body of `GET /_mock/requests`: the entries, the ring's size, the newest id (for
    `since`), and the spec's operations (for the page's filter)."""
    return {
        "requests": [entry.to_json() for entry in entries],
        "size": size,
        "last_id": last_id,
        "operations": operations,
    }
