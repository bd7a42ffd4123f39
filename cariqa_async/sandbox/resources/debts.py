"""Debts: sessions a user's card could not pay (``ConnectAPIDebt``), newest first.

A few seeded users owe their newest finished session (derived from it, so it
costs one session's generation); stopping a session charged with Stripe's
``pm_card_chargeCustomerFail`` card adds one. While a user owes, charging
answers ``402 payment_error`` and the user cannot be deleted. With
``doc_variants`` the secret is named ``client_secret``, as Cariqa's docs show it.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any, Final

import orjson
from aiohttp import web

from .._collection import Collection, Kind, Record
from .._http import Route, paginated
from .._ids import KIND_SESSION
from .._state import STATE
from .._store import Store
from . import charging_sessions, users

__all__ = ["KIND", "ROUTES", "add", "owes", "seeded_session_key"]

_TAG: Final = 7  # the draw tag of seeded debts
_SECRET: Final = "payment_intent_client_secret"  # noqa: S105 (a field name)


def payment_intent_secret(seed_text: str) -> str:
    """A Stripe payment intent's client secret, derived from ``seed_text``."""
    h = hashlib.blake2b(seed_text.encode(), digest_size=32).hexdigest()
    return f"pi_3{h[:24]}_secret_{h[24:50]}"


def record(session_id: str, amount: str, currency: str) -> Record:
    """The debt of a session that left ``amount`` unpaid."""
    return {
        "session_id": session_id,
        _SECRET: payment_intent_secret(session_id),
        "amount": amount,
        "currency": currency.upper(),  # as Cariqa's docs show it: "EUR"
    }


def seeded_session_key(store: Store, user: int) -> int | None:
    """The key of the seeded session a seeded user owes, or ``None`` (most users)."""
    seeded = charging_sessions.seeded_count(store, user)
    if not seeded or not store.draws.draw(_TAG, user).chance(0.04):
        return None
    frame = charging_sessions.timeline(store.draws, user, seeded)
    key = 1 if frame.active_head else 0  # the newest finished session
    if key >= seeded:
        return None
    session = charging_sessions.generate(store.draws, user, key, frame)
    return key if Decimal(session["session_cost"]["invoice_summary"]) > 0 else None


def _generator(store: Store, user: int) -> Any:
    def generate(_: int) -> Record:
        seeded = charging_sessions.seeded_count(store, user)
        frame = charging_sessions.timeline(store.draws, user, seeded)
        key = seeded_session_key(store, user)
        assert key is not None  # only then is there a seeded debt
        cost = charging_sessions.generate(store.draws, user, key, frame)["session_cost"]
        session_id = store.draws.ids.encode(KIND_SESSION, user, key)
        return record(session_id, cost["invoice_summary"], cost["currency"])

    return generate


#: Each user's debts, newest first.
KIND: Final = Kind(
    tag=5,
    seeded=lambda store, user: int(seeded_session_key(store, user) is not None),
    generator=_generator,
    first_created=1,
)


def _collection(store: Store, user: int) -> Collection:
    return store.collection(KIND, user)


def owes(store: Store, user: int) -> bool:
    """Whether the user has any debt."""
    with store.lock:
        return len(_collection(store, user)) > 0


def add(store: Store, user: int, debt: Record) -> None:
    """Record a new debt (it heads the list)."""
    with store.lock:
        _collection(store, user).create(0, [lambda _: debt])


def _docs_shape(body: bytes) -> bytes:
    debt = orjson.loads(body)
    return orjson.dumps({("client_secret" if k == _SECRET else k): v for k, v in debt.items()})


async def list_debts(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/{user_id}/charging/debts/``: newest first."""
    user = users.owner(request)
    state = request.app[STATE]
    debts = _collection(state.store, user)

    def fetch(start: int, stop: int) -> list[bytes]:
        page = debts.page(start, stop)
        return [_docs_shape(b) for b in page] if state.doc_variants else page

    return paginated(request, lambda: len(debts), fetch)


#: The debts' endpoint.
ROUTES: Final = (
    Route(
        "GET", "/api/v1/users/{user_id}/charging/debts/", list_debts, "users_charging_debts_list"
    ),
)
