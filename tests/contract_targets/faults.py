"""The faulty servers of the self-test: each breaks one rule of the contract, and the suite must
flag it with one of the rules it names (several can see the same fault first)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    breaks: str
    flagged_by: frozenset[str]


def fault(name: str, breaks: str, *flagged_by: str) -> Fault:
    return Fault(name, breaks, frozenset(flagged_by))


SCHEMA = "response-schema"

FAULTS = (
    fault("default-recording-on", "create defaults recording_enabled to true", "create-defaults"),
    fault("create-trims-name", "create strips spaces around the name", "create-echoes"),
    fault(
        "new-room-has-participants",
        "a new room has participant_count 1",
        "create-new-room",
        "get-equals-create",
    ),
    fault("location-missing", "create sends no Location", "documented-headers", "create-location"),
    fault("location-wrong-id", "Location names another room", "create-location"),
    fault("id-reused", "ids count the rooms, so a delete frees one", "id-unique", SCHEMA),
    fault("id-pattern-wrong", "ids look like room-1a2b3c4d", SCHEMA, "documented-status"),
    fault(
        "patch-resets-config",
        "update resets config it was not sent",
        "patch-merges-config",
        "patch-empty",
    ),
    fault("patch-moves-created-at", "update moves created_at", "created-at-fixed"),
    fault("patch-not-persisted", "update answers but does not store", "patch-persists"),
    fault("empty-patch-400", "an empty update is refused", "patch-empty", "valid-accepted"),
    fault("patch-ended-allowed", "an ended room can be updated", "patch-ended-409"),
    fault(
        "read-only-accepted",
        "update ignores id, status and the other server fields",
        "read-only-fields",
        "invalid-rejected",
    ),
    fault("delete-hides-only", "a deleted room can still be read", "delete-permanent"),
    fault(
        "delete-keeps-total",
        "total counts every room ever created",
        "delete-permanent",
        "list-total",
    ),
    fault("end-without-ended-at", "end sets no ended_at", "end-marks-ended", SCHEMA),
    fault("end-resets-config", "end resets config to the defaults", "end-marks-ended"),
    fault("end-twice-200", "a second end answers 200", "end-twice-409", "documented-status"),
    fault("end-twice-moves-ended-at", "a second end moves ended_at", "end-twice-409"),
    fault(
        "ended-before-created",
        "ended_at is a second before created_at",
        "ended-at-order",
        "end-marks-ended",
    ),
    fault(
        "ended-not-listed", "ended rooms leave List", "end-stays", "list-total", "delete-permanent"
    ),
    fault("total-is-page-size", "total counts the page", "list-total"),
    fault("offset-ignored", "List always starts at the first room", "list-pages", "list-total"),
    fault("newest-first", "List puts the newest room first", "list-order", "list-pages"),
    fault("limit-not-echoed", "List always answers limit 20", "list-echoes-paging"),
    fault("default-limit-10", "List's default limit is 10", "list-echoes-paging"),
    fault(
        "offset-past-end-400",
        "an offset past the end is a 400",
        "list-offset-past-end",
        "valid-accepted",
    ),
    fault(
        "unknown-field-accepted",
        "create ignores unknown fields",
        "invalid-rejected",
        "closed-request-bodies",
        "read-only-fields",
    ),
    fault("name-201-accepted", "names of 201 characters are accepted", "invalid-rejected"),
    fault("max-participants-0-accepted", "max_participants 0 is accepted", "invalid-rejected"),
    fault("text-plain-accepted", "a text/plain body is read as JSON", "not-json-415"),
    fault("malformed-json-500", "malformed JSON is a 500", "no-5xx", "malformed-json-400"),
    fault(
        "error-not-problem-json",
        "errors are application/json",
        "media-types",
        "problem-details",
    ),
    fault("problem-status-mismatch", "every problem says status 400", "problem-details"),
    fault(
        "unknown-id-200-null",
        "an unknown id is a 200 with null",
        "unknown-id-404",
        "delete-permanent",
        SCHEMA,
    ),
    fault("no-allow-header", "a 405 without Allow", "paths-and-methods", "documented-headers"),
    fault("204-with-type", "a 204 has a Content-Type", "media-types"),
    fault("active-has-ended-at", "active rooms carry ended_at: null", SCHEMA, "create-new-room"),
    fault("extra-field", "rooms carry an undocumented owner field", SCHEMA),
    fault(
        "get-no-participant-count",
        "Get and List leave out participant_count",
        SCHEMA,
        "create-new-room",
    ),
    fault("timestamps-not-utc", "timestamps end in +02:00", SCHEMA),
)
