"""Two `pattern`s compared by the strings they accept, not by their text.

`^[0-9]+$` and `^\\d+$` are one pattern; `^[a-z]+$` to `^[a-z0-9]+$` accepts
more strings (widened), the other way fewer (narrowed). interegular turns each
into a finite automaton and decides which accepts a subset of the other.

A JSON Schema `pattern` matches anywhere in the string (ECMA-262 `search`),
so an unanchored side of each top-level alternative is extended by "anything".
What cannot be decided says so, rather than guess: syntax the library does not
read (backreferences, `\\b`, an anchor inside a group), or automata too large
to compare in `DEADLINE` seconds (`[\\s\\S]*a[\\s\\S]{20}` has a million states).
"""

from __future__ import annotations

import functools
import multiprocessing
import re
from multiprocessing.connection import Connection
from typing import Literal

Relation = Literal["same", "narrowed", "widened", "changed", "undecided"]
DEADLINE = 2.0
"""Seconds a comparison may take before it is called undecided."""

_ANYTHING = r"[\s\S]*"
_UNICODE = re.compile(r"\\u([0-9a-fA-F]{4})")
_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


@functools.lru_cache(maxsize=256)
def compare_patterns(old: str, new: str) -> Relation:
    """How the strings `new` accepts relate to those `old` accepts."""
    if old == new:
        return "same"
    left, right = full_match_form(old), full_match_form(new)
    if left is None or right is None:
        return "undecided"
    return _decide_in_time(left, right)


def full_match_form(pattern: str) -> str | None:
    """`pattern` as a regex that must match the whole string, or None if it cannot be.

    Leading inline flags (`(?i)`, not ECMA-262 but common) stay in front.
    """
    flags = _FLAGS.match(pattern)
    prefix = flags[0] if flags else ""
    alternatives = _top_level_alternatives(pattern.removeprefix(prefix))
    if alternatives is None:
        return None
    written = []
    for alternative in alternatives:
        head = alternative.startswith("^")
        body = alternative[1:] if head else alternative
        tail = body.endswith("$") and not _escaped_at(body, len(body) - 1)
        body = body[:-1] if tail else body
        if _has_anchor(body):
            return None
        body = _UNICODE.sub(lambda found: re.escape(chr(int(found[1], 16))), body)
        written.append(f"{'' if head else _ANYTHING}(?:{body}){'' if tail else _ANYTHING}")
    return prefix + "|".join(written)


def _escaped_at(text: str, index: int) -> bool:
    """Is the character at `index` escaped (preceded by an odd number of backslashes)?"""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _top_level_alternatives(pattern: str) -> list[str] | None:
    """The pattern split at each `|` outside groups and classes; None if it does not balance."""
    parts, start, depth, in_class, index = [], 0, 0, False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    if depth or in_class:
        return None
    return [*parts, pattern[start:]]


def _has_anchor(body: str) -> bool:
    """A `^` or `$` left inside: one an automaton of whole strings cannot express."""
    in_class, index = False, 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            if body[index + 1 : index + 2] in ("b", "B") and not in_class:
                return True  # a word boundary is an anchor too
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if body[index + 1 : index + 2] == "^":
                index += 1  # a negated class, not an anchor
        elif char in "^$":
            return True
        index += 1
    return False


def _decide_in_time(old: str, new: str) -> Relation:
    """`_decide` in a child process, given up after `DEADLINE` seconds."""
    context = _context()
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_answer, args=(old, new, sending), daemon=True)
    child.start()
    sending.close()
    try:
        if receiving.poll(DEADLINE):
            answer: Relation = receiving.recv()
            return answer
        return "undecided"
    except EOFError:
        return "undecided"
    finally:
        receiving.close()
        if child.is_alive():
            child.kill()
        child.join()


def _context() -> multiprocessing.context.ForkContext | multiprocessing.context.SpawnContext:
    """Fork where there is one (fast: nothing to import again), else spawn."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _answer(old: str, new: str, sending: Connection) -> None:
    sending.send(_decide(old, new))
    sending.close()


def _decide(old: str, new: str) -> Relation:
    """Which of two full-match regexes accepts a subset of the other."""
    import interegular
    from interegular.patterns import InvalidSyntax, Unsupported

    try:
        before = interegular.parse_pattern(old).to_fsm()
        after = interegular.parse_pattern(new).to_fsm()
    except (InvalidSyntax, Unsupported, ValueError, KeyError):
        return "undecided"
    smaller, larger = after.issubset(before), before.issubset(after)
    if smaller and larger:
        return "same"
    if smaller:
        return "narrowed"
    if larger:
        return "widened"
    return "changed"
