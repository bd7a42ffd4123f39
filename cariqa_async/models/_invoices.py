from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from ._fields import may_be_absent

__all__ = ["Invoice", "InvoicePage"]


@attrs.frozen(slots=True, weakref_slot=False)
class Invoice:
    """One invoice of a user (``ConnectAPIInvoiceList``).

    Attributes:
        link: where to download the PDF.
        total: e.g. ``Decimal("5.39")``, in ``currency`` (lower case in practice, ``"eur"``).
        date: timezone-aware.
        refund: whether the invoice has been refunded.
        charging_session_id: the session it bills, or ``None``.
        view_link: the invoice's web page; in the API's docs, not in the spec,
            hence optional even in strict mode.
    """

    link: str
    total: Decimal
    date: datetime
    refund: bool
    currency: str
    charging_session_id: str | None = None
    view_link: str | None = may_be_absent()


@attrs.frozen(slots=True, weakref_slot=False)
class InvoicePage:
    """One page of a user's invoices, in either of the two shapes the API is known by.

    The spec describes the usual Django REST Framework page ``{count, next,
    previous, results}``; the API's docs show ``{size, next_page_id, prev_page_id,
    data}`` (``previous_page_id`` in one place) with a ``view_link``. Both become
    this class (see :func:`invoice_page`); the attributes of the other shape are
    ``None``.

    Attributes:
        results: the invoices of this page, in server order.
        count, next, previous: the DRF shape's total and links.
        size, next_page_id, prev_page_id, view_link: the docs' shape: the page size,
            the ids to load the next and previous page with (text; ``None`` at the
            ends) and a link to view the invoices.
    """

    results: tuple[Invoice, ...]
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    size: int | None = None
    next_page_id: str | None = None
    prev_page_id: str | None = None
    view_link: str | None = None

    def __len__(self) -> int:
        return len(self.results)
