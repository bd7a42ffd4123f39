"""What a set of records adds up to: count, content digest, energy and spend."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

_DIGEST_BITS = 128
_DIGEST_MASK = (1 << _DIGEST_BITS) - 1


def digest(records: Iterable[bytes]) -> int:
    """The content digest of some records: the sum of their SHA-256 prefixes, mod 2^128.

    A sum, so a user's digest is built page by page while its records interleave
    with other users' in the file, checked later from a single streaming pass with
    one integer per user, and unchanged when a resume drops other users' records.
    Any changed, missing, duplicated or added record changes it.
    """
    sha256, from_bytes = hashlib.sha256, int.from_bytes
    # record_digest inlined: one call per record less, in the export's hot loop.
    return sum([from_bytes(sha256(record).digest()[:16], "big") for record in records])


def record_digest(record: bytes) -> int:
    """One record's share of :func:`digest`."""
    return int.from_bytes(hashlib.sha256(record).digest()[:16], "big")


def digest_text(value: int) -> str:
    """``value`` as it is kept in a checkpoint."""
    return f"{value & _DIGEST_MASK:032x}"


def same_digest(a: int, b: int) -> bool:
    """Compare two digests, however many additions each went through."""
    return (a - b) & _DIGEST_MASK == 0


@attrs.define
class Tally:
    """Running totals of some records (one user's, or a whole file's)."""

    sessions: int = 0
    digest: int = 0
    kwh: Decimal = attrs.field(factory=Decimal)
    spend: dict[str, Decimal] = attrs.Factory(lambda: defaultdict(Decimal))

    def add_page(self, page: list[dict[str, Any]], page_digest: int) -> None:
        """Add a page of (already checked) session records and their digest."""
        self.sessions += len(page)
        self.digest += page_digest
        for row in page:
            energy = row["consumed_energy"]
            if energy is not None:
                self.kwh += Decimal(energy)
            cost = row["session_cost"]
            self.spend[cost["currency"]] += Decimal(cost["invoice_summary"])

    def add(self, other: Tally) -> None:
        """Add another tally's totals (and digest) to this one."""
        self.sessions += other.sessions
        self.digest += other.digest
        self.kwh += other.kwh
        for currency, amount in other.spend.items():
            self.spend[currency] += amount

    def to_json(self) -> dict[str, Any]:
        """The checkpoint entry's fields: exact decimals as text."""
        return {
            "sessions": self.sessions,
            "digest": digest_text(self.digest),
            "kwh": str(self.kwh),
            "spend": {currency: str(amount) for currency, amount in self.spend.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tally:
        """The inverse of :meth:`to_json`.

        Raises:
            KeyError, TypeError, ValueError, ArithmeticError: not such an entry.
        """
        sessions = data["sessions"]
        if type(sessions) is not int or sessions < 0:
            raise ValueError(f"bad session count {sessions!r}")
        tally = cls(sessions, int(data["digest"], 16), Decimal(data["kwh"]))
        for currency, amount in data["spend"].items():
            tally.spend[currency] += Decimal(amount)
        return tally
