"""Stations: the directory the map endpoints serve, and the EVSE registry charging uses.

The directory is :data:`.._catalog.SITES`. What a seed decides about a station
is a pure function of ``(seed, station id)``: its EVSEs' statuses, its prices
(one tariff per price group: the EVSEs of one connector standard and power) and
when it was last updated. Statuses changed at run time (:func:`set_evse_status`,
a charge starting or ending) live in the store's overlay ``store.evse_statuses``.

Ids follow the sessions' ``evse_id``: a station is ``DE*CIQ*E<code>``, its EVSEs
``DE*CIQ*E<code>*1``, ``*2``...

The endpoints: ``around`` (nearest first by great-circle distance, filtered,
DRF-paginated), ``details`` (by station or EVSE id), ``partners`` (the partner
operators) and ``tile`` (the stations of slippy-map tiles as GeoJSON features,
stations close together on the map merged into clusters).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import types
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final, NamedTuple

import attrs
import orjson
from aiohttp import web

from .._api import Query
from .._catalog import COUNTRIES, SITES, Country, Site, Station
from .._data import ANCHOR_US, DAY, SECOND, Draw, Draws, draw_prices, format_time
from .._http import Route, json_response, not_found, paginated
from .._state import STATE
from .._store import Store

__all__ = [
    "CONNECTOR_TYPES",
    "EVSE_STATUSES",
    "MAX_ZOOM",
    "ROUTES",
    "Evse",
    "Tariff",
    "evse",
    "evse_ids",
    "set_evse_status",
    "station_id",
    "station_ids",
    "tile_of",
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

#: The spec's connector standards (OCPI), the ``connector_types`` filter's choices.
CONNECTOR_TYPES: Final = frozenset(
    {
        "CHADEMO",
        *(f"DOMESTIC_{letter}" for letter in "ABCDEFGHIJKL"),
        "IEC_60309_2_single_16",
        "IEC_60309_2_three_16",
        "IEC_60309_2_three_32",
        "IEC_60309_2_three_64",
        "IEC_62196_T1",
        "IEC_62196_T1_COMBO",
        "IEC_62196_T2",
        "IEC_62196_T2_COMBO",
        "IEC_62196_T3A",
        "IEC_62196_T3C",
        "TESLA_R",
        "TESLA_S",
    }
)
_SPEEDS: Final = ("slow", "fast", "turbo")
#: The deepest zoom a tile request may ask for.
MAX_ZOOM: Final = 22
# A tile is split into 4 x 4 cells; the stations of one cell become one cluster.
_CELL_ZOOM: Final = 2
# At most this many x (and y) values per tile request: a viewport, not the world.
_MAX_TILES_PER_AXIS: Final = 16
_EARTH_RADIUS_M: Final = 6_371_008.8
_DEFAULT_LOGO: Final = "https://static.cariqa.com/operators/default.png"

# Draw tags of the stations' facts (users and sessions use 1..3).
_TAG_STATUS: Final = 16
_TAG_TARIFF: Final = 17
_TAG_STATION: Final = 18

_CENT: Final = Decimal("0.01")


@attrs.frozen
class Tariff:
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


@attrs.frozen(kw_only=True)
class Evse(Tariff):
    """One charging point and everything charging needs to know about it: its tariff
    (the fields of :class:`Tariff`: ``kwh_price``, ``time_price``, ``session_fee``,
    ``currency``...) and the fields below.

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
    """

    evse_id: str
    station_id: str
    station: Station
    number: int
    status: str
    standard: str
    power_kw: float


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


def _price(minor: int | None) -> Decimal | None:
    return None if minor is None else (Decimal(minor) / 100).quantize(_CENT)


def _tariff(d: Draw, country: Country, power: float) -> Tariff:
    lo, hi = country.kwh_price_range
    price = lo + d.below(hi - lo + 1)
    if power > 22:
        price = price * 6 // 5  # fast charging costs more per kWh
    prices = draw_prices(d, price)
    # Where the operator reports no price, Cariqa charges one of its own.
    fallback = prices.kwh_price is None and prices.time_price is None
    if fallback:
        prices = prices._replace(kwh_price=price)
    return Tariff(
        kwh_price=_price(prices.kwh_price),
        time_price=_price(prices.time_price),
        session_fee=_price(prices.session_fee),
        starting_fee=_price(prices.starting_fee),
        blocking_fee=_price(prices.blocking_fee),
        grace_period_minutes=prices.grace_period_minutes,
        blocking_cap=_price(prices.blocking_cap),
        currency=country.currency,
        is_fallback=fallback,
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
        **attrs.asdict(tariff, recurse=False),
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


def station_ids() -> list[str]:
    """Return the id of every station of the directory, in catalogue order."""
    return list(_BY_ID)


# --- a station as a request sees it -------------------------------------------


def _speed(power_kw: float) -> str:
    return "slow" if power_kw <= 22 else "fast" if power_kw <= 150 else "turbo"


def _station_status(statuses: Iterable[str]) -> str:
    """The station's ``Status80fEnum`` from its EVSEs' OCPI statuses."""
    seen = set(statuses)
    if "AVAILABLE" in seen:
        return "free"
    if seen & {"CHARGING", "BLOCKED", "RESERVED"}:
        return "busy"
    if seen and seen <= {"OUTOFORDER", "INOPERATIVE"}:
        return "error"
    return "unknown"


class _Shown(NamedTuple):
    """The price a map shows for a station: per kWh if it has one, else per minute."""

    price: Decimal
    kind: str  # TilesPricePropertiesTypeEnum
    currency: str


class _View(NamedTuple):
    """One station of the directory with its seeded facts and its statuses now."""

    sid: str
    site: Site
    statuses: tuple[str, ...]
    tariffs: list[tuple[_Group, Tariff]]
    latitude: float
    longitude: float

    @property
    def speeds(self) -> frozenset[str]:
        return frozenset(_speed(power) for _, power in self.site.station.connectors)

    @property
    def speed(self) -> str:
        return max(self.speeds, key=_SPEEDS.index)

    @property
    def status(self) -> str:
        return _station_status(self.statuses)

    @property
    def shown_price(self) -> _Shown | None:
        for field, kind in (("kwh_price", "charging_price"), ("time_price", "time_price")):
            prices = [getattr(t, field) for _, t in self.tariffs if getattr(t, field) is not None]
            if prices:
                return _Shown(min(prices), kind, self.tariffs[0][1].currency.upper())
        return None


def _view(store: Store, sid: str, site: Site) -> _View:
    station = site.station
    assert station.latitude is not None
    assert station.longitude is not None
    numbers = range(1, len(station.connectors) + 1)
    return _View(
        sid,
        site,
        tuple(_status(store, sid, number) for number in numbers),
        _tariffs(store.draws, sid, station),
        float(station.latitude),
        float(station.longitude),
    )


def _views(store: Store) -> list[_View]:
    with store.lock:
        return [_view(store, sid, site) for sid, site in _BY_ID.items()]


class _Filters(NamedTuple):
    """The filters ``around`` and ``tile`` share (empty sets: no filter)."""

    connector_types: frozenset[str]
    only_available: bool
    only_partners: bool
    operators: frozenset[str]
    power_groups: frozenset[str] = frozenset()
    max_price: Decimal | None = None

    def admit(self, view: _View) -> bool:
        station = view.site.station
        if self.only_partners and not station.is_partner:
            return False
        if self.only_available and "AVAILABLE" not in view.statuses:
            return False
        if self.operators and view.site.operator not in self.operators:
            return False
        if self.connector_types and not {c for c, _ in station.connectors} & self.connector_types:
            return False
        if self.power_groups and not view.speeds & self.power_groups:
            return False
        shown = view.shown_price
        return self.max_price is None or (shown is not None and shown.price <= self.max_price)


def _filters(query: Query, *, tile: bool) -> _Filters:
    common = _Filters(
        connector_types=query.choices("connector_types", CONNECTOR_TYPES),
        only_available=query.boolean("only_available"),
        only_partners=query.boolean("only_partners"),
        operators=query.choices("operators"),
    )
    if not tile:
        return common
    max_price = query.number("max_price")
    return common._replace(
        power_groups=query.choices("power_groups", _SPEEDS),
        max_price=None if max_price is None else Decimal(repr(max_price)),
    )


# --- rendering ------------------------------------------------------------------


def _number(value: float) -> float | int:
    # JSON shows 22 for a whole number and 3.7 otherwise, as Cariqa does.
    return int(value) if value == int(value) else value


def _local_now(country: str) -> str:
    # Summer time at the sandbox's "now" (early April): CEST, and BST for the UK.
    offset = timezone(timedelta(hours=1 if country == "GB" else 2))
    moment = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=ANCHOR_US)
    return moment.astimezone(offset).isoformat()


def _price_items(
    price: Decimal | None, vat_permille: int, *, per_minute: bool = False, **extra: Any
) -> dict[str, list[dict[str, Any]]] | None:
    """One ``TimePriceItem`` valid all year, under the ``default`` key (as Cariqa sends)."""
    if price is None:
        return None
    net = price / (1 + Decimal(vat_permille) / 1000)
    # The net price of time-based items is per hour, the user-facing one per minute.
    gross = (net * 60).quantize(_CENT) if per_minute else net.quantize(Decimal("0.0001"))
    item = {
        "time_from": "00:00",
        "time_to": "23:59",
        "date_from": "2026-01-01",
        "date_to": "2026-12-31",
        "gross_price": str(gross),
        "user_facing_price": str(price),
        "grace_period_minutes": None,
        "tax": vat_permille / 10,
        "blocking_cap": None,
        **extra,
    }
    return {"default": [item]}


def _price_group(sid: str, station: Station, group: _Group, tariff: Tariff) -> dict[str, Any]:
    country = COUNTRIES[station.country]
    vat = country.vat_permille
    # Pre-authorisation scales with the country's price level and the connector's speed.
    hold = country.kwh_price_range[1] * (40 if group.power_kw <= 22 else 80)
    cap = None if tariff.blocking_cap is None else str(tariff.blocking_cap)
    blocking = _price_items(
        tariff.blocking_fee, vat, per_minute=True,
        grace_period_minutes=tariff.grace_period_minutes, blocking_cap=cap,
    )  # fmt: skip
    return {
        "type": group.standard,
        "power": _number(group.power_kw),
        "evse_ids": [f"{sid}*{number}" for number in group.numbers],
        "prices": {
            "time_price": _price_items(tariff.time_price, vat, per_minute=True),
            "kwh_price": _price_items(tariff.kwh_price, vat),
            "blocking_fee": blocking,
            "session_fee": _price_items(tariff.session_fee, vat),
            "starting_fee": _price_items(tariff.starting_fee, vat),
        },
        "local_datetime": _local_now(station.country),
        "currency": tariff.currency.upper(),
        "pre_authorization_amount": f"{hold // 100}.00",
        "is_fallback": tariff.is_fallback,
    }


def _render(store: Store, view: _View) -> bytes:
    """The ``ConnectAPIStation`` body of a station."""
    site = view.site
    station = site.station
    updated = ANCHOR_US - store.draws.draw(_TAG_STATION, _coordinate(view.sid)).below(7 * DAY)
    hours = [{"weekday": day, "period_begin": b, "period_end": e} for day, b, e in site.hours]
    body = {
        "id": view.sid,
        "name": station.name,
        "speed": view.speed,
        "address": station.address,
        "status": view.status,
        "coordinates": {"latitude": station.latitude, "longitude": station.longitude},
        "opening_times": {"twentyfourseven": not site.hours, "regular_hours": hours},
        "operator": {
            "name": site.operator,
            "contact": None if station.support_phone is None else {"phone": station.support_phone},
        },
        "evses": [
            {"evse_id": f"{view.sid}*{number}", "status": status}
            for number, status in enumerate(view.statuses, 1)
        ],
        "last_updated": format_time(updated - updated % SECOND),
        "amenities": list(site.amenities),
        "is_partner": station.is_partner,
        "price_groups": [_price_group(view.sid, station, g, t) for g, t in view.tariffs],
        "logo_url": station.logo_url or _DEFAULT_LOGO,
    }
    return orjson.dumps(body)


# --- around -------------------------------------------------------------------------


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance in meters."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


async def around(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/stations/around/``: stations within ``distance`` meters, nearest first."""
    query = Query(request)
    latitude = query.number("latitude", required=True, low=-90, high=90)
    longitude = query.number("longitude", required=True, low=-180, high=180)
    radius = query.integer("distance", 100, low=0)
    filters = _filters(query, tile=False)
    query.check()
    assert latitude is not None
    assert longitude is not None
    assert radius is not None
    store = request.app[STATE].store
    found = []
    for view in _views(store):
        meters = _distance_m(latitude, longitude, view.latitude, view.longitude)
        if meters <= radius and filters.admit(view):
            found.append((meters, view.sid, view))
    matches = [view for _, _, view in sorted(found, key=lambda f: f[:2])]

    def fetch(start: int, stop: int) -> list[bytes]:
        # Rendered from the statuses read with the matches, so a page agrees with its count.
        return [_render(store, view) for view in matches[start:stop]]

    return paginated(request, lambda: len(matches), fetch)


