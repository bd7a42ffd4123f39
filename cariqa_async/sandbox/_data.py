"""Deterministic record generation: every user and session is a pure function of the seed.

Nothing here keeps state between calls. A session is computed from
``(seed, user index, key)`` (plus a start time for sessions inserted at run time),
so a data set of a million sessions costs only the per-user counts. Field formats
follow Cariqa's real responses: UUID ids, ISO-8601 timestamps with microseconds
and ``Z`` exactly as DRF renders them, decimal strings for energy and money,
lower-case currencies, nullable prices.
"""

from __future__ import annotations

import hashlib
import random
import struct
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Final, NamedTuple, TypeVar

from ._catalog import COUNTRIES, FIRST_NAMES, LAST_NAMES, MAIL_DOMAINS, STATIONS
from ._ids import KIND_SESSION, KIND_USER, MAX_KEY, IdCodec

__all__ = [
    "DEFAULT_DISTRIBUTION",
    "INSERTED_BASE",
    "Distribution",
    "Generator",
    "Timeline",
    "format_time",
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

#: Keys of the sessions a user was seeded with are 0..n-1 (0 newest); keys of
#: sessions inserted at run time start here, so both kinds share one id space.
INSERTED_BASE: Final = 1 << 40

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ANCHOR_US: Final = int(
    (datetime(2026, 4, 2, 12, tzinfo=timezone.utc) - _EPOCH).total_seconds()
) * (10**6)
_SECOND: Final = 1_000_000
_HOUR: Final = 3600 * _SECOND
_DAY: Final = 24 * _HOUR
_SPAN: Final = 3 * 365 * _DAY

_TAG_USER: Final = 1
_TAG_TIMELINE: Final = 2
_TAG_SESSION: Final = 3


def format_time(us: int) -> str:
    """Render microseconds since the epoch the way DRF renders an aware UTC datetime.

    DRF calls ``isoformat()`` and swaps ``+00:00`` for ``Z``, so a value with zero
    microseconds has no fractional part at all (``...T13:51:18Z``).
    """
    return (_EPOCH + timedelta(microseconds=us)).isoformat()[:-6] + "Z"


def _money(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    return f"{sign}{minor // 100}.{minor % 100:02d}"


def _energy(wh: int) -> str:
    return f"{wh // 1000}.{wh % 1000:03d}"


def _power(kw: float) -> float | int:
    # JSON shows 22 for a whole number and 3.7 otherwise, as Cariqa does.
    return int(kw) if kw == int(kw) else kw


_WORDS: Final = struct.Struct("<16I")


class _Draw:
    """A deterministic stream of random numbers from a keyed blake2b digest."""

    __slots__ = ("_base", "_block", "_pos", "_words")

    def __init__(self, base: Any) -> None:
        self._base = base
        self._block = 0
        self._words = _WORDS.unpack(base.digest())
        self._pos = 0

    def u32(self) -> int:
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
        if n <= 1 << 32:
            return (self.u32() * n) >> 32
        return ((self.u32() << 32 | self.u32()) * n) >> 64

    def chance(self, p: float) -> bool:
        return self.u32() < p * 4294967296.0

    def pick(self, items: Sequence[T]) -> T:
        return items[(self.u32() * len(items)) >> 32]


def _open_cost(d: _Draw, currency: str) -> dict[str, Any]:
    # A running session has no bill yet: zero or unknown parts, no invoice.
    part = None if d.chance(0.3) else "0.00"
    return {
        "kwh_cost": part,
        "time_cost": part,
        "session_fee_cost": part,
        "blocking_fee_cost": part,
        "starting_fee_cost": part,
        "invoice_view": None,
        "invoice_download": None,
        "invoice_vat": "0.00",
        "invoice_summary": "0.00",
        "invoice_credits": "0.00",
        "invoice_discount": "0.00",
        "currency": currency,
    }


def _closed_cost(
    d: _Draw,
    session_id: str,
    parts: tuple[int, int, int, int, int],
    currency: str,
    vat_permille: int,
) -> dict[str, Any]:
    subtotal = sum(parts)
    discount = subtotal // 10 if d.chance(0.08) else 0
    credits = -min(subtotal - discount, 100 + d.below(400)) if d.chance(0.05) else 0
    summary = subtotal - discount + credits
    # Gross prices: the VAT is the share of the summary, rounded half up.
    vat = (2 * summary * vat_permille + 1000 + vat_permille) // (2 * (1000 + vat_permille))
    view = download = None
    if summary > 0 and not d.chance(0.05):
        h = hashlib.blake2b(session_id.encode(), digest_size=48).hexdigest()
        token = f"test_{h[:72]}"
        view = f"https://invoice.stripe.com/i/acct_1LKJg9HtgZxQ1KXx/{token}?s=ap"
        download = f"https://pay.stripe.com/invoice/acct_1LKJg9HtgZxQ1KXx/{token}/pdf?s=ap"
    return {
        "kwh_cost": _money(parts[0]),
        "time_cost": _money(parts[1]),
        "session_fee_cost": _money(parts[2]),
        "blocking_fee_cost": _money(parts[3]),
        "starting_fee_cost": _money(parts[4]),
        "invoice_view": view,
        "invoice_download": download,
        "invoice_vat": _money(vat),
        "invoice_summary": _money(summary),
        "invoice_credits": _money(credits),
        "invoice_discount": _money(discount),
        "currency": currency,
    }


class Timeline(NamedTuple):
    """Where a user's seeded sessions sit in time: key k starts about ``anchor - k * gap``."""

    anchor_us: int
    gap_us: int
    active_head: bool


class Generator:
    """Pure functions from ``(seed, coordinates)`` to API records.

    Args:
        seed: The data set's seed; the same seed always yields the same records.
    """

    __slots__ = ("_hasher", "ids", "seed")

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.ids = IdCodec(seed)
        material = seed.to_bytes(16, "little", signed=True)
        self._hasher = hashlib.blake2b(key=material, digest_size=64, person=b"cariqa-data")

    def _draw(self, tag: int, a: int, b: int = 0) -> _Draw:
        h = self._hasher.copy()
        h.update(tag.to_bytes(1, "little") + a.to_bytes(8, "little") + b.to_bytes(8, "little"))
        return _Draw(h)

    def user_id(self, user: int) -> str:
        """Return the id of the user with this index."""
        return self.ids.encode(KIND_USER, user, 0)

    def session_id(self, user: int, key: int) -> str:
        """Return the id of a user's session with this key."""
        return self.ids.encode(KIND_SESSION, user, key)

    def user(self, user: int) -> dict[str, Any]:
        """Return the ``ConnectAPIUser`` body of the user with this index."""
        d = self._draw(_TAG_USER, user)
        email = None
        if not d.chance(0.15):
            email = f"{d.pick(FIRST_NAMES)}.{d.pick(LAST_NAMES)}{user}@{d.pick(MAIL_DOMAINS)}"
        locale = "de" if d.chance(0.55) else "en"
        external_id = None if d.chance(0.2) else f"CRM-{user:05d}-{d.below(16**6):06X}"
        return {
            "id": self.user_id(user),
            "email": email,
            "locale": locale,
            "custom_properties": {"external_id": external_id},
        }

    def timeline(self, user: int, seeded_count: int) -> Timeline:
        """Return the time frame of a user seeded with ``seeded_count`` sessions."""
        d = self._draw(_TAG_TIMELINE, user)
        anchor = _ANCHOR_US - d.below(30 * _DAY)
        gap = min(max(_SPAN // max(seeded_count, 1), _HOUR), 5 * _DAY)
        return Timeline(anchor, gap, seeded_count > 0 and d.chance(0.08))

    def seeded_start(self, user: int, key: int, timeline: Timeline) -> int:
        """Return the start (µs since the epoch) of a seeded session; newer keys start later."""
        d = self._draw(_TAG_SESSION, user, key)
        # Jitter below half a gap keeps the order strict: neighbours are > gap/2 apart.
        start = timeline.anchor_us - key * timeline.gap_us - d.below(timeline.gap_us // 2)
        if d.chance(0.02):
            start -= start % _SECOND
        return start

    def session(
        self, user: int, key: int, timeline: Timeline, start_us: int | None = None
    ) -> dict[str, Any]:
        """Return the ``ConnectAPIChargingSession`` body of one session.

        Args:
            user: The owner's index.
            key: The session key (seeded keys count from 0, the newest).
            timeline: The owner's timeline from :meth:`timeline`.
            start_us: The start of an inserted session (``key >= INSERTED_BASE``);
                seeded sessions compute their own.

        Raises:
            ValueError: If an inserted session comes without its start time.
        """
        if not 0 <= key < MAX_KEY:
            raise ValueError(f"session key out of range: {key}")
        if start_us is None:
            if key >= INSERTED_BASE:
                raise ValueError("an inserted session needs its start time")
            start_us = self.seeded_start(user, key, timeline)
        session_id = self.session_id(user, key)
        d = self._draw(_TAG_SESSION, user, key)
        # Skip the draws seeded_start used, so later draws are independent of them.
        d.below(timeline.gap_us // 2), d.u32()
        active = key == 0 and timeline.active_head

        station = d.pick(STATIONS)
        evse = d.below(len(station.connectors))
        standard, power = station.connectors[evse]
        country = COUNTRIES[station.country]
        car_kw = d.pick((3.7, 7.4, 11.0, 22.0) if power <= 22 else (50.0, 100.0, 150.0, 250.0))
        charge_w = int(min(power, car_kw) * 1000) * (50 + d.below(46)) // 100

        # Keep one user's sessions from overlapping: seeded neighbours start more
        # than half a gap apart, so a session lasts a little less than that.
        max_seconds = max(60, timeline.gap_us // (2 * _SECOND) - 2)
        if d.chance(0.03):
            seconds = 5 + d.below(115)  # aborted plug-ins: seconds long, next to no energy
        elif power > 22:
            seconds = 600 + d.below(3000)
        else:
            seconds = 1200 + d.below(6 * 3600)
        seconds = min(seconds, max_seconds)
        energy_wh = min(charge_w * seconds // 3600, 20_000 + d.below(80_000))
        end = start_us + seconds * _SECOND + d.below(1000)
        if d.chance(0.02):
            end -= end % _SECOND
        end_us = None if active else end
        partial = None if d.chance(0.2) else _energy(energy_wh // 3)
        energy = partial if active else _energy(energy_wh)
        duration = None if end_us is None else (end_us - start_us) // _SECOND

        lo, hi = country.kwh_price_range
        price = lo + d.below(hi - lo + 1)
        kwh_price: int | None = price
        time_price = session_fee = blocking_fee = starting_fee = grace = cap = None
        tariff = d.below(100)
        if tariff < 50:
            pass  # plain per-kWh pricing, like the real example
        elif tariff < 65:
            blocking_fee, grace, cap = max(1, price // 5), d.pick((60, 120, 240)), price * 20
            starting_fee = max(1, price // 2)
        elif tariff < 75:
            kwh_price, time_price = None, max(1, price // 10)
        elif tariff < 85:
            session_fee = price * 2
        else:
            kwh_price = None  # the station reported no prices at all

        prices = {
            "kwh_price": None if kwh_price is None else _money(kwh_price),
            "time_price": None if time_price is None else _money(time_price),
            "session_fee": None if session_fee is None else _money(session_fee),
            "blocking_fee": None if blocking_fee is None else _money(blocking_fee),
            "starting_fee": None if starting_fee is None else _money(starting_fee),
            "grace_period_minutes": grace,
            "blocking_cap": None if cap is None else _money(cap),
            "currency": country.currency,
        }
        if active:
            cost = _open_cost(d, country.currency)
            rates = None
        else:
            minutes = -(-seconds // 60)
            blocking = 0
            if blocking_fee is not None and grace is not None and cap is not None:
                blocking = min(max(0, minutes - grace) * blocking_fee, cap)
            parts = (
                0 if kwh_price is None else (energy_wh * kwh_price + 500) // 1000,
                0 if time_price is None else minutes * time_price,
                session_fee or 0,
                blocking,
                starting_fee or 0,
            )
            cost = _closed_cost(d, session_id, parts, country.currency, country.vat_permille)
            rates = None if d.chance(0.55) else d.pick((1, 2, 3, 4, 4, 5, 5, 5))

        return {
            "id": session_id,
            "start_time": format_time(start_us),
            "end_time": None if end_us is None else format_time(end_us),
            "duration": duration,
            "consumed_energy": energy,
            "is_active": active,
            "evse_id": f"{station.country}*CIQ*E{station.evse_code}*{evse + 1}",
            "station_info": {
                "station_name": station.name,
                "station_address": station.address,
                "country": station.country,
                "station_speed": "slow" if power <= 22 else "fast",
                "connector_standard": standard,
                "connector_power": _power(power),
                "support_phone": station.support_phone,
                "latitude": station.latitude,
                "longitude": station.longitude,
            },
            "is_partner": station.is_partner,
            "logo_url": station.logo_url,
            "user_facing_session_prices": prices,
            "session_cost": cost,
            "rates": rates,
        }


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
