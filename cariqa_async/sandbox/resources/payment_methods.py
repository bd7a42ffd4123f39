"""Payment methods: a user's saved Stripe methods (``ConnectAPIPM``) and setup intents.

Seeded users have 0 to 3 methods each, from the seed; a test attaches more as
Stripe's front end would (``sb.attach_payment_method(user_id, "pm_card_visa")``).
The list is newest first. While a user has methods exactly one is the default:
the first attached, until ``set default`` picks another; deleting the default
promotes the newest remaining one.

Stripe's test ids (``pm_card_visa``, ``pm_card_chargeDeclined``, ...) stand for
cards with a behaviour, known by their last four digits as in Stripe's test
mode: ``0002`` declines the pre-authorisation, ``0341`` attaches but fails the
charge (the bill becomes a debt). Start accepts the test ids directly too.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

import orjson
from aiohttp import web

from .._api import query_value
from .._collection import Collection, Kind, Record
from .._data import DAY, Draw, format_time
from .._fields import choice
from .._http import Route, json_response, not_found, paginated, validation_error
from .._state import STATE
from .._store import CLOCK_START_US, Store
from . import users

__all__ = [
    "CUSTOMER_FAIL",
    "DECLINED",
    "KIND",
    "ROUTES",
    "TEST_CARDS",
    "attach",
    "card_of",
    "find",
]

_TAG: Final = 5  # the draw tag of payment methods
_TAG_SECRET: Final = 6  # the draw tag of setup-intent secrets
_ALNUM: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: Last four digits of Stripe's test cards whose pre-authorisation is declined ...
DECLINED: Final = "0002"
#: ... and whose charge fails after attaching (the bill becomes a debt).
CUSTOMER_FAIL: Final = "0341"


class TestCard(NamedTuple):
    """A Stripe test card: brand and last four digits."""

    brand: str
    last4: str


#: Stripe's test payment-method ids the sandbox knows, and their cards.
TEST_CARDS: Final[dict[str, TestCard]] = {
    "pm_card_visa": TestCard("visa", "4242"),
    "pm_card_visa_debit": TestCard("visa", "5556"),
    "pm_card_mastercard": TestCard("mastercard", "4444"),
    "pm_card_amex": TestCard("amex", "8431"),
    "pm_card_chargeDeclined": TestCard("visa", DECLINED),
    "pm_card_chargeCustomerFail": TestCard("visa", CUSTOMER_FAIL),
}
_SEEDED_CARDS: Final = (
    TestCard("visa", "4242"),
    TestCard("visa", "1881"),
    TestCard("mastercard", "4444"),
    TestCard("mastercard", "5100"),
    TestCard("amex", "8431"),
)


def _stripe_id(d: Draw, prefix: str, length: int) -> str:
    return prefix + "".join(_ALNUM[d.below(len(_ALNUM))] for _ in range(length))


def _record(d: Draw, card: TestCard, created_us: int, default: bool, kind: str = "card") -> Record:
    return {
        "id": _stripe_id(d, "pm_1", 24),
        "default": default,
        "type": kind,
        "card": {
            "brand": card.brand,
            "last4": card.last4,
            "expiration_date": f"{1 + d.below(12):02d}/{27 + d.below(8)}",
            "cardholder_name": None if d.chance(0.6) else "Erika Mustermann",
        },
        "created_at": format_time(created_us - created_us % 1_000_000),
    }


def _seeded_count(store: Store, user: int) -> int:
    if not users.is_seeded(store, user):
        return 0
    roll = store.draws.draw(_TAG, user).below(100)
    return 0 if roll < 20 else 1 if roll < 70 else 2 if roll < 90 else 3


def _generator(store: Store, user: int) -> Any:
    count = _seeded_count(store, user)

    def generate(key: int) -> Record:
        d = store.draws.draw(_TAG, user, key + 1)
        # Newest first: key 0 was attached last; the oldest (the first attached) is default.
        created = CLOCK_START_US - (key + 1) * 30 * DAY - d.below(30 * DAY)
        kind = "card" if d.chance(0.8) else d.pick(("apple_pay", "google_pay"))
        return _record(d, d.pick(_SEEDED_CARDS), created, key == count - 1, kind)

    return generate


#: Each user's payment methods, newest first.
KIND: Final = Kind(tag=3, seeded=_seeded_count, generator=_generator, first_created=1 << 20)


def _collection(store: Store, user: int) -> Collection:
    return store.collection(KIND, user)


def find(store: Store, user: int, pm_id: str) -> int | None:
    """The key of the user's method with Stripe id ``pm_id``, or ``None`` (hold the lock)."""
    methods = _collection(store, user)
    return next((key for key in methods if methods.record(key)["id"] == pm_id), None)


