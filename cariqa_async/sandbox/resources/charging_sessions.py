"""Charging sessions: a user's sessions, newest first — their generator, changes and routes.

A seeded session is a pure function of ``(seed, user index, key)``; key 0 is the
newest. Field formats follow Cariqa's real responses: UUID ids, DRF timestamps,
decimal strings for energy and money, lower-case currencies, nullable prices.
Sessions created at run time (:func:`insert`) are generated the same way at a
start time between their neighbours', and kept in the collection's overlay.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, Final, NamedTuple

from aiohttp import web

from .._catalog import COUNTRIES, STATIONS, Station
from .._collection import Collection, Generate, Kind, Record
from .._data import (
    ANCHOR_US,
    DAY,
    HOUR,
    SECOND,
    Draw,
    Draws,
    draw_prices,
    format_time,
    money,
    parse_time,
)
from .._fields import Errors, choice
from .._http import Route, json_response, not_found, paginated, read_object, validation_error
from .._ids import KIND_SESSION, MAX_KEY
from .._state import STATE
from .._store import Store
from . import users

__all__ = [
    "CREATED_BASE",
    "KIND",
    "ROUTES",
    "Timeline",
    "UnknownSessionsError",
    "collection",
    "count",
    "delete",
    "delete_at",
    "generate",
    "ids",
    "insert",
    "key_of",
    "seeded_start",
    "timeline",
    "total",
]

#: Keys of seeded sessions are 0..n-1 (0 newest); keys of sessions created at run
#: time start here, so both kinds share one id space.
CREATED_BASE: Final = 1 << 40

_SPAN: Final = 3 * 365 * DAY
_TAG_TIMELINE: Final = 2
_TAG_SESSION: Final = 3


class UnknownSessionsError(KeyError):
    """Some session ids do not belong to the user's current sessions."""

    def __init__(self, ids: Sequence[str]) -> None:
        super().__init__(list(ids))
        self.ids = list(ids)


def _energy(wh: int) -> str:
    return f"{wh // 1000}.{wh % 1000:03d}"


def _power(kw: float) -> float | int:
    # JSON shows 22 for a whole number and 3.7 otherwise, as Cariqa does.
    return int(kw) if kw == int(kw) else kw


def open_cost(part: str | None, currency: str) -> dict[str, Any]:
    """The ``session_cost`` of a running session: no bill yet, zero or unknown parts."""
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


def invoice_links(session_id: str) -> tuple[str, str]:
    """The Stripe ``(view, download)`` links of the invoice of a session."""
    h = hashlib.blake2b(session_id.encode(), digest_size=48).hexdigest()
    token = f"test_{h[:72]}"
    return (
        f"https://invoice.stripe.com/i/acct_1LKJg9HtgZxQ1KXx/{token}?s=ap",
        f"https://pay.stripe.com/invoice/acct_1LKJg9HtgZxQ1KXx/{token}/pdf?s=ap",
    )


def _closed_cost(
    d: Draw,
    session_id: str,
    parts: tuple[int, int, int, int, int],
    currency: str,
    vat_permille: int,
) -> dict[str, Any]:
    subtotal = sum(parts)
    discount = subtotal // 10 if d.chance(0.08) else 0
    credits = -min(subtotal - discount, 100 + d.below(400)) if d.chance(0.05) else 0
    invoiced = subtotal - discount + credits > 0 and not d.chance(0.05)
    return closed_cost(session_id, parts, currency, vat_permille, discount, credits, invoiced)


def closed_cost(
    session_id: str,
    parts: tuple[int, int, int, int, int],
    currency: str,
    vat_permille: int,
    discount: int = 0,
    credits: int = 0,
    invoiced: bool = True,
) -> dict[str, Any]:
    """The ``session_cost`` of a finished session billed ``parts`` (minor units).

    Args:
        parts: kWh, time, session fee, blocking fee and starting fee costs.
        invoiced: Whether the invoice links are there (a positive bill paid).
    """
    summary = sum(parts) - discount + credits
    # Gross prices: the VAT is the share of the summary, rounded half up.
    vat = (2 * summary * vat_permille + 1000 + vat_permille) // (2 * (1000 + vat_permille))
    view = download = None
    if invoiced and summary > 0:
        view, download = invoice_links(session_id)
    return {
        "kwh_cost": money(parts[0]),
        "time_cost": money(parts[1]),
        "session_fee_cost": money(parts[2]),
        "blocking_fee_cost": money(parts[3]),
        "starting_fee_cost": money(parts[4]),
        "invoice_view": view,
        "invoice_download": download,
        "invoice_vat": money(vat),
        "invoice_summary": money(summary),
        "invoice_credits": money(credits),
        "invoice_discount": money(discount),
        "currency": currency,
    }


