from __future__ import annotations

from decimal import Decimal

import attrs

from ._api_enums import PaymentMethodType
from ._fields import may_be_absent


@attrs.frozen(slots=True, weakref_slot=False)
class Card:
    """The card behind a payment method (``ConnectAPICardPM``).

    Attributes:
        brand: e.g. ``"visa"``.
        last4: e.g. ``"4242"``.
        expiration_date: text as sent; the spec says ``MM/YY``, the API's docs
            show ``"12/2027"``.
        cardholder_name: ``None`` when the card carries none.
    """

    brand: str
    last4: str
    expiration_date: str
    cardholder_name: str | None


@attrs.frozen(slots=True, weakref_slot=False)
class PaymentMethod:
    """A user's saved payment method (``ConnectAPIPM``).

    Attributes:
        id: Stripe's id, e.g. ``"pm_1TD1LuHtgZxQ1KXxNj5sKkKM"``.
        default: whether charging uses this method unless told otherwise.
        type: ``PaymentMethodType.CARD``, ``.APPLE_PAY`` or ``.GOOGLE_PAY``; wallets
            carry their underlying card in ``card`` too.
        created_at: when it was attached, as sent (the spec gives no format;
            in practice ``"2026-03-20T11:36:30Z"``), so kept as text.
    """

    id: str
    default: bool
    type: PaymentMethodType
    card: Card
    created_at: str


@attrs.frozen(slots=True, weakref_slot=False)
class SetupIntent:
    """A Stripe setup intent for adding a payment method (``ConnectAPISetupIntent``).

    The spec names its one field ``setup_intent_client_secret``, the API's docs
    ``client_secret``. Both are accepted, even in strict mode, and the one that was
    sent is kept (the other is ``None``); read :attr:`secret` instead of either.
    Neither appears in the ``repr``: the client secret is for the user's device
    only and must not end up in logs.
    """

    setup_intent_client_secret: str | None = may_be_absent(secret=True)
    client_secret: str | None = may_be_absent(secret=True)

    @property
    def secret(self) -> str | None:
        """The client secret under whichever name the API sent it (``"seti_..."``)."""
        return (
            self.setup_intent_client_secret
            if self.setup_intent_client_secret is not None
            else self.client_secret
        )


@attrs.frozen(slots=True, weakref_slot=False)
class Debt:
    """An unpaid charging session the user must pay on their device (``ConnectAPIDebt``).

    Attributes:
        session_id: the charging session that is not paid.
        amount: what is owed, e.g. ``Decimal("12.40")``.
        currency: as sent, e.g. ``"EUR"``.

    The Stripe payment-intent secret comes as ``payment_intent_client_secret``
    (spec) or ``client_secret`` (docs); both are accepted, even in strict mode,
    and :attr:`secret` returns whichever was sent. Neither is in the ``repr``.
    """

    session_id: str
    amount: Decimal
    currency: str
    payment_intent_client_secret: str | None = may_be_absent(secret=True)
    client_secret: str | None = may_be_absent(secret=True)

    @property
    def secret(self) -> str | None:
        """The payment intent's client secret under whichever name the API sent it."""
        return (
            self.payment_intent_client_secret
            if self.payment_intent_client_secret is not None
            else self.client_secret
        )
