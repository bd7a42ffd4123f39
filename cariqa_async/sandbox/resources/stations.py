"""Stations: the directory the map endpoints serve, and the EVSE registry charging uses.

The directory is :data:`.._catalog.SITES`. What a seed decides about a station
is a pure function of ``(seed, station id)``: its EVSEs' statuses, its prices
(one tariff per price group: the EVSEs of one connector standard and power) and
when it was last updated. Statuses changed at run time (:func:`set_evse_status`,
a charge starting or ending) live in the store's overlay ``store.evse_statuses``.

Ids follow the sessions' ``evse_id``: a station is ``DE*CIQ*E<code>``, its EVSEs
``DE*CIQ*E<code>*1``, ``*2``...
"""

from __future__ import annotations

import hashlib
import types
from collections.abc import Mapping
from decimal import Decimal
from typing import Final, NamedTuple

from .._catalog import COUNTRIES, SITES, Country, Site, Station
from .._data import Draw, Draws
from .._store import Store

__all__ = [
    "EVSE_STATUSES",
    "Evse",
    "Tariff",
    "evse",
    "evse_ids",
    "set_evse_status",
    "station_id",
]

#: OCPI's EVSE statuses (the spec's ``ConnectAPIEvseStatusEnum``).
EVSE_STATUSES: Final = frozenset(
    {
        "AVAILABLE",
        "BLOCKED",
        "CHARGING",
        "INOPERATIVE",
        "OUTOFORDER",
        "PLANNED",
        "REMOVED",
        "RESERVED",
        "UNKNOWN",
    }
)

# Draw tags of the stations' facts (users and sessions use 1..3).
_TAG_STATUS: Final = 16
_TAG_TARIFF: Final = 17
_TAG_STATION: Final = 18

_CENT: Final = Decimal("0.01")


class Tariff(NamedTuple):
    """The user-facing prices (VAT included) of one price group, in major units.

    ``time_price`` and ``blocking_fee`` are per minute; ``blocking_fee`` applies
    after ``grace_period_minutes``, up to ``blocking_cap`` per session. ``currency``
    is lower case, as sessions show it (``"eur"``). ``is_fallback``: Cariqa set
    these prices because the operator sent none.
    """

    kwh_price: Decimal | None
    time_price: Decimal | None
    session_fee: Decimal | None
    starting_fee: Decimal | None
    blocking_fee: Decimal | None
    grace_period_minutes: int | None
    blocking_cap: Decimal | None
    currency: str
    is_fallback: bool


class Evse(NamedTuple):
    """One charging point and everything charging needs to know about it.

    Attributes:
        evse_id: ``"DE*CIQ*E<code>*<number>"``.
        station_id: ``"DE*CIQ*E<code>"``.
        station: The station's catalogue entry (name, address, country,
            coordinates, support phone, logo, partner flag): a session's
            ``station_info`` comes from it.
        number: The EVSE's number at its station, from 1.
        status: OCPI status now: ``"AVAILABLE"``, ``"CHARGING"``, ...
        standard: The connector standard (``"IEC_62196_T2"``).
        power_kw: The connector's power in kW (``22.0``, ``3.7``).
        kwh_price, time_price, session_fee, starting_fee, blocking_fee,
        grace_period_minutes, blocking_cap, currency: Its tariff (see :class:`Tariff`).
    """

    evse_id: str
    station_id: str
    station: Station
    number: int
    status: str
    standard: str
    power_kw: float
    kwh_price: Decimal | None
    time_price: Decimal | None
    session_fee: Decimal | None
    starting_fee: Decimal | None
    blocking_fee: Decimal | None
    grace_period_minutes: int | None
    blocking_cap: Decimal | None
    currency: str


def station_id(station: Station) -> str:
    """Return the id of a catalogue station (the prefix of its EVSEs' ids)."""
    return f"{station.country}*CIQ*E{station.evse_code}"


#: The directory by station id.
_BY_ID: Final[Mapping[str, Site]] = types.MappingProxyType(
    {station_id(site.station): site for site in SITES}
)
#: The bot example charges here, so its EVSEs start AVAILABLE whatever the seed.
_ALWAYS_AVAILABLE: Final = station_id(SITES[0].station)


def _coordinate(sid: str) -> int:
    # Draw coordinates from the id, not the position in SITES, so that growing the
    # catalogue leaves every other station's seeded facts as they were.
    return int.from_bytes(hashlib.blake2b(sid.encode(), digest_size=8).digest(), "little")


def _seeded_status(draws: Draws, sid: str, number: int) -> str:
    if sid == _ALWAYS_AVAILABLE:
        return "AVAILABLE"
    roll = draws.draw(_TAG_STATUS, _coordinate(sid), number).below(100)
    for limit, status in ((75, "AVAILABLE"), (88, "CHARGING"), (91, "BLOCKED"), (93, "RESERVED"),
                          (96, "OUTOFORDER"), (98, "INOPERATIVE")):  # fmt: skip
        if roll < limit:
            return status
    return "UNKNOWN"


