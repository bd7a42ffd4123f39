from __future__ import annotations

from typing import TYPE_CHECKING

from .._endpoints import (
    PAYMENT_METHODS_DELETE,
    PAYMENT_METHODS_LIST,
    PAYMENT_METHODS_SET_DEFAULT,
    SETUP_INTENT,
)
from .._pagination import PageWalk, WalkArgs
from ..models import Page, PaymentMethod, PaymentMethodType, SetupIntent
from ._base import Resource

if TYPE_CHECKING:
    from typing_extensions import Unpack


class PaymentMethods(Resource):
    """A user's saved payment methods: ``client.payment_methods``.

    Methods are added by your front end with Stripe, using :meth:`setup_intent`'s
    client secret; here you list them, choose the default and remove them.
    """

    __slots__ = ()

    async def list(
        self, user_id: str, *, page: int = 1, page_size: int | None = None
    ) -> Page[PaymentMethod]:
        """Fetch one page of a user's payment methods.

        Raises:
            NotFoundError: no such user; ``InvalidPageError`` past the last page.
        """
        return await self._page(
            PAYMENT_METHODS_LIST, {"user_id": user_id}, page=page, page_size=page_size
        )

    def iter(self, user_id: str, **options: Unpack[WalkArgs]) -> PageWalk[PaymentMethod]:
        """Every payment method of a user, each once (the walk of ``charging_sessions.iter``).

        Raises:
            InvalidArgumentError: ``user_id`` or an option is unusable.
        """
        return self._walk(PAYMENT_METHODS_LIST, {"user_id": user_id}, **options)

    async def delete(self, user_id: str, payment_method_id: str) -> None:
        """Remove a payment method; the newest remaining one becomes the default.

        A retry that finds it already gone (404) counts as done.

        Raises:
            PaymentError: the method is needed for an unpaid debt.
            NotFoundError: no such user or method.
        """
        args = {"user_id": user_id, "payment_method_id": payment_method_id}
        await self._call(PAYMENT_METHODS_DELETE, args)

    async def set_default(self, user_id: str, payment_method_id: str) -> None:
        """Make a payment method the user's default.

        Raises:
            NotFoundError: no such user or method.
        """
        args = {"user_id": user_id, "payment_method_id": payment_method_id}
        await self._call(PAYMENT_METHODS_SET_DEFAULT, args)

    async def setup_intent(
        self, user_id: str, *, pm_type: PaymentMethodType | str = PaymentMethodType.CARD
    ) -> SetupIntent:
        """A fresh Stripe setup intent, whose ``secret`` your front end uses to add a method.

        Raises:
            ValidationError: an unsupported ``pm_type``.
            NotFoundError: no such user.
        """
        return await self._call(SETUP_INTENT, {"user_id": user_id}, query={"pm_type": pm_type})