class Tariff(NamedTuple):
    """A session's prices in minor units (``None``: not charged), as the EVSE quoted them.

    ``time_price`` and ``blocking_fee`` are per minute; blocking starts after
    ``grace`` minutes and is capped at ``cap``.
    """

    kwh_price: int | None
    time_price: int | None = None
    session_fee: int | None = None
    blocking_fee: int | None = None
    starting_fee: int | None = None
    grace: int | None = None
    cap: int | None = None

    def bill(self, energy_wh: int, seconds: int) -> tuple[int, int, int, int, int]:
        """The kWh, time, session fee, blocking fee and starting fee costs of a session."""
        minutes = -(-seconds // 60)
        blocking = 0
        if self.blocking_fee is not None and self.grace is not None and self.cap is not None:
            blocking = min(max(0, minutes - self.grace) * self.blocking_fee, self.cap)
        return (
            0 if self.kwh_price is None else (energy_wh * self.kwh_price + 500) // 1000,
            0 if self.time_price is None else minutes * self.time_price,
            self.session_fee or 0,
            blocking,
            self.starting_fee or 0,
        )

    def body(self, currency: str) -> dict[str, Any]:
        """The ``user_facing_session_prices`` object."""
        return {
            "kwh_price": _money(self.kwh_price),
            "time_price": _money(self.time_price),
            "session_fee": _money(self.session_fee),
            "blocking_fee": _money(self.blocking_fee),
            "starting_fee": _money(self.starting_fee),
            "grace_period_minutes": self.grace,
            "blocking_cap": _money(self.cap),
            "currency": currency,
        }

    @classmethod
    def of(cls, body: dict[str, Any]) -> Tariff:
        """The tariff of a ``user_facing_session_prices`` object (inverse of :meth:`body`)."""

        def minor(name: str) -> int | None:
            value = body.get(name)
            return None if value is None else round(Decimal(value) * 100)

        return cls(
            minor("kwh_price"),
            minor("time_price"),
            minor("session_fee"),
            minor("blocking_fee"),
            minor("starting_fee"),
            body.get("grace_period_minutes"),
            minor("blocking_cap"),
        )


def _money(minor: int | None) -> str | None:
    return None if minor is None else money(minor)


def evse_id(station: Station, evse: int) -> str:
    """The OCPI id of a station's EVSE (0-based ``evse``): ``DE*CIQ*E<code>*<n>``."""
    return f"{station.country}*CIQ*E{station.evse_code}*{evse + 1}"


def station_info(station: Station, standard: str, power: float) -> dict[str, Any]:
    """A session's ``station_info``: where it charged, at which connector."""
    return {
        "station_name": station.name,
        "station_address": station.address,
        "country": station.country,
        "station_speed": "slow" if power <= 22 else "fast",
        "connector_standard": standard,
        "connector_power": _power(power),
        "support_phone": station.support_phone,
        "latitude": station.latitude,
        "longitude": station.longitude,
    }


class Timeline(NamedTuple):
    """Where a user's seeded sessions sit in time: key k starts about ``anchor - k * gap``."""

    anchor_us: int
    gap_us: int
    active_head: bool


def timeline(draws: Draws, user: int, seeded_count: int) -> Timeline:
    """Return the time frame of a user seeded with ``seeded_count`` sessions."""
    d = draws.draw(_TAG_TIMELINE, user)
    anchor = ANCHOR_US - d.below(30 * DAY)
    gap = min(max(_SPAN // max(seeded_count, 1), HOUR), 5 * DAY)
    return Timeline(anchor, gap, seeded_count > 0 and d.chance(0.08))


def seeded_start(draws: Draws, user: int, key: int, timeline: Timeline) -> int:
    """Return the start (µs since the epoch) of a seeded session; newer keys start later."""
    d = draws.draw(_TAG_SESSION, user, key)
    # Jitter below half a gap keeps the order strict: neighbours are > gap/2 apart.
    start = timeline.anchor_us - key * timeline.gap_us - d.below(timeline.gap_us // 2)
    if d.chance(0.02):
        start -= start % SECOND
    return start


def generate(
    draws: Draws, user: int, key: int, timeline: Timeline, start_us: int | None = None
) -> Record:
    """Return the ``ConnectAPIChargingSession`` body of one session.

    Args:
        user: The owner's index.
        key: The session key (seeded keys count from 0, the newest).
        timeline: The owner's timeline from :func:`timeline`.
        start_us: The start of an inserted session (``key >= CREATED_BASE``);
            seeded sessions compute their own.

    Raises:
        ValueError: If an inserted session comes without its start time.
    """
    if not 0 <= key < MAX_KEY:
        raise ValueError(f"session key out of range: {key}")
    if start_us is None:
        if key >= CREATED_BASE:
            raise ValueError("an inserted session needs its start time")
        start_us = seeded_start(draws, user, key, timeline)
    session_id = draws.ids.encode(KIND_SESSION, user, key)
    d = draws.draw(_TAG_SESSION, user, key)
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
    max_seconds = max(60, timeline.gap_us // (2 * SECOND) - 2)
    if d.chance(0.03):
        seconds = 5 + d.below(115)  # aborted plug-ins: seconds long, next to no energy
    elif power > 22:
        seconds = 600 + d.below(3000)
    else:
        seconds = 1200 + d.below(6 * 3600)
    seconds = min(seconds, max_seconds)
    energy_wh = min(charge_w * seconds // 3600, 20_000 + d.below(80_000))
    end = start_us + seconds * SECOND + d.below(1000)
    if d.chance(0.02):
        end -= end % SECOND
    end_us = None if active else end
    partial = None if d.chance(0.2) else _energy(energy_wh // 3)
    energy = partial if active else _energy(energy_wh)
    duration = None if end_us is None else (end_us - start_us) // SECOND

    lo, hi = country.kwh_price_range
    price = lo + d.below(hi - lo + 1)
    kwh_price, time_price, session_fee, blocking_fee, starting_fee, grace, cap = draw_prices(
        d, price
    )

    tariff = Tariff(kwh_price, time_price, session_fee, blocking_fee, starting_fee, grace, cap)
    if active:
        cost = open_cost(None if d.chance(0.3) else "0.00", country.currency)
        rates = None
    else:
        parts = tariff.bill(energy_wh, seconds)
        cost = _closed_cost(d, session_id, parts, country.currency, country.vat_permille)
        rates = None if d.chance(0.55) else d.pick((1, 2, 3, 4, 4, 5, 5, 5))

    return {
        "id": session_id,
        "start_time": format_time(start_us),
        "end_time": None if end_us is None else format_time(end_us),
        "duration": duration,
        "consumed_energy": energy,
        "is_active": active,
        "evse_id": evse_id(station, evse),
        "station_info": station_info(station, standard, power),
        "is_partner": station.is_partner,
        "logo_url": station.logo_url,
        "user_facing_session_prices": tariff.body(country.currency),
        "session_cost": cost,
        "rates": rates,
    }


def seeded_count(store: Store, user: int) -> int:
    """How many sessions the user is seeded with (0 for a user created at run time)."""
    return store.session_counts[user] if users.is_seeded(store, user) else 0


def _generator(store: Store, user: int) -> Generate:
    frame = timeline(store.draws, user, seeded_count(store, user))
    return lambda key: generate(store.draws, user, key, frame)


#: Each user's sessions: one collection per user, seeded with the data set's count.
KIND: Final = Kind(
    tag=1,
    seeded=seeded_count,
    generator=_generator,
    first_created=CREATED_BASE,
)


def collection(store: Store, user: int) -> Collection:
    """A user's sessions (hold ``store.lock`` while using it)."""
    return store.collection(KIND, user)


def _id(store: Store, user: int, key: int) -> str:
    return store.draws.ids.encode(KIND_SESSION, user, key)


def key_of(store: Store, user: int, session_id: str) -> int | None:
    """The key of one of ``user``'s current sessions, or ``None`` (hold the lock)."""
    decoded = store.draws.ids.decode(session_id)
    if decoded is None or decoded[0] != KIND_SESSION or decoded[1] != user:
        return None
    key = decoded[2]
    return key if key in collection(store, user) else None


def count(store: Store, user: int) -> int:
    """How many sessions a user has now."""
    with store.lock:
        return len(collection(store, user))


def total(store: Store) -> int:
    """How many sessions all users have now."""
    with store.lock:
        return sum(len(collection(store, user)) for user in users.collection(store))


def ids(store: Store, user: int) -> list[str]:
    """The ids of a user's sessions in server order (newest first)."""
    with store.lock:
        keys = list(collection(store, user))
    return [_id(store, user, key) for key in keys]


def _start(sessions: Collection, key: int) -> int:
    return parse_time(sessions.record(key)["start_time"])


def insert(store: Store, user: int, count: int = 1, at: int = 0) -> list[str]:
    """Insert ``count`` new finished sessions before position ``at``; return their ids.

    New sessions get start times between their neighbours', so the list stays
    ordered newest first; inserted at the head they are newer than every
    existing session (they start after the current head has ended).

    Raises:
        ValueError: If ``count < 0``.
        IndexError: If ``at`` is outside ``0 <= at <= session count``.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    with store.lock:
        sessions = collection(store, user)
        if not 0 <= at <= len(sessions):
            raise IndexError(f"insert position {at} outside 0..{len(sessions)}")
        frame = timeline(store.draws, user, seeded_count(store, user))
        gap = frame.gap_us
        if at == 0:
            if len(sessions):
                # Past the head's end: sessions last at most max(60 s, gap / 2).
                head = _start(sessions, sessions.key_at(0))
                newer = head + max(60 * SECOND, gap // 2) + 2 * SECOND + count * gap
            else:
                newer = frame.anchor_us + gap
            older = newer - (count + 1) * gap
        else:
            newer = _start(sessions, sessions.key_at(at - 1))
            older = (
                _start(sessions, sessions.key_at(at))
                if at < len(sessions)
                else newer - (count + 1) * gap
            )
        step = (newer - older) // (count + 1)

        def session(i: int) -> Callable[[int], Record]:
            return lambda key: generate(store.draws, user, key, frame, newer - (i + 1) * step)

        keys = sessions.create(at, [session(i) for i in range(count)])
    return [_id(store, user, key) for key in keys]


def delete_at(store: Store, user: int, at: int, count: int = 1) -> list[str]:
    """Delete ``count`` sessions from position ``at`` on; return their ids in order.

    Raises:
        IndexError: If the span is not inside the user's sessions or ``count < 0``.
    """
    with store.lock:
        removed = collection(store, user).delete_at(at, count)
    return [_id(store, user, key) for key in removed]


def delete(store: Store, user: int, session_ids: Iterable[str]) -> list[str]:
    """Delete the sessions with these ids; return them (all or nothing).

    Raises:
        UnknownSessionsError: If any id is not one of the user's current
            sessions (or is repeated); nothing is deleted then.
    """
    session_ids = list(session_ids)
    with store.lock:
        keys: dict[int, str] = {}
        unknown = []
        for session_id in session_ids:
            key = key_of(store, user, session_id)
            if key is None or key in keys:
                unknown.append(session_id)
            else:
                keys[key] = session_id
        if unknown:
            raise UnknownSessionsError(unknown)
        collection(store, user).delete(keys)
    return session_ids


async def list_sessions(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/{user_id}/charging-sessions/``: newest first."""
    user = users.owner(request)
    store = request.app[STATE].store
    sessions = collection(store, user)
    return paginated(request, lambda: len(sessions), sessions.page)


async def get_session(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/{user_id}/charging-sessions/{session_id}/``."""
    user = users.owner(request)
    store = request.app[STATE].store
    with store.lock:
        key = key_of(store, user, request.match_info["session_id"])
        if key is None:
            raise not_found()
        return json_response(collection(store, user).render(key))


async def rate_session(request: web.Request) -> web.StreamResponse:
    """``PATCH /api/v1/users/{user_id}/charging-sessions/{session_id}/``: ``{"rates": 1..5|null}``.

    Only a finished session can be rated; a body without ``rates`` changes nothing.
    """
    user = users.owner(request)
    body = await read_object(request)
    errors = Errors()
    if "rates" in body:
        errors.check("rates", choice(body["rates"], (1, 2, 3, 4, 5), nullable=True))
    errors.raise_any()
    store = request.app[STATE].store
    with store.lock:
        key = key_of(store, user, request.match_info["session_id"])
        if key is None:
            raise not_found()
        sessions = collection(store, user)
        if sessions.record(key)["is_active"]:
            raise validation_error({"rates": ["Only a finished charging session can be rated."]})
        if "rates" in body:
            sessions.update(key, {"rates": body["rates"]})
        return json_response(sessions.render(key))


_SESSIONS: Final = "/api/v1/users/{user_id}/charging-sessions/"

#: The charging sessions' endpoints.
ROUTES: Final = (
    Route("GET", _SESSIONS, list_sessions, "users_charging_sessions_list"),
    Route("GET", _SESSIONS + "{session_id}/", get_session, "users_charging_sessions_retrieve"),
    Route(
        "PATCH", _SESSIONS + "{session_id}/", rate_session, "users_charging_sessions_partial_update"
    ),
)
