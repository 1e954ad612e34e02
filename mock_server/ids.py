"""Room ids that never repeat and cost no memory: a counter through a keyed permutation.

A store that lives for weeks sees millions of rooms come and go. Remembering
every id it ever handed out (to never hand one out twice) grows without end;
instead, the n-th id is `room_` and the n-th value of a counter passed through a
keyed permutation of [0, 2**70), written in base 62 with exactly 12 characters.
A permutation never maps two counter values to one id, so no id repeats for as
long as the counter does not (2**70 creates), and the only state is the counter.

The permutation is a balanced Feistel network (two 35-bit halves, four rounds)
whose round function is keyed BLAKE2b: by Luby and Rackoff, a pseudorandom
permutation, so an id says nothing about the next one without the key. The key
is random, or derived from `--seed`, which makes the sequence repeatable.
"""

from __future__ import annotations

import hashlib
import secrets
import string

ID_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 12
ID_PREFIX = "room_"
HALF_BITS = 35  # 2**70 < 62**12: every value takes 12 characters, none more
ROUNDS = 4
KEY_BYTES = 32

# Two characters per division: six divisions make the 12 characters of an id.
_PAIRS = [first + second for first in ID_ALPHABET for second in ID_ALPHABET]
_PAIR_BASE = len(_PAIRS)


class IdsExhausted(RuntimeError):
    """Every value of the domain has been handed out (2**70 of them at full size)."""


class Permutation:
    """A bijection of [0, 2**(2 * half_bits)), keyed: a Feistel network over BLAKE2b.

    Each round swaps the halves and mixes one into the other with a keyed hash of
    it; whatever the round function, the step is undone by the same hash, so every
    value has exactly one image (`inverse` undoes it, and the tests check it). A
    small `half_bits` gives the same code on a domain small enough to check whole.

    The first round hashes the high half, which a counter changes once in 2**35
    steps: its hash is kept, so consecutive values cost three hashes, not four.
    """

    def __init__(self, key: bytes, half_bits: int = HALF_BITS, rounds: int = ROUNDS) -> None:
        if not 1 <= half_bits <= 64 or rounds < 1:
            raise ValueError(f"no permutation with half_bits={half_bits}, rounds={rounds}")
        self.half_bits = half_bits
        self.size = 1 << (2 * half_bits)
        self._mask = (1 << half_bits) - 1
        self._width = (half_bits + 7) // 8
        # One keyed hash per round, its round number already absorbed; each use copies it.
        self._rounds = [
            hashlib.blake2b(bytes([index]), key=key, digest_size=8) for index in range(rounds)
        ]
        self._first_input = -1
        self._first_output = 0

    def _hash(self, round_index: int, half: int) -> int:
        state = self._rounds[round_index].copy()
        state.update(half.to_bytes(self._width, "little"))
        return int.from_bytes(state.digest(), "little") & self._mask

    def __call__(self, value: int) -> int:
        half, mask, width = self.half_bits, self._mask, self._width
        low, high = value & mask, value >> half
        if high != self._first_input:
            self._first_output = self._hash(0, high)
            self._first_input = high
        left, right = high, low ^ self._first_output
        for keyed in self._rounds[1:]:
            state = keyed.copy()
            state.update(right.to_bytes(width, "little"))
            left, right = right, left ^ (int.from_bytes(state.digest(), "little") & mask)
        return (left << half) | right

    def inverse(self, value: int) -> int:
        half = self.half_bits
        left, right = value >> half, value & self._mask
        for round_index in reversed(range(len(self._rounds))):
            left, right = right ^ self._hash(round_index, left), left
        # `left` is the first round's left half: the low half of the input.
        return (right << half) | left


def encode(value: int) -> str:
    """`value` (below 62**12) in base 62 over ID_ALPHABET, exactly 12 characters."""
    pairs, base = _PAIRS, _PAIR_BASE
    rest, sixth = divmod(value, base)
    rest, fifth = divmod(rest, base)
    rest, fourth = divmod(rest, base)
    rest, third = divmod(rest, base)
    first, second = divmod(rest, base)
    if not 0 <= first < base:
        raise ValueError(f"{value} is not from 0 to 62**{ID_LENGTH} - 1")
    return pairs[first] + pairs[second] + pairs[third] + pairs[fourth] + pairs[fifth] + pairs[sixth]


def decode(text: str) -> int:
    """The inverse of `encode`."""
    value = 0
    for character in text:
        value = value * len(ID_ALPHABET) + ID_ALPHABET.index(character)
    return value


def key_of(seed: int | None) -> bytes:
    """The permutation's key: derived from the seed (repeatable), else random."""
    if seed is None:
        return secrets.token_bytes(KEY_BYTES)
    data = seed.to_bytes((seed.bit_length() + 7) // 8 or 1, "big")
    return hashlib.blake2b(data, digest_size=KEY_BYTES, person=b"rooms-mock-ids").digest()


class IdSequence:
    """`room_` ids from a counter, each at most once in the sequence's life.

    `restart` goes back to the first id, which only a seeded store does (a snapshot
    test sees the same ids after every reset); unseeded, the counter only grows.
    """

    def __init__(self, seed: int | None = None, half_bits: int = HALF_BITS) -> None:
        if half_bits > HALF_BITS:
            raise ValueError(f"ids hold at most {2 * HALF_BITS} bits, not {2 * half_bits}")
        self._permutation = Permutation(key_of(seed), half_bits)
        self.issued = 0

    def __next__(self) -> str:
        index = self.issued
        if index >= self._permutation.size:
            raise IdsExhausted(f"all {self._permutation.size} ids have been handed out")
        self.issued = index + 1
        return ID_PREFIX + encode(self._permutation(index))

    def __iter__(self) -> IdSequence:
        return self

    def index_of(self, room_id: str) -> int | None:
        """Which counter value gave `room_id`, or None if no value of this sequence can."""
        suffix = room_id.removeprefix(ID_PREFIX)
        if (
            suffix == room_id
            or len(suffix) != ID_LENGTH
            or not suffix.isascii()
            or not suffix.isalnum()
        ):
            return None
        value = decode(suffix)
        return self._permutation.inverse(value) if value < self._permutation.size else None

    def restart(self) -> None:
        self.issued = 0