# --- details and partners -------------------------------------------------------------


async def details(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/stations/details/?id=...&type=station_id|evse_id``."""
    query = Query(request)
    wanted = query.text("id", required=True)
    kind = query.choice("type", ("evse_id", "station_id"), required=True)
    query.check()
    assert wanted is not None
    if kind == "evse_id":
        parsed = _parse(wanted)
        sid = None if parsed is None else parsed[0]
    else:
        sid = wanted if wanted in _BY_ID else None
    if sid is None:
        raise not_found()
    store = request.app[STATE].store
    with store.lock:
        return json_response(_render(store, _view(store, sid, _BY_ID[sid])))


async def partners(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/stations/partners/``: the partner operators, by name (a plain array)."""
    logos: dict[str, str | None] = {}
    for site in SITES:
        if site.station.is_partner:
            logos.setdefault(site.operator, site.station.logo_url)
    body = [{"name": name, "logo_url": logos[name]} for name in sorted(logos)]
    return json_response(orjson.dumps(body))


# --- tiles -------------------------------------------------------------------------------


def _mercator(latitude: float, longitude: float, zoom: int) -> tuple[float, float]:
    """The position in tile units at ``zoom`` (Web Mercator, as slippy maps number tiles)."""
    n = 1 << zoom
    lat = math.radians(latitude)
    x = (longitude + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(lat)) / math.pi) / 2.0 * n
    return x, y


