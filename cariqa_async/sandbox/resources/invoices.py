"""Invoices: what a user's finished sessions were billed (``ConnectAPIInvoiceList``).

Seeded invoices are derived from the seeded sessions one to one (invoice k bills
the k-th newest finished session, the one a user owes excepted), so they cost
nothing until served; stopping a session with a positive bill adds one at the
head. With ``doc_variants`` the list comes in the envelope Cariqa's docs show,
``{size, next_page_id, prev_page_id, view_link, data}``, items with a
``view_link``; ``page``/``page_size`` still page it.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

import orjson
from aiohttp import web

from .._collection import Collection, Kind, Record
from .._http import Route, paginated
from .._state import STATE
from .._store import Store
from . import charging_sessions, debts, users

__all__ = ["KIND", "ROUTES", "add", "record"]

_TAG: Final = 8  # the draw tag of seeded invoices
#: The docs' envelope links to the customer's invoices page.
_VIEW_ALL: Final = "https://invoice.stripe.com/i/acct_1LKJg9HtgZxQ1KXx"


def record(session: Record, refund: bool = False) -> Record:
    """The invoice of a finished ``session`` (its ``view_link`` kept for the docs' shape)."""
    cost = session["session_cost"]
    view, download = charging_sessions.invoice_links(session["id"])
    return {
        "link": cost["invoice_download"] or download,
        "total": cost["invoice_summary"],
        "date": session["end_time"],
        "refund": refund,
        "charging_session_id": session["id"],
        "currency": cost["currency"],
        "view_link": cost.get("invoice_view") or view,
    }


def _skipped(store: Store, user: int) -> int:
    """How many of the newest seeded sessions have no invoice (running, or owed)."""
    seeded = charging_sessions.seeded_count(store, user)
    frame = charging_sessions.timeline(store.draws, user, seeded)
    owed = debts.seeded_session_key(store, user) is not None
    return min(seeded, int(frame.active_head) + int(owed))


def _seeded(store: Store, user: int) -> int:
    return charging_sessions.seeded_count(store, user) - _skipped(store, user)


def _generator(store: Store, user: int) -> Any:
    seeded = charging_sessions.seeded_count(store, user)
    frame = charging_sessions.timeline(store.draws, user, seeded)
    skip = _skipped(store, user)

    def generate(key: int) -> Record:
        session = charging_sessions.generate(store.draws, user, key + skip, frame)
        return record(session, refund=store.draws.draw(_TAG, user, key).chance(0.03))

    return generate


#: Each user's invoices, newest first.
KIND: Final = Kind(
    tag=4, seeded=_seeded, generator=_generator, first_created=charging_sessions.CREATED_BASE
)


def _collection(store: Store, user: int) -> Collection:
    return store.collection(KIND, user)


def add(store: Store, user: int, invoice: Record) -> None:
    """Record a new invoice (it heads the list)."""
    with store.lock:
        _collection(store, user).create(0, [lambda _: invoice])


def _spec_shape(body: bytes) -> bytes:
    invoice = orjson.loads(body)
    del invoice["view_link"]
    return orjson.dumps(invoice)


def _page_id(user_id: str, number: int) -> str:
    return "in_1" + hashlib.blake2b(f"{user_id}:{number}".encode(), digest_size=12).hexdigest()


async def list_invoices(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/{user_id}/invoices/``: newest first, in the spec's or the docs' shape."""
    user = users.owner(request)
    state = request.app[STATE]
    invoices = _collection(state.store, user)
    user_id = request.match_info["user_id"]

    def fetch(start: int, stop: int) -> list[bytes]:
        page = invoices.page(start, stop)
        return page if state.doc_variants else [_spec_shape(b) for b in page]

    def docs_envelope(count: int, number: int, pages: int, items: Any) -> bytes:
        return orjson.dumps(
            {
                "size": len(items),
                "next_page_id": _page_id(user_id, number + 1) if number < pages else None,
                "prev_page_id": _page_id(user_id, number - 1) if number > 1 else None,
                "view_link": _VIEW_ALL,
                "data": [orjson.Fragment(item) for item in items],
            }
        )

    envelope = docs_envelope if state.doc_variants else None
    return paginated(request, lambda: len(invoices), fetch, envelope)


#: The invoices' endpoint.
ROUTES: Final = (
    Route("GET", "/api/v1/users/{user_id}/invoices/", list_invoices, "users_invoices_list"),
)
