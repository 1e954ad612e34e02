"""Fault rules: the failures a real network throws, on demand, per operation.

    POST /_mock/faults {"match": {"operation": "getRoom"}, "next": 2,
                        "respond": {"status": 503, "headers": {"Retry-After": "2"}}}

A rule says which requests it takes (`match`: operation, method, path; then the
`next` N of them, `every` Kth, or each with a `probability` drawn from a `seed`) and
what happens to them: a `delay` (fixed, uniform or lognormal), and then either a
forced answer (`respond`: any status, headers, body), a connection `fault`
(`connection_reset`, `empty_reply`, `malformed_body`, `truncated_body`), or the
real answer `dribble`d in chunks. Rules are tried in order; the first that fires
acts, and a spent rule (its `next` used up) goes away.

Forced answers and connection faults never reach the store; a delay or a dribble
delays the real answer, which does. Everything is bounded: at most `MAX_RULES`
rules, each with two counters.
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from starlette.responses import Response

from rooms_spec import Operation, Spec
from rooms_spec.json_text import as_json
from rooms_spec.validators import Validators, Violation

from .journal import MATCH_PROPERTIES, path_matches
from .prefer import MAX_DELAY_MS, Preference, PreferError, forced_response
from .responses import JSON, PROBLEM_JSON, dump_json, problem_body

MAX_RULES = 100
MAX_COUNT = 1_000_000
CONNECTION_FAULTS = ("connection_reset", "empty_reply", "malformed_body", "truncated_body")
HEADER_NAME = frozenset("!#$%&'*+-.^_`|~" + string.ascii_letters + string.digits)  # RFC 9110 token
ACTIONS = ("delay", "respond", "fault", "dribble")

MS: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": MAX_DELAY_MS}
RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"},
        "match": {
            "type": "object",
            "additionalProperties": False,
            "properties": MATCH_PROPERTIES,
        },
        "next": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
        "every": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "seed": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
        "delay": {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {
                "fixed": MS,
                "uniform": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["min", "max"],
                    "properties": {"min": MS, "max": MS},
                },
                "lognormal": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["median", "sigma"],
                    "properties": {
                        "median": {"type": "number", "minimum": 0, "maximum": MAX_DELAY_MS},
                        "sigma": {"type": "number", "minimum": 0, "maximum": 10},
                    },
                },
            },
        },
        "respond": {
            "type": "object",
            "additionalProperties": False,
            "required": ["status"],
            "properties": {
                "status": {"type": "integer", "minimum": 200, "maximum": 599},
                "headers": {
                    "type": "object",
                    "maxProperties": 50,
                    "additionalProperties": {"type": "string", "maxLength": 8192},
                },
                "body": {},
            },
        },
        "fault": {"type": "string", "enum": list(CONNECTION_FAULTS)},
        "dribble": {
            "type": "object",
            "additionalProperties": False,
            "required": ["chunks", "over_ms"],
            "properties": {
                "chunks": {"type": "integer", "minimum": 2, "maximum": 1000},
                "over_ms": MS,
            },
        },
    },
}


DRAW_BITS = 52  # a draw is exact in a double, in Python and in Redis' Lua alike


def draw(seed: int, n: int) -> float:
    """The draw in [0, 1) for the `n`-th request a probability rule counts: a function of
    the seed and `n` alone, so every worker that counts the `n`-th draws the same (the
    Lua of shared_faults.py computes it with `redis.sha1hex`)."""
    digest = hashlib.sha1(f"{seed}:{n}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[: DRAW_BITS // 4], 16) / 2**DRAW_BITS


def prepared(document: dict[str, Any]) -> tuple[str | None, dict[str, Any], int | None]:
    """A valid rule's id (None: the mock names it), the rest, and its seed (drawn, to be
    shown, when a probability has none)."""
    given = dict(document)
    rule_id = given.pop("id", None)
    seed = given.pop("seed", None)
    if "probability" in given and seed is None:
        seed = secrets.randbits(32)
    return rule_id, given, seed


class FaultError(Exception):
    """A fault rules file that cannot be loaded; the message is one line."""


def rule_violations(
    document: Any, spec: Spec, validators: Validators, where: str = ""
) -> list[Violation]:
    """Everything wrong with one rule document; `where` prefixes the pointers."""
    found = validators.compile(RULE_SCHEMA).violations(document)
    if found or not isinstance(document, dict):
        return [Violation(v.where, where + v.pointer, v.message) for v in found]

    def wrong(pointer: str, message: str) -> None:
        found.append(Violation("body", where + pointer, message))

    if not set(ACTIONS) & set(document):
        wrong("", f"a rule needs an action: {', '.join(ACTIONS)}")
    if "respond" in document and "fault" in document:
        wrong("/fault", "a rule either responds or breaks the connection, not both")
    if "dribble" in document and "fault" in document:
        wrong("/dribble", "a connection fault sends no body to dribble")
    if "seed" in document and "probability" not in document:
        wrong("/seed", "a seed drives a probability; give one")
    operation = document.get("match", {}).get("operation")
    if operation is not None and operation not in spec.operations:
        wrong("/match/operation", f"{as_json(operation)} is not an operation of the spec")
    uniform = document.get("delay", {}).get("uniform")
    if uniform and uniform["min"] > uniform["max"]:
        wrong("/delay/uniform", "min is greater than max")
    respond = document.get("respond", {})
    for name, value in respond.get("headers", {}).items():
        if not name or not set(name) <= HEADER_NAME:
            wrong(f"/respond/headers/{name}", "not a header name")
        elif not value.isprintable() or not value.isascii():
            wrong(f"/respond/headers/{name}", "a header value is printable ASCII on one line")
    if respond.get("status") in (204, 304) and "body" in respond:
        wrong("/respond/body", f"a {respond['status']} has no body")
    return found


@dataclass
class Rule:
    """One rule as given, with what it has done so far."""

    document: dict[str, Any]
    id: str
    seed: int | None = None
    seen: int = 0
    fired: int = 0
    _seed: int = field(init=False, repr=False)
    _delays: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._seed = self.seed if self.seed is not None else secrets.randbits(32)
        self._delays = random.Random(f"{self._seed}:delay")  # never shifts which requests fire

    @property
    def match(self) -> dict[str, str]:
        return self.document.get("match", {})

    @property
    def fault(self) -> str | None:
        return self.document.get("fault")

    @property
    def respond(self) -> dict[str, Any] | None:
        return self.document.get("respond")

    @property
    def dribble(self) -> dict[str, int] | None:
        return self.document.get("dribble")

    @property
    def forces_answer(self) -> bool:
        """Does the rule answer instead of the API (so the store is never reached)?"""
        return "respond" in self.document or "fault" in self.document

    @property
    def spent(self) -> bool:
        return "next" in self.document and self.fired >= self.document["next"]

    def matches(self, method: str, path: str, operation_id: str | None) -> bool:
        match = self.match
        return (
            ("operation" not in match or match["operation"] == operation_id)
            and ("method" not in match or match["method"].upper() == method)
            and ("path" not in match or path_matches(match["path"], path))
        )

    def fires(self) -> bool:
        """Count one matching request and say whether the rule acts on it."""
        self.seen += 1
        if self.seen % self.document.get("every", 1):
            return False
        probability = self.document.get("probability", 1)
        if probability < 1 and draw(self._seed, self.seen) >= probability:
            return False
        self.fired += 1
        return True

    def delay_s(self) -> float:
        """A delay drawn from the rule's distribution, in seconds (at most a minute)."""
        delay = self.document.get("delay")
        if not delay:
            return 0.0
        if "fixed" in delay:
            ms = float(delay["fixed"])
        elif "uniform" in delay:
            ms = self._delays.uniform(delay["uniform"]["min"], delay["uniform"]["max"])
        else:
            shape = delay["lognormal"]
            median = max(float(shape["median"]), 1e-9)
            ms = self._delays.lognormvariate(math.log(median), float(shape["sigma"]))
        return min(ms, MAX_DELAY_MS) / 1000

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"id": self.id, **self.document}
        if "probability" in self.document:
            shown["seed"] = self.seed
        shown["seen"] = self.seen
        shown["fired"] = self.fired
        if "next" in self.document:
            shown["remaining"] = max(self.document["next"] - self.fired, 0)
        return shown