def tile_of(latitude: float, longitude: float, zoom: int) -> tuple[int, int]:
    """Return the ``(x, y)`` of the slippy-map tile containing a point at ``zoom``.

    Example:
        >>> tile_of(49.630383, 8.368902, 10)
        (535, 348)
    """
    x, y = _mercator(latitude, longitude, zoom)
    n = 1 << zoom
    return min(max(int(x), 0), n - 1), min(max(int(y), 0), n - 1)


def _coordinates(latitude: float, longitude: float) -> list[str]:
    return [f"{latitude:.6f}", f"{longitude:.6f}"]


def _single(view: _View) -> dict[str, Any]:
    station = view.site.station
    feature: dict[str, Any] = {
        "type": "Feature",
        "station_id": view.sid,
        "geometry": {"type": "Point", "coordinates": [station.latitude, station.longitude]},
        "properties": {
            "count": 1,
            "speed": view.speed,
            "status": view.status,
            "operator_id": view.site.operator_id,
        },
        "custom_properties": {"is_partner": station.is_partner},
    }
    shown = view.shown_price
    if shown is not None:
        feature["price_properties"] = {
            "price": str(shown.price), "type": shown.kind, "currency": shown.currency,
        }  # fmt: skip
    return feature


def _expansion_zoom(members: Sequence[_View], zoom: int) -> int:
    """The first zoom at which the cluster's stations no longer share one cell."""
    for deeper in range(zoom + 1, MAX_ZOOM + 1):
        cells = {tile_of(v.latitude, v.longitude, deeper + _CELL_ZOOM) for v in members}
        if len(cells) > 1:
            return deeper
    return MAX_ZOOM  # stations at one spot never split


