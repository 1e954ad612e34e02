"""Regexes compared by the strings they accept (interegular), with JSON Schema's `search`."""

from __future__ import annotations

import pytest

from contract_tests.diff.patterns import compare_patterns, full_match_form

RELATIONS = {
    # (old, new): how the strings new accepts relate to old's
    "same-class-spelled-otherwise": (r"^[0-9]+$", r"^\d+$", "same"),
    "same-reordered-class": (r"^item_[a-z0-9]+$", r"^item_[0-9a-z]+$", "same"),
    "same-group-around-it": (r"^abc$", r"^(?:abc)$", "same"),
    "same-unicode-escape": (r"^\u0041$", r"^A$", "same"),
    "widened-class": (r"^[a-z]+$", r"^[a-z0-9]+$", "widened"),
    "narrowed-class": (r"^[a-z0-9]+$", r"^[a-z]+$", "narrowed"),
    "narrowed-by-an-anchor": (r"abc", r"^abc", "narrowed"),
    "widened-by-dropping-an-anchor": (r"^abc$", r"^abc", "widened"),
    "unanchored-matches-anywhere": (r"abc", r"b", "widened"),
    "narrowed-by-a-bound": (r"^a{1,64}$", r"^a{1,63}$", "narrowed"),
    "narrowed-top-level-alternatives": (r"^a|b$", r"^a|^b$", "narrowed"),
    "narrowed-case-sensitive": (r"(?i)^abc$", r"^abc$", "narrowed"),
    "changed-disjoint": (r"^[a-z]+$", r"^[0-9]+$", "changed"),
    "undecided-backreference": (r"^(a)\1$", r"^aa$", "undecided"),
    "undecided-word-boundary": (r"\bfoo", r"foo", "undecided"),
    "undecided-anchor-in-a-group": (r"(^a)", r"a", "undecided"),
    "undecided-unbalanced": (r"a(", r"a", "undecided"),
}


@pytest.mark.parametrize(("old", "new", "relation"), list(RELATIONS.values()), ids=list(RELATIONS))
def test_patterns_compare_by_language(old: str, new: str, relation: str) -> None:
    assert compare_patterns(old, new) == relation


@pytest.mark.parametrize(
    ("pattern", "full"),
    [
        ("^a$", "(?:a)"),
        ("a", r"[\s\S]*(?:a)[\s\S]*"),
        ("^a|b$", r"(?:a)[\s\S]*|[\s\S]*(?:b)"),
        (r"^a\$", r"(?:a\$)[\s\S]*"),  # an escaped dollar is a dollar, not an anchor
        ("^[^a]$", "(?:[^a])"),  # a caret that negates a class is no anchor
    ],
)
def test_search_becomes_a_whole_string_match(pattern: str, full: str) -> None:
    assert full_match_form(pattern) == full
