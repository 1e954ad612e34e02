"""The contract's rules: each a constant with a short id and the sentence of the contract
(`rooms-api-contract.md`) it quotes, all of them in one table, `RULES`.

Every failure the suite reports starts with one, so a reader sees which promise the server
broke, in the contract's own words. The checks name a rule by its constant (a typo is an
import error, not a silent miss); the self-test proves every rule here is one some faulty
server gets caught by (`tests/suite/test_contract_suite.py`). The rules one answer shows are
the spec layer's (`rooms_spec.answer_rules`, which the mock's proxy judges by too), named here
in their place.
"""

from __future__ import annotations

from rooms_spec import answer_rules as one
from rooms_spec.answer_rules import ContractRule

# --- create and get: checks.created_room, location, get_equals, fresh_id ------------------

CREATE_ECHOES = ContractRule(
    "create-echoes",
    "POST /rooms create: 201, the Room (the spec: the response echoes what was sent, "
    "with the defaults filled in).",
)

CREATE_DEFAULTS = ContractRule(
    "create-defaults",
    "Create: `name` is required; `config` and each of its fields are optional and take "
    "the defaults above. (`max_participants` 100, `recording_enabled` false, "
    "`chat_enabled` true)",
)

CREATE_NEW_ROOM = ContractRule(
    "create-new-room",
    "The new room is `active`, has no `ended_at`, and has `participant_count` 0.",
)

CREATE_LOCATION = one.CREATE_LOCATION

GET_EQUALS_CREATE = ContractRule(
    "get-equals-create",
    "GET /rooms/{id} get: 200, the Room. (the room create returned, field for field)",
)

ID_UNIQUE = ContractRule(
    "id-unique",
    "`id`: assigned by the server, unique, never reused.",
)

# --- update: checks.updated_room, get_equals -----------------------------------------------

PATCH_MERGES_CONFIG = ContractRule(
    "patch-merges-config",
    "`config` merges field by field: a field left out keeps its value.",
)

PATCH_PERSISTS = ContractRule(
    "patch-persists",
    "The response equals what a following Get returns.",
)

PATCH_EMPTY = ContractRule(
    "patch-empty",
    "Update: every field is optional; `{}` is valid and changes nothing.",
)

CREATED_AT_FIXED = ContractRule(
    "created-at-fixed",
    "`created_at`: RFC 3339 date-time in UTC, set by the server on create, never changes.",
)

PATCH_ENDED_409 = ContractRule(
    "patch-ended-409",
    "PATCH /rooms/{id} update: 409 the room is ended.",
)

# --- delete and end: checks.not_found, ended_room, timestamp --------------------------------

DELETE_PERMANENT = ContractRule(
    "delete-permanent",
    "Delete: permanent. Afterwards Get, Update, End and Delete of that id all give 404, "
    "and the room is gone from List and from `total`. Works on active and ended rooms.",
)

END_MARKS_ENDED = ContractRule(
    "end-marks-ended",
    "End: marks the room ended and sets `ended_at` to the current time; every other field "
    "keeps its value.",
)

END_STAYS = ContractRule(
    "end-stays",
    "The room stays in List and Get.",
)

END_TWICE_409 = ContractRule(
    "end-twice-409",
    "Ending twice is a 409 and leaves `ended_at` unchanged.",
)

ENDED_AT_ORDER = one.ENDED_AT_ORDER

# --- list: checks.page, ordered, settled ---------------------------------------------------

LIST_ECHOES_PAGING = ContractRule(
    "list-echoes-paging",
    "List: `limit` is 1 to 100, default 20; `offset` is >= 0, default 0. The response "
    "echoes the `limit` and `offset` used.",
)

LIST_TOTAL = ContractRule(
    "list-total",
    "`total` is the number of rooms that exist (active and ended), not the page size.",
)

LIST_ORDER = ContractRule(
    "list-order",
    "Rooms are ordered by `created_at` ascending, ties broken by `id` ascending, so paging "
    "is stable.",
)

