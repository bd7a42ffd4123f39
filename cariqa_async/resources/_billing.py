from __future__ import annotations

from .._endpoints import BILLING_RETRIEVE, BILLING_UPDATE
from ..models import AccountType, BillingDetails
from ._base import Resource


class BillingDetailsResource(Resource):
    """A user's billing details, which charging needs: ``client.billing_details``."""

    __slots__ = ()

    async def get(self, user_id: str) -> BillingDetails:
        """Fetch a user's billing details (a new user's ``line1`` and ``postal_code``
        are empty until set).

        Raises:
            NotFoundError: no such user.
        """
        return await self._call(BILLING_RETRIEVE, {"user_id": user_id})

    async def update(
        self,
        user_id: str,
        *,
        line1: str,
        postal_code: str,
        city: str | None = None,
        country: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        account_type: AccountType | str = AccountType.PERSONAL,
        company_name: str | None = None,
        tax_id: str | None = None,
        vat_id: str | None = None,
    ) -> BillingDetails:
        """Replace a user's billing details (PUT): every field is sent, ``None`` as null.

        Until a user has billing details, ``charging.start`` answers
        :class:`BillingDataRequiredError`.

        Raises:
            ValidationError: a field was refused (``error_details`` says which).
            NotFoundError: no such user.

        Example::

            await client.billing_details.update(
                user_id, line1="Karl-Marx-Allee 1", postal_code="10243", city="Berlin"
            )
        """
        fields = {
            "line1": line1,
            "postal_code": postal_code,
            "city": city,
            "country": country,
            "first_name": first_name,
            "last_name": last_name,
            "account_type": account_type,
            "company_name": company_name,
            "tax_id": tax_id,
            "vat_id": vat_id,
        }
        return await self._call(BILLING_UPDATE, {"user_id": user_id}, body=fields)