def _price(minor: int) -> Decimal:
    return (Decimal(minor) / 100).quantize(_CENT)


def _tariff(d: Draw, country: Country, power: float) -> Tariff:
    lo, hi = country.kwh_price_range
    price = lo + d.below(hi - lo + 1)
    if power > 22:
        price = price * 6 // 5  # fast charging costs more per kWh
    kwh: int | None = price
    per_minute = session_fee = starting_fee = blocking = grace = cap = None
    kind = d.below(100)
    if kind < 55:
        pass  # plain per-kWh pricing, the common case
    elif kind < 70:
        blocking, grace, cap = max(1, price // 5), d.pick((60, 120, 240)), price * 20
        starting_fee = max(1, price // 2)
    elif kind < 80:
        kwh, per_minute = None, max(1, price // 10)
    elif kind < 92:
        session_fee = price
    else:
        per_minute = max(1, price // 20)
    return Tariff(
        kwh_price=None if kwh is None else _price(kwh),
        time_price=None if per_minute is None else _price(per_minute),
        session_fee=None if session_fee is None else _price(session_fee),
        starting_fee=None if starting_fee is None else _price(starting_fee),
        blocking_fee=None if blocking is None else _price(blocking),
        grace_period_minutes=grace,
        blocking_cap=None if cap is None else _price(cap),
        currency=country.currency,
        is_fallback=d.chance(0.1),
    )


class _Group(NamedTuple):
    """A price group: the EVSEs (numbers from 1) of one standard and power."""

    standard: str
    power_kw: float
    numbers: tuple[int, ...]


def _groups(station: Station) -> list[_Group]:
    numbers: dict[tuple[str, float], list[int]] = {}
    for number, connector in enumerate(station.connectors, 1):
        numbers.setdefault(connector, []).append(number)
    return [_Group(standard, power, tuple(n)) for (standard, power), n in numbers.items()]


def _tariffs(draws: Draws, sid: str, station: Station) -> list[tuple[_Group, Tariff]]:
    country = COUNTRIES[station.country]
    return [
        (group, _tariff(draws.draw(_TAG_TARIFF, _coordinate(sid), i), country, group.power_kw))
        for i, group in enumerate(_groups(station))
    ]


def _status(store: Store, sid: str, number: int) -> str:
    evse_id = f"{sid}*{number}"
    with store.lock:
        status = store.evse_statuses.get(evse_id)
    return status if status is not None else _seeded_status(store.draws, sid, number)


def _parse(evse_id: str) -> tuple[str, Site, int] | None:
    sid, _, number = evse_id.rpartition("*")
    site = _BY_ID.get(sid)
    if site is None or not number.isdigit() or number != str(int(number)):
        return None
    if not 1 <= int(number) <= len(site.station.connectors):
        return None
    return sid, site, int(number)


def evse(store: Store, evse_id: str) -> Evse | None:
    """Return the EVSE with this id (its station, status now, connector, prices), or ``None``.

    Only stations of the directory (those ``around`` and ``details`` serve) have
    EVSEs here.

    Example:
        >>> from cariqa_async.sandbox._store import Store
        >>> store = Store(seed=1, counts=[])
        >>> e = evse(store, evse_ids()[0])
        >>> (e.station.name, e.status)
        ('EVA Charge', 'AVAILABLE')
    """
    parsed = _parse(evse_id)
    if parsed is None:
        return None
    sid, site, number = parsed
    group, tariff = next(
        (g, t) for g, t in _tariffs(store.draws, sid, site.station) if number in g.numbers
    )
    return Evse(
        evse_id=evse_id,
        station_id=sid,
        station=site.station,
        number=number,
        status=_status(store, sid, number),
        standard=group.standard,
        power_kw=float(group.power_kw),
        kwh_price=tariff.kwh_price,
        time_price=tariff.time_price,
        session_fee=tariff.session_fee,
        starting_fee=tariff.starting_fee,
        blocking_fee=tariff.blocking_fee,
        grace_period_minutes=tariff.grace_period_minutes,
        blocking_cap=tariff.blocking_cap,
        currency=tariff.currency,
    )


def evse_ids() -> list[str]:
    """Return the id of every EVSE of the directory, station by station."""
    return [
        f"{sid}*{number}"
        for sid, site in _BY_ID.items()
        for number in range(1, len(site.station.connectors) + 1)
    ]


def set_evse_status(store: Store, evse_id: str, status: str) -> None:
    """Set an EVSE's OCPI status (``"AVAILABLE"``, ``"CHARGING"``, ...) from now on.

    Raises:
        KeyError: If there is no such EVSE.
        ValueError: If ``status`` is not one of :data:`EVSE_STATUSES`.
    """
    if _parse(evse_id) is None:
        raise KeyError(f"no sandbox EVSE {evse_id!r}")
    if status not in EVSE_STATUSES:
        raise ValueError(f"unknown EVSE status {status!r}; one of {sorted(EVSE_STATUSES)}")
    with store.lock:
        store.evse_statuses[evse_id] = status