def _cluster(members: Sequence[_View], zoom: int, cell: tuple[int, int]) -> dict[str, Any]:
    latitude = sum(v.latitude for v in members) / len(members)
    longitude = sum(v.longitude for v in members) / len(members)
    statuses = {v.status for v in members}
    status = next((s for s in ("free", "busy", "error") if s in statuses), "unknown")
    feature: dict[str, Any] = {
        "type": "Feature",
        "cluster_id": f"cluster-{zoom + _CELL_ZOOM}-{cell[0]}-{cell[1]}-{len(members)}",
        "geometry": {"type": "Point", "coordinates": _coordinates(latitude, longitude)},
        "properties": {
            "count": len(members),
            "expansion_zoom": _expansion_zoom(members, zoom),
            "speed": max((v.speed for v in members), key=_SPEEDS.index),
            "status": status,
        },
        "custom_properties": {"is_partner": any(v.site.station.is_partner for v in members)},
    }
    shown = [p for p in (v.shown_price for v in members) if p is not None]
    # The cheapest price, when the members' prices are comparable at all.
    if shown and len({(p.kind, p.currency) for p in shown}) == 1:
        cheapest = min(shown)
        feature["price_properties"] = {
            "price": str(cheapest.price), "type": cheapest.kind, "currency": cheapest.currency,
        }  # fmt: skip
    return feature


