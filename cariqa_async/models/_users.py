from __future__ import annotations

import attrs

from ._api_enums import Locale


@attrs.frozen(slots=True, weakref_slot=False)
class UserCustomProperties:
    """Platform-owned properties of a user (``ConnectAPIUserCustomProperties``)."""

    external_id: str | None = None


@attrs.frozen(slots=True, weakref_slot=False)
class User:
    """A user of the platform (``ConnectAPIUser``).

    Attributes:
        id: Cariqa's id of the user.
        email: may be ``None``.
        locale: ``Locale.EN`` or ``Locale.DE`` today; a locale the API adds later
            still parses (to a member whose ``.value`` is the raw text).
        custom_properties: holds the platform's ``external_id``.
    """

    id: str
    email: str | None = None
    locale: Locale | None = None
    custom_properties: UserCustomProperties | None = None
