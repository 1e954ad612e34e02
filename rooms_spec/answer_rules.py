"""The contract's rules that one answer shows kept or broken, each a constant beside its judge.

One request and its answer are enough to judge these: the status and headers the spec
documents, the media types, the closed response objects, problem+json on every 4xx, a 204
with no body, `Location` naming the new room, `ended_at` no earlier than `created_at`, and
whether an invalid request was refused and a valid one accepted. The contract suite judges
them on the exchanges it sends (`contract_tests/suite/judge.py`, `schema_checks.py`) and the
mock's proxy on the traffic it forwards (`mock_server/proxy.py`): one copy of each check.

Each judge returns what is wrong, or None when the rule holds (or does not apply). An answer is
anything with the few fields of `Answered` (the suite's `Exchange`, the proxy's `Forwarded`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin

if TYPE_CHECKING:
    from .document import Spec
    from .validators import Validators

PROBLEM_JSON = "application/problem+json"
# Schemathesis' defaults for negative and positive data (`config/_checks.py`, 4.32.5).
REJECTED = {400, 401, 403, 404, 405, 406, 409, 415, 422, 428, 429}
ACCEPTED_4XX = {401, 403, 404, 409, 429}


@dataclass(frozen=True)
class ContractRule:
    """One promise of the contract: a short id and the sentence that makes it."""

    id: str
    quote: str

    def __str__(self) -> str:
        return f"[{self.id}] {self.quote}"


# --- the rules (the suite's table, `contract_tests/suite/rules.py`, holds them too) ---------

CREATE_LOCATION = ContractRule(
    "create-location",
    "POST /rooms create: 201, the Room, `Location: /api/v1/rooms/{id}`.",
)

ENDED_AT_ORDER = ContractRule(
    "ended-at-order",
    "`ended_at`: RFC 3339 date-time in UTC, >= `created_at`.",
)

PROBLEM_DETAILS = ContractRule(
    "problem-details",
    "Errors: every 4xx body is `application/problem+json` (RFC 9457) with at least `status` "
    "(the HTTP code), `title` and `detail`.",
)

MEDIA_TYPES = ContractRule(
    "media-types",
    "Errors: every 4xx body is `application/problem+json` (RFC 9457). Successful bodies are "
    "`application/json`; a 204 has no body and no `Content-Type`.",
)

NO_5XX = ContractRule(
    "no-5xx",
    "No request, however malformed, gets a 5xx.",
)

DOCUMENTED_STATUS = ContractRule(
    "documented-status",
    "Operations: each answers with its success status or an error of its row of the table "
    "(`openapi.yaml` must encode every rule here that OpenAPI can express).",
)

DOCUMENTED_HEADERS = ContractRule(
    "documented-headers",
    "POST /rooms create: 201, the Room, `Location: /api/v1/rooms/{id}`; a 405's `Allow` "
    "header lists every method the path supports.",
)

RESPONSE_SCHEMA = ContractRule(
    "response-schema",
    "The Room resource: each field with the type and rule of its table, present when the "
    "table says. Response objects are closed too: a server that returns a field the spec "
    "does not document breaks the contract.",
)

INVALID_REJECTED = ContractRule(
    "invalid-rejected",
    "400 invalid body (missing or empty `name`, wrong types, out-of-range values, unknown "
    "fields, malformed JSON, a body that is not an object); 400 `limit` or `offset` not an "
    "integer or out of range.",
)

VALID_ACCEPTED = ContractRule(
    "valid-accepted",
    "Create: `name` is required; `config` and each of its fields are optional. Update: "
    "every field is optional; `{}` is valid. List: `limit` is 1 to 100; `offset` is >= 0.",
)

CLIENT_REQUEST = ContractRule(
    "client-request",
    "A client sends what the spec documents: a path and method of an operation, its query "
    "parameters in range, a JSON body of its schema (judged by the mock's request checks; "
    "the proxy's rule for the client's side, not one of the suite's).",
)


class Answered(Protocol):
    """One request and its answer, as the judges read them."""

    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def status(self) -> int: ...
    @property
    def body(self) -> bytes: ...
    @property
    def media_type(self) -> str: ...
    def header(self, name: str) -> str | None: ...
    def json(self) -> Any: ...


@dataclass(frozen=True)
class Documented:
    """What the spec says of the operation an answer is for (`operation` None: a request no
    operation of the spec answers). What it looks up for a status is kept (a status is three
    digits, so at most a thousand of each): a proxy judges every answer by one of these."""

    spec: Spec
    validators: Validators
    operation: str | None
    _nodes: dict[int, Any] = field(default_factory=dict, compare=False, repr=False)
    _required: dict[int, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def responses(self) -> dict[str, Any]:
        if self.operation is None:
            return {}
        return self.spec.operations[self.operation].responses

    def response(self, status: int) -> dict[str, Any] | None:
        try:
            return self._nodes[status]
        except KeyError:
            responses = self.responses()
            node = responses.get(str(status), responses.get("default"))
            found = None if node is None else self.spec.follow(node)[0]
            self._nodes[status] = found
            return found

    def required_headers(self, status: int) -> tuple[str, ...]:
        """The headers the response for `status` must carry."""
        try:
            return self._required[status]
        except KeyError:
            node = self.response(status)
            headers = ((node or {}).get("headers") or {}).items()
            required = tuple(
                name for name, header in headers if self.spec.follow(header)[0].get("required")
            )
            self._required[status] = required
            return required


@lru_cache(maxsize=32)
def documented(spec: Spec, validators: Validators, operation: str | None) -> Documented:
    """The one `Documented` of an operation, with what it has looked up (a few operations of
    the one spec in use, or of the last few after reloads)."""
    return Documented(spec, validators, operation)


def created_id(exchange: Answered) -> str | None:
    """The id of the room a successful create made, if this exchange is one."""
    if exchange.method != "POST" or exchange.status != 201 or not exchange.path.endswith("/rooms"):
        return None
    body = exchange.json()
    room_id = body.get("id") if isinstance(body, dict) else None
    return room_id if isinstance(room_id, str) else None


# --- every answer ----------------------------------------------------------------------------


def problem_details(exchange: Answered) -> str | None:
    if not 400 <= exchange.status < 500:
        return None
    if exchange.media_type != PROBLEM_JSON:
        return f"a {exchange.status} is {exchange.media_type or '(no Content-Type)'!r}"
    body = exchange.json()
    if not isinstance(body, dict) or body.get("status") != exchange.status:
        got = body.get("status") if isinstance(body, dict) else body
        return f"a {exchange.status} whose problem `status` is {got!r}"
    return None


def no_content(exchange: Answered) -> str | None:
    if exchange.status != 204:
        return None
    content_type = exchange.header("content-type")
    if exchange.body or content_type:
        return f"a 204 with Content-Type {content_type!r} and {len(exchange.body)} body bytes"
    return None


def location(exchange: Answered) -> str | None:
    """A 201 from create names the new room in `Location`."""
    room_id = created_id(exchange)
    if exchange.status != 201 or exchange.method != "POST" or room_id is None:
        return None
    header = exchange.header("location")
    want = urljoin(exchange.url.split("?", 1)[0].rstrip("/") + "/", room_id)
    got = urljoin(exchange.url, header) if header else None
    return None if got == want else f"Location {header!r} does not name {want}"


def ended_after_created(exchange: Answered) -> str | None:
    body = exchange.json()
    rooms = body.get("rooms") if isinstance(body, dict) and "rooms" in body else [body]
    for item in rooms if isinstance(rooms, list) else []:
        if not isinstance(item, dict) or item.get("ended_at") is None:
            continue  # not ended (`null` in every room not ended: no exception raised for it)
        try:
            in_order = datetime.fromisoformat(item["ended_at"]) >= datetime.fromisoformat(
                item["created_at"]
            )
        except (KeyError, TypeError, ValueError):
            continue  # the schema checks report malformed timestamps
        if not in_order:
            return (
                f"room {item.get('id')} ended at {item['ended_at']}, "
                f"before it was created at {item['created_at']}"
            )
    return None


def server_error(exchange: Answered) -> str | None:
    return f"a {exchange.status}" if exchange.status >= 500 else None


def rejected(exchange: Answered) -> str | None:
    """The request was invalid: it must be refused."""
    if exchange.status in REJECTED or exchange.status >= 500:
        return None
    return f"invalid data accepted: {exchange.status}"


def accepted(exchange: Answered) -> str | None:
    """The request was valid: it must not be refused as invalid."""
    if exchange.status < 400 or exchange.status in ACCEPTED_4XX or exchange.status >= 500:
        return None
    return f"valid data refused: {exchange.status}"


# --- against the spec ------------------------------------------------------------------------


def documented_status(documented: Documented, exchange: Answered) -> str | None:
    responses = documented.responses()
    if not responses or str(exchange.status) in responses or "default" in responses:
        return None
    return f"{exchange.status} is not documented (documented: {', '.join(responses)})"


def media_type(documented: Documented, exchange: Answered) -> str | None:
    problem = no_content(exchange)
    node = documented.response(exchange.status)
    if problem or node is None or exchange.status == 204:
        return problem
    content = node.get("content") or {}
    if content and exchange.media_type not in content:
        return f"Content-Type {exchange.media_type or '(none)'!r}; documented: {', '.join(content)}"
    return None


def headers(documented: Documented, exchange: Answered) -> str | None:
    for name in documented.required_headers(exchange.status):
        if exchange.header(name) is None:
            return f"the {exchange.status} has no {name} header"
    return None


def response_schema(documented: Documented, exchange: Answered) -> str | None:
    if documented.operation is None or not exchange.body:
        return None
    validator = documented.validators.response(
        documented.operation, exchange.status, exchange.media_type
    )
    if validator is None:
        return None
    body = exchange.json()
    if body is None:
        return "the body is not JSON"
    found = validator.violations(body)
    return "; ".join(str(violation) for violation in found[:3]) if found else None


def _any_answer(judge: Callable[[Answered], str | None]) -> AnswerJudge:
    def on(documented: Documented, exchange: Answered) -> str | None:
        return judge(exchange)

    return on


AnswerJudge = Callable[[Documented, Answered], str | None]
ANSWER_RULES: tuple[tuple[ContractRule, AnswerJudge], ...] = (
    (NO_5XX, _any_answer(server_error)),
    (DOCUMENTED_STATUS, documented_status),
    (MEDIA_TYPES, media_type),
    (DOCUMENTED_HEADERS, headers),
    (RESPONSE_SCHEMA, response_schema),
    (PROBLEM_DETAILS, _any_answer(problem_details)),
    (CREATE_LOCATION, _any_answer(location)),
    (ENDED_AT_ORDER, _any_answer(ended_after_created)),
)
"""Every rule one answer shows, whatever the request was: the proxy judges each answer by all."""

REQUEST_RULES: dict[bool, tuple[ContractRule, Callable[[Answered], str | None]]] = {
    False: (INVALID_REJECTED, rejected),
    True: (VALID_ACCEPTED, accepted),
}
"""The rule an answer keeps or breaks by the request's validity (True: the request was valid)."""


def broken(
    documented: Documented, exchange: Answered, request_valid: bool | None = None
) -> list[tuple[ContractRule, str]]:
    """Every rule of one answer it breaks, with what is wrong; `request_valid` (when known)
    adds the rule of refusing invalid requests and accepting valid ones."""
    found = [
        (rule, problem)
        for rule, judge in ANSWER_RULES
        if (problem := judge(documented, exchange)) is not None
    ]
    if request_valid is not None and documented.operation is not None:
        rule, judge = REQUEST_RULES[request_valid]
        problem = judge(exchange)
        if problem is not None:
            found.append((rule, problem))
    return found
