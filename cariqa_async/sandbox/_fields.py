"""DRF's field validation, for the request bodies the API's writes take.

Each checker returns DRF's messages for a value (an empty list when it is
valid), worded as Django REST Framework words them, so a 400 from the sandbox
reads like one from Cariqa. :class:`Errors` collects them per field.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any, Final

from ._http import REQUIRED, validation_error

__all__ = ["Errors", "choice", "email", "string"]

NULL: Final = "This field may not be null."
BLANK: Final = "This field may not be blank."
NOT_STRING: Final = "Not a valid string."
# Django's EmailValidator, simplified: one @, a dotted domain, no spaces.
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def string(
    value: object, *, nullable: bool = True, blank: bool = True, max_length: int | None = None
) -> list[str]:
    """DRF ``CharField``: a string (DRF also takes numbers), maybe null or blank, bounded."""
    if value is None:
        return [] if nullable else [NULL]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return [NOT_STRING]
    text = str(value)
    if not text.strip():
        return [] if blank else [BLANK]
    if max_length is not None and len(text) > max_length:
        return [f"Ensure this field has no more than {max_length} characters."]
    return []


def email(value: object) -> list[str]:
    """DRF ``EmailField(allow_null=True)``."""
    if value is None:
        return []
    errors = string(value, blank=False)
    if errors:
        return errors
    return [] if _EMAIL.match(str(value).strip()) else ["Enter a valid email address."]


def choice(value: object, choices: Collection[object], *, nullable: bool = False) -> list[str]:
    """DRF ``ChoiceField``: ``'"x" is not a valid choice.'``."""
    if value is None:
        return [] if nullable else [NULL]
    if isinstance(value, bool) or value not in choices:
        shown = "True" if value is True else "False" if value is False else value
        return [f'"{shown}" is not a valid choice.']
    return []


class Errors:
    """DRF's errors of one body, by field; :meth:`raise_any` ends the request with them."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}

    def check(self, name: str, messages: list[str] | Mapping[str, Any]) -> None:
        """Record ``messages`` for ``name`` if there are any."""
        if messages:
            self.fields[name] = messages

    def require(self, body: Mapping[str, Any], *names: str) -> None:
        """Record DRF's "required" for each of ``names`` missing from ``body``."""
        for name in names:
            if name not in body:
                self.fields[name] = [REQUIRED]

    def raise_any(self) -> None:
        """Raise the API's 400 if any field has errors.

        Raises:
            Answer: ``400`` ``validation_error`` with the messages per field.
        """
        if self.fields:
            raise validation_error(self.fields)
