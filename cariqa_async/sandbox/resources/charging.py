"""Charging: start and stop a session, and the user deletion they can refuse.

Start checks, in this order (the first failing check answers): the user (404),
the body (400), the EVSE (404), the billing details (409
``billing_data_required``), the payment method (402 ``payment_method_error``
unless it is one of the user's or a Stripe test id), debts (402
``payment_error``), a running session (409 ``already_charging``), the EVSE's
status (409 ``station_availability_issue`` unless ``AVAILABLE``) and the
pre-authorisation (402 ``pre_authorization_failed`` for Stripe's declined test
card). Then the new session heads the user's list, the EVSE is ``CHARGING`` and
the energy grows with the sandbox clock (``sb.advance_time``).

Stop ends the session at the clock's time: duration, energy and costs from the
prices it started with; a positive bill becomes an invoice (or a debt, with
Stripe's ``chargeCustomerFail`` card); the EVSE is ``AVAILABLE`` again.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any, Final, NamedTuple

from aiohttp import web

from .._catalog import COUNTRIES
from .._data import SECOND, format_time, parse_time
from .._fields import Errors, string
from .._http import Answer, Route, json_response, not_found, read_object, rich_error
from .._ids import KIND_SESSION
from .._state import STATE
from .._store import Store
from . import billing, charging_sessions, debts, invoices, payment_methods, stations, users
from .charging_sessions import Tariff

__all__ = ["ROUTES", "Running", "advance"]

#: A car's charging power is capped by its on-board charger (AC) or battery (DC).
_AC_CAR_KW: Final = 11.0
_DC_CAR_KW: Final = 100.0
#: Batteries fill up: a session never takes more than this (Wh).
_MAX_ENERGY_WH: Final = 80_000


class Running(NamedTuple):
    """A session started through the API and not yet stopped (``store.running``)."""

    key: int
    start_us: int
    watts: int
    last4: str | None  # the card's, which decides the bill's fate; None if seeded


def _energy_wh(watts: int, start_us: int, now_us: int) -> int:
    return min(_MAX_ENERGY_WH, max(0, now_us - start_us) * watts // (3600 * SECOND))


def _kwh(wh: int) -> str:
    return f"{wh // 1000}.{wh % 1000:03d}"


def advance(store: Store, seconds: float) -> int:
    """Move the sandbox clock ``seconds`` forward; running sessions charge on. Return it (µs).

    Raises:
        ValueError: If ``seconds`` is negative (the clock never goes back).
    """
    if seconds < 0:
        raise ValueError("the sandbox clock only moves forward")
    with store.lock:
        store.now_us += round(seconds * SECOND)
        for user, run in store.running.items():
            energy = _kwh(_energy_wh(run.watts, run.start_us, store.now_us))
            charging_sessions.collection(store, user).update(run.key, {"consumed_energy": energy})
        return store.now_us


def _charging_error(status: int, error_type: str, details: str, **extra: str) -> Answer:
    return Answer(rich_error(status, error_type, details, **extra))


def _start_record(
    store: Store, user: int, key: int, evse: stations.Evse, start_us: int
) -> dict[str, Any]:
    """The body of a session that just started at ``evse``."""

    def minor(value: Decimal | None) -> int | None:
        return None if value is None else round(value * 100)

    tariff = Tariff(
        minor(evse.kwh_price),
        minor(evse.time_price),
        minor(evse.session_fee),
        minor(evse.blocking_fee),
        minor(evse.starting_fee),
        evse.grace_period_minutes,
        minor(evse.blocking_cap),
    )
    station = evse.station
    return {
        "id": store.draws.ids.encode(KIND_SESSION, user, key),
        "start_time": format_time(start_us),
        "end_time": None,
        "duration": None,
        "consumed_energy": "0.000",
        "is_active": True,
        "evse_id": evse.evse_id,
        "station_info": charging_sessions.station_info(station, evse.standard, evse.power_kw),
        "is_partner": station.is_partner,
        "logo_url": station.logo_url,
        "user_facing_session_prices": tariff.body(evse.currency),
        "session_cost": charging_sessions.open_cost("0.00", evse.currency),
        "rates": None,
    }


def _active_key(store: Store, user: int) -> int | None:
    """The key of the user's running session (the head of the list), or ``None``."""
    sessions = charging_sessions.collection(store, user)
    if not len(sessions):
        return None
    key = sessions.key_at(0)
    return key if sessions.record(key)["is_active"] else None


