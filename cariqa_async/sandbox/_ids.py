"""Reversible, seed-keyed UUIDs for users and sessions.

Records are never stored: a session is a pure function of (seed, user index, key).
To answer ``GET .../charging-sessions/{id}/`` without an index from ids to records,
an id *is* the record's coordinates, encrypted with a small Feistel network keyed
by the seed. The ids look like random version-4 UUIDs, are stable for a seed,
differ between seeds, and decode back to ``(kind, user, key)`` in a few
microseconds. A 32-bit check field makes a random or foreign UUID decode to
``None`` instead of to somebody's record.
"""

from __future__ import annotations

import hashlib
from typing import Final

__all__ = ["KIND_SESSION", "KIND_USER", "IdCodec"]

KIND_USER: Final = 0
KIND_SESSION: Final = 1

# The payload fills the 122 free bits of a version-4 UUID:
# kind (2) | user (40) | key (48) | check (32).
_HALF_BITS: Final = 61
_HALF_MASK: Final = (1 << _HALF_BITS) - 1
_USER_BITS: Final = 40
_KEY_BITS: Final = 48
_CHECK_BITS: Final = 32
_ROUNDS: Final = 4
_U64: Final = (1 << 64) - 1
_HEX_DIGITS: Final = frozenset("0123456789abcdef")

MAX_USERS: Final = 1 << _USER_BITS
MAX_KEY: Final = 1 << _KEY_BITS


class IdCodec:
    """Encode ``(kind, user, key)`` as a UUID string and decode it back.

    Args:
        seed: Any integer; different seeds give unrelated ids.
    """

    __slots__ = ("_check", "_round_keys")

    def __init__(self, seed: int) -> None:
        material = hashlib.blake2b(
            seed.to_bytes(16, "little", signed=True), digest_size=40, person=b"cariqa-ids"
        ).digest()
        self._round_keys = tuple(
            int.from_bytes(material[8 * i : 8 * i + 8], "little") for i in range(_ROUNDS)
        )
        self._check = int.from_bytes(material[32:36], "little")

    def _round(self, i: int, half: int) -> int:
        # A splitmix64 finaliser: any keyed function keeps a Feistel network
        # invertible; this one mixes well and costs far less than a hash call.
        z = ((half ^ self._round_keys[i]) * 0x9E3779B97F4A7C15) & _U64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _U64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _U64
        return (z ^ (z >> 31)) & _HALF_MASK

    def encode(self, kind: int, user: int, key: int) -> str:
        """Return the canonical lower-case UUID string for these coordinates.

        Raises:
            ValueError: If a coordinate does not fit its field.
        """
        if not (0 <= kind < 4 and 0 <= user < MAX_USERS and 0 <= key < MAX_KEY):
            raise ValueError(f"id coordinates out of range: {(kind, user, key)}")
        payload = (((kind << _USER_BITS | user) << _KEY_BITS | key) << _CHECK_BITS) | self._check
        left, right = payload >> _HALF_BITS, payload & _HALF_MASK
        for i in range(_ROUNDS):
            left, right = right, left ^ self._round(i, right)
        p = left << _HALF_BITS | right
        # Spread the 122 bits around the fixed version (4) and variant (0b10) bits.
        value = (
            (p >> 74) << 80 | 4 << 76 | ((p >> 62) & 0xFFF) << 64 | 2 << 62 | (p & (1 << 62) - 1)
        )
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def decode(self, text: str) -> tuple[int, int, int] | None:
        """Return ``(kind, user, key)`` for an id made by this codec, else ``None``.

        Upper-case hex is accepted (Django's UUID path converter is lower-case only,
        but ids compare case-insensitively in search). Never raises.
        """
        if len(text) != 36 or text[8] != "-" or text[13] != "-" or text[18] != "-":
            return None
        if text[23] != "-":
            return None
        h = (text[:8] + text[9:13] + text[14:18] + text[19:23] + text[24:]).lower()
        if not _HEX_DIGITS.issuperset(h):
            return None
        value = int(h, 16)
        if (value >> 76) & 0xF != 4 or (value >> 62) & 0x3 != 2:
            return None
        p = (value >> 80) << 74 | ((value >> 64) & 0xFFF) << 62 | (value & (1 << 62) - 1)
        left, right = p >> _HALF_BITS, p & _HALF_MASK
        for i in reversed(range(_ROUNDS)):
            left, right = right ^ self._round(i, left), left
        payload = left << _HALF_BITS | right
        if payload & ((1 << _CHECK_BITS) - 1) != self._check:
            return None
        payload >>= _CHECK_BITS
        key = payload & (MAX_KEY - 1)
        payload >>= _KEY_BITS
        return payload >> _USER_BITS, payload & (MAX_USERS - 1), key