LIST_PAGES = ContractRule(
    "list-pages",
    "`offset` is the number of rooms to skip and `limit` the most to return: consecutive "
    "pages are disjoint and together complete. (the document's query parameters)",
)

LIST_OFFSET_PAST_END = ContractRule(
    "list-offset-past-end",
    "An `offset` at or past `total` gives an empty `rooms` list, not an error.",
)

LIST_SHOWS_ROOMS = ContractRule(
    "list-shows-rooms",
    "List items carry `participant_count`. (each item is the room as Get returns it)",
)

# --- requests a server must refuse: checks.status, in test_behaviour.py ---------------------

UNKNOWN_ID_404 = ContractRule(
    "unknown-id-404",
    "GET /rooms/{id} get: 404 unknown id.",
)

PATHS_AND_METHODS = ContractRule(
    "paths-and-methods",
    "A path that does not exist is a 404; a known path with a method it does not support "
    "is a 405 whose `Allow` header lists every method the path supports. Both are "
    "problem+json.",
)

CLOSED_REQUEST_BODIES = ContractRule(
    "closed-request-bodies",
    "Request bodies are closed: an unknown field, at the top level or inside `config`, is a 400.",
)

READ_ONLY_FIELDS = ContractRule(
    "read-only-fields",
    "`id`, `status`, `created_at`, `participant_count` and `ended_at` cannot be set by a "
    "client (unknown field, 400).",
)

MALFORMED_JSON_400 = ContractRule(
    "malformed-json-400",
    "A body that is not valid UTF-8 JSON is a 400, never a 5xx.",
)

NOT_JSON_415 = ContractRule(
    "not-json-415",
    "A body with another `Content-Type`, or with none, is a 415. An empty body with no "
    "`Content-Type` on create or update is a 400.",
)

# --- every response: checks.problem_details, and schema_checks.py beside Schemathesis -------

PROBLEM_DETAILS = one.PROBLEM_DETAILS

MEDIA_TYPES = one.MEDIA_TYPES

# --- what Schemathesis' own checks find (SCHEMATHESIS_FAILURES below) ----------------------

NO_5XX = one.NO_5XX

DOCUMENTED_STATUS = one.DOCUMENTED_STATUS

DOCUMENTED_HEADERS = one.DOCUMENTED_HEADERS

RESPONSE_SCHEMA = one.RESPONSE_SCHEMA

INVALID_REJECTED = one.INVALID_REJECTED

VALID_ACCEPTED = one.VALID_ACCEPTED


# --- near-miss inputs: test_near_miss.py (every case, every run) ---------------------------

WRONG_TYPE_400 = ContractRule(
    "wrong-type-400",
    "400 invalid body (missing or empty `name`, wrong types, out-of-range values, ...). "
    "(for every field of create and update: `null`, a number written as a string, `0` or "
    "`1` for a boolean, `100.5` for an integer, a string that spells a right value)",
)

JSON_MEDIA_TYPES = ContractRule(
    "json-media-types",
    "A JSON body is one whose `Content-Type` is `application/json` or any "
    "`application/*+json`, with any parameters. (in any case: media types are "
    "case-insensitive, RFC 9110)",
)

NAME_CHARACTERS = ContractRule(
    "name-characters",
    "`name`: string, 1 to 200 characters. (characters, not bytes: 1 and 200 characters of "
    "one-, two-, three- or four-byte UTF-8, combining sequences and surrounding spaces are "
    "stored and returned exactly; 201 are a 400)",
)

NEAR_ID_404 = ContractRule(
    "near-id-404",
    "GET /rooms/{id} get: 404 unknown id. (an id that differs from a real one by its case or "
    "by one character is unknown, for Get, Update, End and Delete)",
)

# --- many clients at once: test_concurrency.py ---------------------------------------------