def _features(views: Iterable[_View], zoom: int, tiles: set[tuple[int, int]]) -> list[Any]:
    cells: dict[tuple[int, int], list[_View]] = {}
    for view in views:
        if tile_of(view.latitude, view.longitude, zoom) in tiles:
            cell = tile_of(view.latitude, view.longitude, zoom + _CELL_ZOOM)
            cells.setdefault(cell, []).append(view)
    return [
        _single(members[0]) if len(members) == 1 else _cluster(members, zoom, cell)
        for cell, members in sorted(cells.items(), key=lambda item: item[0][::-1])
    ]


async def tile(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/stations/tile/?z=&x=&y=``: the stations of the tiles as GeoJSON features.

    Repeated ``x`` and ``y`` ask for every tile of the block they span
    (``x=1&x=2&y=5`` is tiles (1, 5) and (2, 5)).
    """
    query = Query(request)
    zoom = query.integer("z", low=0, high=MAX_ZOOM, required=True)
    last = (1 << (MAX_ZOOM if zoom is None else zoom)) - 1
    xs = query.integers("x", low=0, high=last, most=_MAX_TILES_PER_AXIS)
    ys = query.integers("y", low=0, high=last, most=_MAX_TILES_PER_AXIS)
    filters = _filters(query, tile=True)
    query.check()
    assert zoom is not None
    views = [v for v in _views(request.app[STATE].store) if filters.admit(v)]
    features = _features(views, zoom, set(itertools.product(xs, ys)))
    return json_response(orjson.dumps({"type": "FeatureCollection", "features": features}))


_STATIONS: Final = "/api/v1/stations/"

#: The stations' endpoints.
ROUTES: Final = (
    Route("GET", _STATIONS + "around/", around, "stations_around_list"),
    Route("GET", _STATIONS + "details/", details, "stations_details_retrieve"),
    Route("GET", _STATIONS + "partners/", partners, "stations_partners_list"),
    Route("GET", _STATIONS + "tile/", tile, "stations_tile_retrieve"),
)
