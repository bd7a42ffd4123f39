"""Billing details: one record per user (``ConnectAPIBillingDetails``), read and replaced.

A seeded user's details come from the seed, complete (they can charge); a user
created at run time starts with ``""`` for ``line1`` and ``postal_code``, and
charging answers ``409 billing_data_required`` until a ``PUT`` fills them.
Each user's details are a one-record collection (key 0) of the store.
"""

from __future__ import annotations

from typing import Any, Final

import orjson
from aiohttp import web

from .._catalog import FIRST_NAMES, LAST_NAMES
from .._collection import Collection, Kind, Record
from .._data import Draws
from .._fields import Errors, choice, string
from .._http import Route, json_response, read_object
from .._state import STATE
from .._store import Store
from . import users

__all__ = ["KIND", "ROUTES", "complete", "generate"]

_TAG: Final = 4  # the draw tag of billing details
_ACCOUNT_TYPES: Final = ("personal", "business")
#: (country, city, street, postal code) of seeded addresses.
_PLACES: Final = (
    ("de", "Berlin", "Karl-Marx-Allee", "10243"),
    ("de", "München", "Leopoldstraße", "80802"),
    ("de", "Worms", "Kämmererstraße", "67547"),
    ("at", "Wien", "Mariahilfer Straße", "1060"),
    ("pl", "Łódź", "ul. Piotrkowska", "90-001"),
    ("se", "Stockholm", "Götgatan", "118 26"),
)
#: The writable fields: (name, max length, nullable).
_FIELDS: Final = (
    ("country", 150, True),
    ("city", 50, True),
    ("tax_id", 30, True),
    ("company_name", None, True),
    ("vat_id", None, True),
    ("line1", None, False),
    ("postal_code", None, False),
    ("first_name", 150, True),
    ("last_name", 150, True),
)


def generate(draws: Draws, user: int) -> Record:
    """Return the billing details of a seeded user."""
    d = draws.draw(_TAG, user)
    country, city, street, postal_code = d.pick(_PLACES)
    business = d.chance(0.15)
    return {
        "country": country,
        "city": city,
        "tax_id": f"{d.below(100):02d}/{d.below(1000):03d}/{d.below(100000):05d}"
        if business
        else None,
        "account_type": "business" if business else "personal",
        "company_name": f"{d.pick(LAST_NAMES).title()} Logistik GmbH" if business else None,
        "vat_id": f"{country.upper()}{d.below(10**9):09d}" if business else None,
        "line1": f"{street} {1 + d.below(120)}",
        "postal_code": postal_code,
        "first_name": d.pick(FIRST_NAMES).title(),
        "last_name": d.pick(LAST_NAMES).title(),
    }


def _empty() -> Record:
    return {
        **{name: None for name, _, _ in _FIELDS},
        "account_type": "personal",
        "line1": "",
        "postal_code": "",
    }


def _generator(store: Store, user: int) -> Any:
    if users.is_seeded(store, user):
        return lambda _: generate(store.draws, user)
    return lambda _: _empty()


#: Each user's billing details: a collection of one record (key 0).
KIND: Final = Kind(tag=2, seeded=lambda _s, _u: 1, generator=_generator, first_created=1)


def _collection(store: Store, user: int) -> Collection:
    return store.collection(KIND, user)


def complete(store: Store, user: int) -> bool:
    """Whether the user's details have what charging needs (``line1``, ``postal_code``)."""
    with store.lock:
        record = _collection(store, user).record(0)
    return bool(record["line1"]) and bool(record["postal_code"])


def _validated(body: dict[str, Any]) -> Record:
    """The full replacement record of a ``PUT`` body.

    Raises:
        Answer: ``400 validation_error`` naming each missing or invalid field.
    """
    errors = Errors()
    errors.require(body, "line1", "postal_code")
    for name, max_length, nullable in _FIELDS:
        if name in body:
            errors.check(
                name, string(body[name], nullable=nullable, blank=nullable, max_length=max_length)
            )
    if "account_type" in body:
        errors.check("account_type", choice(body["account_type"], _ACCOUNT_TYPES))
    errors.raise_any()
    record = _empty()
    for name, _, _ in _FIELDS:
        value = body.get(name)
        record[name] = None if value is None else str(value).strip()
    record["account_type"] = body.get("account_type", "personal")
    return record


async def get_billing(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/{user_id}/billing-details/``."""
    user = users.owner(request)
    store = request.app[STATE].store
    return json_response(store.locked(lambda: _collection(store, user).render(0)))


async def put_billing(request: web.Request) -> web.StreamResponse:
    """``PUT /api/v1/users/{user_id}/billing-details/``: a full replace (omitted fields reset)."""
    user = users.owner(request)
    record = _validated(await read_object(request))
    store = request.app[STATE].store
    with store.lock:
        record = _collection(store, user).update(0, record)
    return json_response(orjson.dumps(record))


_PATH: Final = "/api/v1/users/{user_id}/billing-details/"

#: The billing details' endpoints.
ROUTES: Final = (
    Route("GET", _PATH, get_billing, "users_billing_details_retrieve"),
    Route("PUT", _PATH, put_billing, "users_billing_details_update"),
)
