"""One case per rule: a named mutation of base.yaml that the rule, and only it, must name.

`test_diff.py` runs every case in `CASES` and checks that together they
produce every rule of `rules.RULES`. The cases of the second round (security,
parameter serialisation, read-only and write-only fields, regexes by language,
`not`, discriminators) are here, beside the ones of the first round.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .specs import (
    CREATE,
    ITEM,
    LIMIT,
    LIST,
    PATH_ID,
    POST,
    SCHEMES,
    TAGS,
    Mutation,
    add_tags_parameter,
    both,
    cat_and_dog,
    delete_at,
    secured,
    set_at,
    with_pets,
    write_spec,
)


@dataclass(frozen=True)
class Case:
    """`mutate` turns the old spec into the new; the old is base.yaml, after `before` if given.

    With `undone`, the two swap: the mutated spec is the old one, so the case
    shows what undoing the mutation is.
    """

    rule: str
    mutate: Mutation
    before: Mutation | None = None
    undone: bool = False

    def write(self, tmp_path: Path) -> tuple[Path, Path]:
        """(old, new), written to `tmp_path`."""
        old = write_spec(tmp_path, "old.yaml", self.before)
        new = write_spec(tmp_path, "new.yaml", self.before, self.mutate)
        return (new, old) if self.undone else (old, new)


def both_ways(
    rule: str, undone_rule: str, mutate: Mutation, before: Mutation | None = None
) -> tuple[Case, Case]:
    """A mutation that one rule names, and its undoing that another names."""
    return Case(rule, mutate, before), Case(undone_rule, mutate, before, undone=True)


NAME = f"{CREATE}/properties/name"
ITEM_ID = f"{ITEM}/properties/id"
REQUEST_PET = f"{CREATE}/properties/pet/discriminator"
RESPONSE_PET = f"{ITEM}/properties/pet/discriminator"
UNDECIDABLE = r"^(a)\1$"  # a backreference: no finite automaton has it


def _discriminator_cases(side: str, schema: str, where: str) -> list[Case]:
    """A `pet` field told apart by `pet`, in what `side` sends or reads."""
    pets = with_pets(schema)
    swapped = {"Cat": cat_and_dog()["Dog"], "Dog": cat_and_dog()["Cat"]}
    return [
        *both_ways(
            f"{side}-discriminator-value-added",
            f"{side}-discriminator-value-removed",
            set_at(where, "mapping", cat_and_dog(Kitty="Cat")),
            pets,
        ),
        Case(f"{side}-discriminator-property-changed", set_at(where, "propertyName", "kind"), pets),
        Case(f"{side}-discriminator-mapping-changed", set_at(where, "mapping", swapped), pets),
    ]


SECOND_ROUND: list[Case] = [
    # Parameters: where and how a client writes them
    Case("request-parameter-location-changed", set_at(LIMIT, "in", "header")),
    Case("request-parameter-style-changed", set_at(PATH_ID, "style", "label")),
    Case(
        "request-parameter-style-changed",
        set_at(TAGS, "style", "pipeDelimited"),
        add_tags_parameter,
    ),
    Case("request-parameter-explode-changed", set_at(TAGS, "explode", False), add_tags_parameter),
    *both_ways(
        "request-parameter-allow-reserved-added",
        "request-parameter-allow-reserved-removed",
        set_at(LIMIT, "allowReserved", True),
    ),
    # Response headers
    Case(
        "response-header-became-required",
        set_at(f"{POST}/responses/201/headers/Location", "required", False),
        undone=True,
    ),
    # Regexes by the strings they accept
    *both_ways(
        "request-pattern-narrowed",
        "request-pattern-widened",
        set_at(NAME, "pattern", "^[a-c]+$"),
        set_at(NAME, "pattern", "^[a-z]+$"),
    ),
    Case(
        "request-pattern-changed",
        set_at(NAME, "pattern", "^[0-9]+$"),
        set_at(NAME, "pattern", "^[a-z]+$"),
    ),
    Case(
        "request-pattern-undecided",
        set_at(NAME, "pattern", UNDECIDABLE),
        set_at(NAME, "pattern", "^[a-z]+$"),
    ),
    *both_ways(
        "response-pattern-narrowed",
        "response-pattern-widened",
        set_at(ITEM_ID, "pattern", "^item_[a-z]+$"),
    ),
    Case("response-pattern-undecided", set_at(ITEM_ID, "pattern", UNDECIDABLE)),
    # `not`
    *both_ways(
        "request-not-added", "request-not-removed", set_at(NAME, "not", {"enum": ["admin"]})
    ),
    Case(
        "request-not-changed",
        set_at(NAME, "not", {"enum": ["root"]}),
        set_at(NAME, "not", {"enum": ["admin"]}),
    ),
    *both_ways(
        "response-not-added",
        "response-not-removed",
        set_at(f"{ITEM}/properties/name", "not", {"enum": ["admin"]}),
    ),
    Case(
        "response-not-changed",
        set_at(f"{ITEM}/properties/name", "not", {"enum": ["root"]}),
        set_at(f"{ITEM}/properties/name", "not", {"enum": ["admin"]}),
    ),
    # Read-only fields are not sent, write-only fields are not returned
    *both_ways(
        "request-property-became-read-only",
        "request-property-added-optional",
        set_at(f"{CREATE}/properties/kind", "readOnly", True),
    ),
    Case(
        "request-property-added-required",
        set_at(f"{CREATE}/properties/name", "readOnly", True),
        undone=True,
    ),
    *both_ways(
        "response-property-became-write-only",
        "response-property-added",
        set_at(f"{ITEM}/properties/created_at", "writeOnly", True),
    ),
    # Discriminators, by the branch each value picks
    *_discriminator_cases("request", CREATE, REQUEST_PET),
    *_discriminator_cases("response", ITEM, RESPONSE_PET),
    # Security, by definition
    *both_ways(
        "security-public-access-removed",
        "security-public-access-added",
        secured("", {"key": []}),
    ),
    Case(
        "security-public-access-removed",
        delete_at(LIST, "security"),
        both(secured("", {"key": []}), set_at(LIST, "security", [])),
    ),
    *both_ways(
        "security-scope-added",
        "security-scope-removed",
        set_at(POST, "security", [{"oauth": ["write", "admin"]}]),
        secured(POST, {"oauth": ["write"]}),
    ),
    *both_ways(
        "security-scheme-added",
        "security-scheme-removed",
        set_at(POST, "security", [{"key": [], "bearer": []}]),
        secured(POST, {"key": []}),
    ),
    Case(
        "security-scheme-changed",
        set_at(f"{SCHEMES}/key", "name", "X-Token"),
        secured(POST, {"key": []}),
    ),
    *both_ways(
        "security-alternative-removed",
        "security-alternative-added",
        set_at(POST, "security", [{"bearer": []}]),
        secured(POST, {"key": []}, {"bearer": []}),
    ),
]