LINEARIZABLE = ContractRule(
    "linearizable",
    "Each operation takes effect at one moment between its request and its answer: the "
    "answers clients get at once are those of the operations one after another in some "
    "order that keeps real time. (openapi.yaml, `info.description`, Concurrency)",
)

# --- the target is the suite's alone: test_exclusive.py, with --exclusive ------------------

EXCLUSIVE_TOTAL = ContractRule(
    "exclusive-total",
    "`total` is the number of rooms that exist (active and ended). (with --exclusive: a "
    "create adds exactly 1 to it, a delete takes exactly 1 away, and nothing else moves it)",
)

ROOMS_STAY = ContractRule(
    "rooms-stay",
    "Delete: permanent. (and only a delete removes a room: with --exclusive, every room the "
    "server held and every room created stays in List until deleted)",
)


# --- the contract's model beside the target: test_reference_model.py --------------------------

REFERENCE_MODEL = ContractRule(
    "reference-model",
    "The mock must behave exactly like this, and the contract suite must check it. (any "
    "sequence of the six operations gets from the target the answers the contract's model "
    "gives: the status, the room, the headers)",
)


RULES: dict[str, ContractRule] = {
    rule.id: rule for rule in globals().copy().values() if isinstance(rule, ContractRule)
}
"""Every rule of the suite, by id, in the order above."""

SCHEMATHESIS_FAILURES: dict[str, ContractRule] = {
    # Schemathesis' failure codes (stable across its releases) and the rule each one breaks.
    "ST101": NO_5XX,
    "ST102": NO_5XX,
    "ST103": DOCUMENTED_STATUS,
    "ST104": MEDIA_TYPES,
    "ST105": MEDIA_TYPES,
    "ST106": MEDIA_TYPES,
    "ST107": DOCUMENTED_HEADERS,
    "ST108": RESPONSE_SCHEMA,
    "ST109": RESPONSE_SCHEMA,
    "ST110": RESPONSE_SCHEMA,
    "ST111": RESPONSE_SCHEMA,
    "ST201": INVALID_REJECTED,
    "ST202": VALID_ACCEPTED,
    "ST204": PATHS_AND_METHODS,
    "ST205": PATHS_AND_METHODS,
    "ST301": DELETE_PERMANENT,
    "ST302": GET_EQUALS_CREATE,
}


CHECK_RULES: dict[str, ContractRule] = {
    # Schemathesis' checks by name (and the suite's own, `schema_checks.py`): the rule each
    # judges on every response it applies to, for the coverage matrix.
    "not_a_server_error": NO_5XX,
    "status_code_conformance": DOCUMENTED_STATUS,
    "content_type_conformance": MEDIA_TYPES,
    "response_headers_conformance": DOCUMENTED_HEADERS,
    "response_schema_conformance": RESPONSE_SCHEMA,
    "negative_data_rejection": INVALID_REJECTED,
    "missing_required_header": INVALID_REJECTED,
    "positive_data_acceptance": VALID_ACCEPTED,
    "unsupported_method": PATHS_AND_METHODS,
    "allow_header_conformance": PATHS_AND_METHODS,
    "use_after_free": DELETE_PERMANENT,
    "ensure_resource_availability": GET_EQUALS_CREATE,
    "problem_details": PROBLEM_DETAILS,
    "no_content": MEDIA_TYPES,
    "created_room_location": CREATE_LOCATION,
    "ended_after_created": ENDED_AT_ORDER,
}


def rule_of_check(name: str) -> ContractRule:
    """The rule a check (by its function's name) judges; one this table does not know yet (a
    newer Schemathesis) judges what the spec documents."""
    return CHECK_RULES.get(name, DOCUMENTED_STATUS)


def rule_of_failure(code: str) -> ContractRule:
    """The rule a Schemathesis failure code breaks; a code this table does not know yet (a
    newer Schemathesis) breaks what the spec documents."""
    return SCHEMATHESIS_FAILURES.get(code, DOCUMENTED_STATUS)