async def start(request: web.Request) -> web.StreamResponse:
    """``POST /api/v1/users/{user_id}/charging/start/``: 201 with the new running session."""
    user = users.owner(request)
    body = await read_object(request)
    errors = Errors()
    errors.require(body, "evse_id", "payment_method_id")
    for name in ("evse_id", "payment_method_id"):
        if name in body:
            errors.check(name, string(body[name], nullable=False, blank=False))
    errors.raise_any()
    evse_id, pm_id = str(body["evse_id"]), str(body["payment_method_id"])
    store = request.app[STATE].store
    with store.lock:
        evse = stations.evse(store, evse_id)
        if evse is None:
            raise not_found()
        if not billing.complete(store, user):
            raise _charging_error(
                409, "billing_data_required", "Billing details (line1, postal code) are missing."
            )
        card = payment_methods.card_of(store, user, pm_id)
        if card is None:
            raise _charging_error(
                402, "payment_method_error", "The payment method does not belong to the user."
            )
        if debts.owes(store, user):
            raise _charging_error(402, "payment_error", "The user has unpaid charging sessions.")
        if _active_key(store, user) is not None:
            raise _charging_error(409, "already_charging", "The user is already charging.")
        if evse.status != "AVAILABLE":
            raise _charging_error(
                409, "station_availability_issue", f"The EVSE is {evse.status.lower()}."
            )
        if card.last4 == payment_methods.DECLINED:
            secret = debts.payment_intent_secret(f"{evse_id}:{store.next_serial()}")
            raise _charging_error(
                402,
                "pre_authorization_failed",
                "Your card was declined.",
                payment_intent_client_secret=secret,
            )
        sessions = charging_sessions.collection(store, user)
        start_us = store.now_us
        if len(sessions):
            head = sessions.record(sessions.key_at(0))
            # After every session the user has: the clock jumps past the newest.
            latest = parse_time(head["end_time"] or head["start_time"]) + SECOND
            start_us = store.now_us = max(store.now_us, latest)
        [key] = sessions.create(0, [lambda key: _start_record(store, user, key, evse, start_us)])
        car_kw = _AC_CAR_KW if evse.power_kw <= 22 else _DC_CAR_KW
        watts = int(min(evse.power_kw, car_kw) * 1000)
        store.running[user] = Running(key, start_us, watts, card.last4)
        stations.set_evse_status(store, evse_id, "CHARGING")
        return json_response(sessions.render(key), 201)


def _stop(store: Store, user: int, key: int) -> None:
    """End the running session ``key`` at the clock's time and bill it (hold the lock)."""
    sessions = charging_sessions.collection(store, user)
    session = sessions.record(key)
    start_us = parse_time(session["start_time"])
    run = store.running.pop(user, None)
    end_us = max(store.now_us, start_us)
    seconds = (end_us - start_us) // SECOND
    if run is not None:
        energy_wh = _energy_wh(run.watts, start_us, end_us)
    else:  # a seeded running session: it keeps what it charged
        energy = session["consumed_energy"] or "0.000"
        energy_wh = int(energy.replace(".", ""))
    prices = session["user_facing_session_prices"]
    parts = Tariff.of(prices).bill(energy_wh, seconds)
    country = COUNTRIES.get(session["station_info"]["country"] or "DE", COUNTRIES["DE"])
    in_debt = run is not None and run.last4 == payment_methods.CUSTOMER_FAIL
    cost = charging_sessions.closed_cost(
        session["id"], parts, prices["currency"], country.vat_permille, invoiced=not in_debt
    )
    ended = sessions.update(
        key,
        {
            "end_time": format_time(end_us),
            "duration": seconds,
            "consumed_energy": _kwh(energy_wh),
            "is_active": False,
            "session_cost": cost,
        },
    )
    if sum(parts) > 0:
        if in_debt:
            debts.add(
                store,
                user,
                debts.record(session["id"], cost["invoice_summary"], prices["currency"]),
            )
        else:
            invoices.add(store, user, invoices.record(ended))
    with contextlib.suppress(KeyError):  # a station only sessions show has no EVSE registry
        stations.set_evse_status(store, session["evse_id"], "AVAILABLE")


async def stop(request: web.Request) -> web.StreamResponse:
    """``POST /api/v1/users/{user_id}/charging/stop/{session_id}/``: 204 (then 409)."""
    user = users.owner(request)
    store = request.app[STATE].store
    with store.lock:
        key = charging_sessions.key_of(store, user, request.match_info["session_id"])
        if key is None:
            raise not_found()
        if not charging_sessions.collection(store, user).record(key)["is_active"]:
            raise _charging_error(
                409, "already_stopped", "The charging session is already stopped."
            )
        _stop(store, user, key)
    return web.Response(status=204)


async def delete_user(request: web.Request) -> web.StreamResponse:
    """``DELETE /api/v1/users/{user_id}/``: 204 soft delete; refused while charging or owing."""
    user = users.owner(request)
    store = request.app[STATE].store
    with store.lock:
        if _active_key(store, user) is not None:
            raise _charging_error(
                400, "validation_error", "The user has an active charging session."
            )
        if debts.owes(store, user):
            raise _charging_error(402, "payment_error", "The user has unpaid charging sessions.")
        users.delete(store, user)
    return web.Response(status=204)


_USER: Final = "/api/v1/users/{user_id}/"

#: The charging endpoints, and deleting a user.
ROUTES: Final = (
    Route("DELETE", _USER, delete_user, "users_destroy"),
    Route("POST", _USER + "charging/start/", start, "users_charging_start_create"),
    Route("POST", _USER + "charging/stop/{session_id}/", stop, "users_charging_stop_create"),
)
