from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._fields import may_be_absent

if TYPE_CHECKING:
    from .._converter import Structurer

__all__ = ["Invoice", "InvoicePage", "invoice_page"]


@attrs.frozen(slots=True)
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


@attrs.frozen(slots=True)
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


_ErrorFactory = Callable[[str, str], Exception]
_DOCS_KEYS: Final = frozenset(
    {"size", "next_page_id", "prev_page_id", "previous_page_id", "data", "view_link"}
)
_SHOWN: Final = 40


def invoice_page(data: Any, structurer: Structurer, on_error: _ErrorFactory) -> InvoicePage:
    """Structure an invoices response of either known shape into an :class:`InvoicePage`.

    A body with ``results`` (or ``count``) is read as the spec's DRF page, one with
    ``data`` as the docs' envelope. In the docs' shape the page ids may come as
    text or as integers (kept as text) and ``prev_page_id`` may be spelled
    ``previous_page_id``. In strict mode unknown fields are refused and the docs'
    shape must carry ``size``, ``next_page_id`` and a previous-page id.

    Raises:
        Whatever ``on_error(field_path, message)`` returns, for a body of neither
        shape or a wrong value; invoice errors name ``results[i].field`` or
        ``data[i].field``.

    Example::

        page = invoice_page(body, structurer, on_error)
        more = page.next is not None or page.next_page_id is not None
    """
    if not isinstance(data, Mapping):
        raise on_error("", f"expected an invoice page object, got {_shown(data)}")
    if "results" in data or "count" in data:
        page = structurer.page(data, Invoice, on_error)
        return InvoicePage(page.results, page.count, page.next, page.previous)
    if "data" not in data:
        raise on_error(
            "",
            "expected an invoice page: {count, next, previous, results} "
            f"or {{size, next_page_id, prev_page_id, data}}, got keys {sorted(data)}",
        )
    items = data["data"]
    if type(items) is not list:
        raise on_error("data", f"expected a list, got {_shown(items)}")
    size = data.get("size")
    if size is not None and (type(size) is not int or size < 0):
        raise on_error("size", f"expected a non-negative integer or null, got {_shown(size)}")
    prev_key = "previous_page_id" if "previous_page_id" in data else "prev_page_id"
    next_id = _page_id(data, "next_page_id", on_error)
    prev_id = _page_id(data, prev_key, on_error)
    view_link = data.get("view_link")
    if view_link is not None and type(view_link) is not str:
        raise on_error("view_link", f"expected a URL or null, got {_shown(view_link)}")
    if structurer.strict:
        extra = set(data) - _DOCS_KEYS
        if extra:
            raise on_error("", f"unknown field(s): {', '.join(sorted(extra))}")
        missing = {"size", "next_page_id", prev_key}.difference(data)
        if missing:
            raise on_error("", f"missing field(s): {', '.join(sorted(missing))}")
    results = tuple(structurer.many(items, Invoice, on_error, where="data"))
    return InvoicePage(
        results, size=size, next_page_id=next_id, prev_page_id=prev_id, view_link=view_link
    )


def _page_id(data: Mapping[str, Any], key: str, on_error: _ErrorFactory) -> str | None:
    value = data.get(key)
    if value is None or type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    raise on_error(key, f"expected an id (text or integer) or null, got {_shown(value)}")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
