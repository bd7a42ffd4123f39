from __future__ import annotations

import attrs


@attrs.frozen(slots=True)
class UserCustomProperties:
    """Platform-owned properties of a user (``ConnectAPIUserCustomProperties``)."""

    external_id: str | None = None


@attrs.frozen(slots=True)
class User:
    """A user of the platform (``ConnectAPIUser``).

    Attributes:
        id: Cariqa's id of the user.
        email: may be ``None``.
        locale: ``"en"`` or ``"de"`` today; kept as text so new locales never break.
        custom_properties: holds the platform's ``external_id``.
    """

    id: str
    email: str | None = None
    locale: str | None = None
    custom_properties: UserCustomProperties | None = None
