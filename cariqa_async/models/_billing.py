from __future__ import annotations

import attrs

from ._api_enums import AccountType
from ._fields import may_be_absent


@attrs.frozen(slots=True, weakref_slot=False)
class BillingDetails:
    """Who a user's invoices are made out to (``ConnectAPIBillingDetails``).

    Attributes:
        line1, postal_code: the street line and postal code, e.g. ``"Karl-Marx-Allee 1"``
            and ``"10243"``. The spec calls them required strings, but the API's own
            docs show ``null`` for a user who has not entered an address yet, so
            they may be ``None``.
        account_type: ``AccountType.PERSONAL`` or ``AccountType.BUSINESS``.
        country: as entered, e.g. ``"de"``.
        company_name, vat_id: for business accounts, e.g. ``"DE123456789"``.
        tax_id: in the spec, absent from the docs' responses, hence optional even
            in strict mode.

    Every other field may be ``None``.
    """

    line1: str | None
    postal_code: str | None
    country: str | None = None
    city: str | None = None
    account_type: AccountType | None = None
    company_name: str | None = None
    vat_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    tax_id: str | None = may_be_absent()
