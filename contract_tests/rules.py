"""The contract's rules, each with a short id and the sentence it quotes, and the error that
names a broken one.

Every failure the suite reports starts with a rule from here, so a reader sees which promise
of the contract (`rooms-api-contract.md`) the server broke, in the contract's own words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One promise of the contract: a short id and the sentence that makes it."""

    id: str
    quote: str

    def __str__(self) -> str:
        return f"[{self.id}] {self.quote}"


class ContractViolation(AssertionError):
    """A server broke a rule; the message names it, how to reproduce it and what came back."""

    def __init__(self, rule: Rule, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.id: rule for rule in rules}


RULES = _rules(
    Rule(
        "create-echoes",
        "POST /rooms create: 201, the Room (the spec: the response echoes what was sent, "
        "with the defaults filled in).",
    ),
    Rule(
        "create-defaults",
        "Create: `name` is required; `config` and each of its fields are optional and take "
        "the defaults above. (`max_participants` 100, `recording_enabled` false, "
        "`chat_enabled` true)",
    ),
    Rule(
        "create-new-room",
        "The new room is `active`, has no `ended_at`, and has `participant_count` 0.",
    ),
    Rule(
        "create-location",
        "POST /rooms create: 201, the Room, `Location: /api/v1/rooms/{id}`.",
    ),
    Rule(
        "get-equals-create",
        "GET /rooms/{id} get: 200, the Room. (the room create returned, field for field)",
    ),
    Rule(
        "id-unique",
        "`id`: assigned by the server, unique, never reused.",
    ),
    Rule(
        "patch-merges-config",
        "`config` merges field by field: a field left out keeps its value.",
    ),
    Rule(
        "patch-persists",
        "The response equals what a following Get returns.",
    ),
    Rule(
        "patch-empty",
        "Update: every field is optional; `{}` is valid and changes nothing.",
    ),
    Rule(
        "created-at-fixed",
        "`created_at`: RFC 3339 date-time in UTC, set by the server on create, never changes.",
    ),
    Rule(
        "patch-ended-409",
        "PATCH /rooms/{id} update: 409 the room is ended.",
    ),
    Rule(
        "delete-permanent",
        "Delete: permanent. Afterwards Get, Update, End and Delete of that id all give 404, "
        "and the room is gone from List and from `total`. Works on active and ended rooms.",
    ),
    Rule(
        "end-marks-ended",
        "End: marks the room ended and sets `ended_at` to the current time; every other field "
        "keeps its value.",
    ),
    Rule(
        "end-stays",
        "The room stays in List and Get.",
    ),
    Rule(
        "end-twice-409",
        "Ending twice is a 409 and leaves `ended_at` unchanged.",
    ),
    Rule(
        "ended-at-order",
        "`ended_at`: RFC 3339 date-time in UTC, >= `created_at`.",
    ),
    Rule(
        "list-echoes-paging",
        "List: `limit` is 1 to 100, default 20; `offset` is >= 0, default 0. The response "
        "echoes the `limit` and `offset` used.",
    ),
    Rule(
        "list-total",
        "`total` is the number of rooms that exist (active and ended), not the page size.",
    ),
    Rule(
        "list-order",
        "Rooms are ordered by `created_at` ascending, ties broken by `id` ascending, so paging "
        "is stable.",
    ),
    Rule(
        "list-pages",
        "`offset` is the number of rooms to skip and `limit` the most to return: consecutive "
        "pages are disjoint and together complete. (the document's query parameters)",
    ),
    Rule(
        "list-offset-past-end",
        "An `offset` at or past `total` gives an empty `rooms` list, not an error.",
    ),
    Rule(
        "list-shows-rooms",
        "List items carry `participant_count`. (each item is the room as Get returns it)",
    ),
    Rule(
        "unknown-id-404",
        "GET /rooms/{id} get: 404 unknown id.",
    ),
    Rule(
        "paths-and-methods",
        "A path that does not exist is a 404; a known path with a method it does not support "
        "is a 405 whose `Allow` header lists every method the path supports. Both are "
        "problem+json.",
    ),
    Rule(
        "closed-request-bodies",
        "Request bodies are closed: an unknown field, at the top level or inside `config`, "
        "is a 400.",
    ),
    Rule(
        "read-only-fields",
        "`id`, `status`, `created_at`, `participant_count` and `ended_at` cannot be set by a "
        "client (unknown field, 400).",
    ),
    Rule(
        "malformed-json-400",
        "A body that is not valid UTF-8 JSON is a 400, never a 5xx.",
    ),
    Rule(
        "not-json-415",
        "A body with another `Content-Type`, or with none, is a 415. An empty body with no "
        "`Content-Type` on create or update is a 400.",
    ),
    Rule(
        "problem-details",
        "Errors: every 4xx body is `application/problem+json` (RFC 9457) with at least `status` "
        "(the HTTP code), `title` and `detail`.",
    ),
    Rule(
        "media-types",
        "Errors: every 4xx body is `application/problem+json` (RFC 9457). Successful bodies are "
        "`application/json`; a 204 has no body and no `Content-Type`.",
    ),
    Rule(
        "no-5xx",
        "No request, however malformed, gets a 5xx.",
    ),
    Rule(
        "documented-status",
        "Operations: each answers with its success status or an error of its row of the table "
        "(`openapi.yaml` must encode every rule here that OpenAPI can express).",
    ),
    Rule(
        "documented-headers",
        "POST /rooms create: 201, the Room, `Location: /api/v1/rooms/{id}`; a 405's `Allow` "
        "header lists every method the path supports.",
    ),
    Rule(
        "response-schema",
        "The Room resource: each field with the type and rule of its table, present when the "
        "table says. Response objects are closed too: a server that returns a field the spec "
        "does not document breaks the contract.",
    ),
    Rule(
        "invalid-rejected",
        "400 invalid body (missing or empty `name`, wrong types, out-of-range values, unknown "
        "fields, malformed JSON, a body that is not an object); 400 `limit` or `offset` not an "
        "integer or out of range.",
    ),
    Rule(
        "valid-accepted",
        "Create: `name` is required; `config` and each of its fields are optional. Update: "
        "every field is optional; `{}` is valid. List: `limit` is 1 to 100; `offset` is >= 0.",
    ),
)

# Schemathesis' failure codes (stable across its releases) and the rule each one breaks.
SCHEMATHESIS_FAILURES = {
    "ST101": "no-5xx",
    "ST102": "no-5xx",
    "ST103": "documented-status",
    "ST104": "media-types",
    "ST105": "media-types",
    "ST106": "media-types",
    "ST107": "documented-headers",
    "ST108": "response-schema",
    "ST109": "response-schema",
    "ST110": "response-schema",
    "ST111": "response-schema",
    "ST201": "invalid-rejected",
    "ST202": "valid-accepted",
    "ST204": "paths-and-methods",
    "ST205": "paths-and-methods",
    "ST301": "delete-permanent",
    "ST302": "get-equals-create",
}


def rule(rule_id: str) -> Rule:
    """The rule with this id; a typo in the suite fails loudly, not silently."""
    return RULES[rule_id]
