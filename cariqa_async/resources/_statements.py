from __future__ import annotations

from typing import TYPE_CHECKING

from .._endpoints import DEBTS_LIST, INVOICES_LIST
from .._pagination import PageWalk, WalkArgs
from ..models import Debt, Invoice, InvoicePage, Page
from ._base import Resource

if TYPE_CHECKING:
    from typing_extensions import Unpack


class Debts(Resource):
    """What a user owes for sessions whose payment failed: ``client.debts``."""

    __slots__ = ()

    async def list(
        self, user_id: str, *, page: int = 1, page_size: int | None = None
    ) -> Page[Debt]:
        """Fetch one page of a user's debts (``debt.secret`` lets the user pay with Stripe).

        Raises:
            NotFoundError: no such user; ``InvalidPageError`` past the last page.
        """
        return await self._page(DEBTS_LIST, {"user_id": user_id}, page=page, page_size=page_size)

    def iter(self, user_id: str, **options: Unpack[WalkArgs]) -> PageWalk[Debt]:
        """Every debt of a user, each once (one per session: the walk's key).

        Raises:
            InvalidArgumentError: ``user_id`` or an option is unusable.
        """
        return self._walk(DEBTS_LIST, {"user_id": user_id}, **options)


class Invoices(Resource):
    """A user's invoices: ``client.invoices``."""

    __slots__ = ()

    async def list(
        self, user_id: str, *, page: int = 1, page_size: int | None = None
    ) -> InvoicePage:
        """Fetch one page of a user's invoices.

        The API documents two envelopes: the spec's page (``count``, ``next``,
        ``previous``) and the docs' (``size``, ``next_page_id``, ``prev_page_id``);
        the other's attributes are ``None``.

        Raises:
            NotFoundError: no such user; ``InvalidPageError`` past the last page.
        """
        return await self._page(INVOICES_LIST, {"user_id": user_id}, page=page, page_size=page_size)

    def iter(self, user_id: str, **options: Unpack[WalkArgs]) -> PageWalk[Invoice]:
        """Every invoice of a user, each once (by ``link``).

        With the spec's page, pages are fetched concurrently like every list;
        with the docs' envelope, which has no count, page after page until
        ``next_page_id`` is null.

        Raises:
            InvalidArgumentError: ``user_id`` or an option is unusable.
        """
        return self._walk(INVOICES_LIST, {"user_id": user_id}, **options)