class Faults:
    """The active rules, in order; `start` are the rules of the file given at start."""

    def __init__(self, start: Iterable[dict[str, Any]] = ()) -> None:
        self.start = list(start)
        self.rules: list[Rule] = []
        self._count = 0
        self.reset()

    def reset(self) -> None:
        """Back to the rules given at start, with fresh counters."""
        self.rules = []
        for document in self.start:
            self.add(document)

    def _new_rule(self, document: dict[str, Any]) -> Rule:
        self._count += 1
        rule_id, given, seed = prepared(document)
        return Rule(given, rule_id or f"rule-{self._count}", seed)

    def add(self, document: dict[str, Any]) -> Rule:
        """Append a valid rule; ValueError when the id is taken or there are too many."""
        if len(self.rules) >= MAX_RULES:
            raise ValueError(f"there are already {MAX_RULES} rules, the most the mock keeps")
        if document.get("id") in {rule.id for rule in self.rules}:
            raise ValueError(f"a rule with the id {as_json(document['id'])} exists")
        rule = self._new_rule(document)
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: str) -> bool:
        kept = [rule for rule in self.rules if rule.id != rule_id]
        removed = len(kept) != len(self.rules)
        self.rules = kept
        return removed

    def clear(self) -> int:
        count = len(self.rules)
        self.rules = []
        return count

    def pick(self, method: str, path: str, operation_id: str | None) -> Rule | None:
        """The first rule that fires for this request (counted), or None."""
        for rule in self.rules:
            if rule.matches(method, path, operation_id) and rule.fires():
                if rule.spent:
                    self.rules.remove(rule)
                return rule
        return None

    def listing(self) -> dict[str, Any]:
        return {"rules": [rule.to_json() for rule in self.rules]}


