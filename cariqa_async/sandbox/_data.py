"""The deterministic machinery every resource's generator shares, and the data set's shape.

Nothing here keeps state between calls. A record is a pure function of the seed
and its coordinates (``(user index, key)`` for a session): :class:`Draws` turns
them into a stream of random numbers from a keyed hash, so a data set of a
million sessions costs only the per-user counts. Formats follow Cariqa's real
responses, as DRF renders them: timestamps with microseconds and ``Z``, decimal
strings for money.
"""

from __future__ import annotations

import hashlib
import random
import struct
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Final, NamedTuple, TypeVar

from ._ids import IdCodec

__all__ = [
    "ANCHOR_US",
    "DAY",
    "DEFAULT_DISTRIBUTION",
    "HOUR",
    "SECOND",
    "Distribution",
    "Draw",
    "Draws",
    "Prices",
    "draw_prices",
    "format_time",
    "money",
    "parse_time",
    "session_counts",
]

T = TypeVar("T")

#: ``(weight, min sessions, max sessions)`` buckets; weights are relative.
Distribution = Sequence[tuple[float, int, int]]

#: The realistic default: some users never charged, most a handful to dozens of
#: times, some hundreds, and (for 300 users) exactly two with thousands.
DEFAULT_DISTRIBUTION: Final[Distribution] = (
    (0.10, 0, 0),
    (0.50, 1, 30),
    (0.30, 31, 99),
    (0.093, 100, 999),
    (0.007, 1000, 5000),
)

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
SECOND: Final = 1_000_000
HOUR: Final = 3600 * SECOND
DAY: Final = 24 * HOUR
#: "Now" of every data set, in microseconds since the epoch: records lie before it.
ANCHOR_US: Final = int((datetime(2026, 4, 2, 12, tzinfo=timezone.utc) - _EPOCH).total_seconds()) * (
    10**6
)


def format_time(us: int) -> str:
    """Render microseconds since the epoch the way DRF renders an aware UTC datetime.

    DRF calls ``isoformat()`` and swaps ``+00:00`` for ``Z``, so a value with zero
    microseconds has no fractional part at all (``...T13:51:18Z``).
    """
    return (_EPOCH + timedelta(microseconds=us)).isoformat()[:-6] + "Z"


def parse_time(text: str) -> int:
    """Return the microseconds since the epoch of a :func:`format_time` string."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment - _EPOCH) // timedelta(microseconds=1)


def money(minor: int) -> str:
    """Render an amount in minor units as DRF renders a two-place decimal (``"-1.05"``)."""
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    return f"{sign}{minor // 100}.{minor % 100:02d}"


_WORDS: Final = struct.Struct("<16I")


class Draw:
    """A deterministic stream of random numbers from a keyed blake2b digest."""

    __slots__ = ("_base", "_block", "_pos", "_words")

    def __init__(self, base: Any) -> None:
        self._base = base
        self._block = 0
        self._words = _WORDS.unpack(base.digest())
        self._pos = 0

    def u32(self) -> int:
        """The next 32 random bits."""
        if self._pos == 16:
            # Rarely needed: extend the stream with a further block.
            self._block += 1
            h = self._base.copy()
            h.update(self._block.to_bytes(4, "little"))
            self._words, self._pos = _WORDS.unpack(h.digest()), 0
        value: int = self._words[self._pos]
        self._pos += 1
        return value

    def below(self, n: int) -> int:
        """A uniform integer in ``0 <= x < n``."""
        if n <= 1 << 32:
            return (self.u32() * n) >> 32
        return ((self.u32() << 32 | self.u32()) * n) >> 64

    def chance(self, p: float) -> bool:
        """``True`` with probability ``p``."""
        return self.u32() < p * 4294967296.0

    def pick(self, items: Sequence[T]) -> T:
        """A uniformly chosen item."""
        return items[(self.u32() * len(items)) >> 32]


class Draws:
    """The seed's random streams and ids: what every resource's generator starts from.

    Args:
        seed: The data set's seed; the same seed always yields the same streams.
    """

    __slots__ = ("_hasher", "ids", "seed")

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.ids = IdCodec(seed)
        material = seed.to_bytes(16, "little", signed=True)
        self._hasher = hashlib.blake2b(key=material, digest_size=64, person=b"cariqa-data")

    def draw(self, tag: int, a: int, b: int = 0) -> Draw:
        """The stream of coordinates ``(a, b)`` under ``tag`` (one tag per kind of record)."""
        h = self._hasher.copy()
        h.update(tag.to_bytes(1, "little") + a.to_bytes(8, "little") + b.to_bytes(8, "little"))
        return Draw(h)


class Prices(NamedTuple):
    """A tariff in minor units, ``None`` where it has no such price.

    ``time_price`` and ``blocking_fee`` are per minute; the blocking fee starts
    after ``grace_period_minutes`` and adds up to at most ``blocking_cap``.
    """

    kwh_price: int | None
    time_price: int | None
    session_fee: int | None
    blocking_fee: int | None
    starting_fee: int | None
    grace_period_minutes: int | None
    blocking_cap: int | None


def draw_prices(d: Draw, price: int) -> Prices:
    """Draw a tariff around ``price`` (per kWh, minor units), in the proportions seen live.

    Half are plain per-kWh prices, like the real example; the others add blocking
    and starting fees, charge by the minute, add a session fee, or (one in seven)
    report no prices at all.
    """
    kind = d.below(100)
    if kind < 50:
        return Prices(price, None, None, None, None, None, None)
    if kind < 65:
        blocking, grace, cap = max(1, price // 5), d.pick((60, 120, 240)), price * 20
        return Prices(price, None, None, blocking, max(1, price // 2), grace, cap)
    if kind < 75:
        return Prices(None, max(1, price // 10), None, None, None, None, None)
    if kind < 85:
        return Prices(price, None, price * 2, None, None, None, None)
    return Prices(None, None, None, None, None, None, None)


def session_counts(seed: int, users: int, distribution: Distribution) -> list[int]:
    """Return how many sessions each of ``users`` users is seeded with.

    Users are allotted to buckets in exact proportion to the weights (largest
    remainder), so "a couple with thousands" really is a couple, then shuffled by
    the seed; each user's count is drawn uniformly from its bucket's range.

    Raises:
        ValueError: On a negative user count, an empty distribution, a negative
            weight or count, or a bucket whose minimum exceeds its maximum.
    """
    if users < 0:
        raise ValueError("users must be >= 0")
    if not distribution or any(w < 0 or lo < 0 or lo > hi for w, lo, hi in distribution):
        raise ValueError(f"invalid session distribution: {distribution!r}")
    total = sum(w for w, _, _ in distribution)
    if total <= 0:
        raise ValueError("session distribution weights must not all be zero")
    exact = [w / total * users for w, _, _ in distribution]
    sizes = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: sizes[i] - exact[i])
    for i in by_remainder[: users - sum(sizes)]:
        sizes[i] += 1
    rng = random.Random(hashlib.blake2b(b"%d" % seed, digest_size=8).digest())
    counts = [
        lo + rng.randrange(hi - lo + 1)
        for (_, lo, hi), size in zip(distribution, sizes, strict=True)
        for _ in range(size)
    ]
    rng.shuffle(counts)
    return counts