def card_of(store: Store, user: int, pm_id: str) -> TestCard | None:
    """The card behind a method the user may charge with: one of theirs or a test id."""
    if pm_id in TEST_CARDS:
        return TEST_CARDS[pm_id]
    with store.lock:
        key = find(store, user, pm_id)
        if key is None:
            return None
        card = _collection(store, user).record(key)["card"]
    return TestCard(card["brand"], card["last4"])


def attach(store: Store, user: int, test_id: str) -> str:
    """Attach a method made from Stripe test id ``test_id``; return its new ``pm_…`` id.

    The first method a user has becomes the default.

    Raises:
        ValueError: If ``test_id`` is not one of :data:`TEST_CARDS`.
    """
    card = TEST_CARDS.get(test_id)
    if card is None:
        raise ValueError(
            f"unknown Stripe test payment method {test_id!r}; one of {sorted(TEST_CARDS)}"
        )
    with store.lock:
        methods = _collection(store, user)
        d = store.draws.draw(_TAG, user, store.next_serial() << 20)
        first = len(methods) == 0
        [key] = methods.create(0, [lambda _: _record(d, card, store.now_us, first)])
        return str(methods.record(key)["id"])


def _set_default(methods: Collection, default: int | None) -> None:
    for key in methods:
        if methods.record(key)["default"] != (key == default):
            methods.update(key, {"default": key == default})


async def list_methods(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/{user_id}/payment-methods/``: newest first."""
    user = users.owner(request)
    methods = _collection(request.app[STATE].store, user)
    return paginated(request, lambda: len(methods), methods.page)


def _method(request: web.Request) -> tuple[Store, Collection, int]:
    """The store, the user's methods and the key of ``{pm}`` (hold the lock)."""
    user = users.owner(request)
    store = request.app[STATE].store
    key = find(store, user, request.match_info["pm"])
    if key is None:
        raise not_found()
    return store, _collection(store, user), key


async def delete_method(request: web.Request) -> web.StreamResponse:
    """``DELETE /api/v1/users/{user_id}/payment-methods/{pm}/``: 204; the newest is promoted."""
    with request.app[STATE].store.lock:
        _, methods, key = _method(request)
        was_default = methods.record(key)["default"]
        methods.delete([key])
        if was_default and len(methods):
            _set_default(methods, methods.key_at(0))
    return web.Response(status=204)


async def set_default(request: web.Request) -> web.StreamResponse:
    """``POST /api/v1/users/{user_id}/payment-methods/{pm}/default/``: 204."""
    with request.app[STATE].store.lock:
        _, methods, key = _method(request)
        _set_default(methods, key)
    return web.Response(status=204)


async def setup_intent(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/{user_id}/setup-intents/?pm_type=card``: a fresh client secret."""
    user = users.owner(request)
    pm_type = query_value(request, "pm_type")
    if pm_type is not None:
        problems = choice(pm_type, ("card",))
        if problems:
            raise validation_error({"pm_type": problems})
    state = request.app[STATE]
    d = state.store.draws.draw(_TAG_SECRET, user, state.store.next_serial())
    secret = f"{_stripe_id(d, 'seti_1', 24)}_secret_{_stripe_id(d, '', 41)}"
    name = "client_secret" if state.doc_variants else "setup_intent_client_secret"
    return json_response(orjson.dumps({name: secret}))


_PATH: Final = "/api/v1/users/{user_id}/payment-methods/"

#: The payment methods' endpoints.
ROUTES: Final = (
    Route("GET", _PATH, list_methods, "users_payment_methods_list"),
    Route("DELETE", _PATH + "{pm}/", delete_method, "users_payment_methods_destroy"),
    Route("POST", _PATH + "{pm}/default/", set_default, "users_payment_methods_default_create"),
    Route(
        "GET",
        "/api/v1/users/{user_id}/setup-intents/",
        setup_intent,
        "users_setup_intents_retrieve",
    ),
)