def load_rules_file(path: Path, spec: Spec, validators: Validators) -> list[dict[str, Any]]:
    """The rules of a JSON file, `{"rules": [...]}` or a list; FaultError names the problem."""
    try:
        document = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise FaultError(f"{path}: no such file") from None
    except OSError as error:
        raise FaultError(f"{path}: cannot read: {error.strerror or error}") from None
    except orjson.JSONDecodeError as error:
        raise FaultError(f"{path}: not valid JSON: {error}") from None
    rules = document.get("rules") if isinstance(document, dict) else document
    if not isinstance(rules, list) or (isinstance(document, dict) and set(document) != {"rules"}):
        raise FaultError(f'{path}: expected {{"rules": [...]}} or a list of rules')
    if len(rules) > MAX_RULES:
        raise FaultError(f"{path}: {len(rules)} rules, more than the {MAX_RULES} the mock keeps")
    ids: set[str] = set()
    for index, rule in enumerate(rules):
        violations = rule_violations(rule, spec, validators)
        if violations:
            first = violations[0]
            raise FaultError(f"{path}: rules[{index}]{first.pointer}: {first.message}")
        if rule.get("id") in ids:
            raise FaultError(f"{path}: rules[{index}]: the id {as_json(rule['id'])} is used twice")
        ids.add(rule.get("id"))
    return rules


def forced_answer(rule: Rule, spec: Spec, operation: Operation | None, path: str) -> Response:
    """The answer a `respond` rule gives: its status, headers and body.

    Without a body, an error status gets a problem naming the rule, and a success the
    operation's documented example for that status (if any)."""
    respond = rule.respond or {}
    status = int(respond["status"])
    headers = dict(respond.get("headers", {}))
    if "body" in respond:
        media_type = PROBLEM_JSON if status >= 400 else JSON
        return Response(dump_json(respond["body"]), status, headers, media_type)
    if status >= 400:
        detail = f"Forced by the fault rule {as_json(rule.id)}."
        body = problem_body(status, detail, instance=path)
        return Response(orjson.dumps(body), status, headers, PROBLEM_JSON)
    if operation is not None and str(status) in operation.responses:
        try:
            forced = forced_response(spec, operation, Preference(code=status), "")
        except PreferError:
            forced = None
        if forced is not None and forced.media_type is not None:
            return Response(orjson.dumps(forced.body), status, headers, forced.media_type)
    return Response(status_code=status, headers=headers)


SAMPLE_BODY = {"detail": "This is the body a fault rule sends cut short or garbled."}


def sample_answer(spec: Spec, operation: Operation | None) -> tuple[int, bytes]:
    """A success body of the operation (its documented example), to garble or cut short."""
    if operation is None:
        return 200, orjson.dumps(SAMPLE_BODY)
    for status in operation.responses:
        if not status.startswith("2"):
            continue
        try:
            forced = forced_response(spec, operation, Preference(code=int(status)), "")
        except PreferError:
            continue
        if forced.media_type is not None:
            return forced.status, orjson.dumps(forced.body)
    return 200, orjson.dumps(SAMPLE_BODY)
