"""Django/DRF query-string parsing the API's list endpoints share.

Django's ``QueryDict.get`` answers the last of repeated parameters, and DRF's
``SearchFilter`` splits ``search`` into terms with ``smart_split``: quoted
phrases stay whole, commas and whitespace separate. :class:`Query` reads the
typed parameters of the stations' endpoints (``latitude``, ``only_available``,
repeated ``connector_types``...) as a DRF serializer over ``query_params`` does,
with DRF's messages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from typing import Final

from aiohttp import web

from ._http import REQUIRED, validation_error

__all__ = ["Query", "query_value", "search_terms"]

# rest_framework.fields.BooleanField's accepted spellings.
_TRUE: Final = frozenset({"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                          "on", "On", "ON", "1"})  # fmt: skip
_FALSE: Final = frozenset({"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE",
                           "off", "Off", "OFF", "0"})  # fmt: skip

# django.utils.text.smart_split: whitespace-separated, quoted phrases kept whole.
_SMART_SPLIT: Final = re.compile(
    r"""((?:[^\s'"]*(?:(?:"(?:[^"\\]|\\.)*" | '(?:[^'\\]|\\.)*')[^\s'"]*)+) | \S+)""",
    re.VERBOSE,
)


def query_value(request: web.Request, name: str) -> str | None:
    """Return the query parameter ``name`` as Django reads it (the last one), or ``None``."""
    values = request.query.getall(name, ())
    return values[-1] if values else None


def search_terms(value: str) -> list[str]:
    """Split a ``search`` value into terms the way DRF's ``search_smart_split`` does."""
    terms: list[str] = []
    for match in _SMART_SPLIT.finditer(value.replace("\x00", "")):
        term = match.group(0).strip(",")
        if term[:1] in ('"', "'") and term[0] == term[-1]:
            quote = term[0]
            terms.append(term[1:-1].replace("\\" + quote, quote).replace("\\\\", "\\"))
        else:
            terms.extend(sub.strip() for sub in term.split(",") if sub.strip())
    return terms


class Query:
    """A request's query parameters read like a DRF serializer's fields, errors collected.

    Each reader returns the value (or its default) and records DRF's message for a
    missing or invalid one; :meth:`check` then ends the request with Cariqa's
    ``400 validation_error`` naming every refused field at once.

    Example, in a handler::

        query = Query(request)
        latitude = query.number("latitude", required=True, low=-90, high=90)
        query.check()
    """

    def __init__(self, request: web.Request) -> None:
        self._query = request.query
        self.errors: dict[str, list[str]] = {}

    def _refuse(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def _last(self, name: str, required: bool) -> str | None:
        values = self._query.getall(name, ())
        if not values:
            if required:
                self._refuse(name, REQUIRED)
            return None
        return values[-1]

    def _bounded(self, name: str, value: float, low: float | None, high: float | None) -> bool:
        if low is not None and value < low:
            self._refuse(name, f"Ensure this value is greater than or equal to {low}.")
            return False
        if high is not None and value > high:
            self._refuse(name, f"Ensure this value is less than or equal to {high}.")
            return False
        return True

    def number(
        self,
        name: str,
        *,
        required: bool = False,
        low: float | None = None,
        high: float | None = None,
    ) -> float | None:
        """A ``FloatField``: ``None`` if absent (and not required) or refused."""
        raw = self._last(name, required)
        if raw is None:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self._refuse(name, "A valid number is required.")
            return None
        return value if self._bounded(name, value, low, high) else None

    def _int(self, name: str, raw: str, low: int | None, high: int | None) -> int | None:
        try:
            value = int(raw)
        except ValueError:
            self._refuse(name, "A valid integer is required.")
            return None
        return value if self._bounded(name, value, low, high) else None

    def integer(
        self, name: str, default: int | None = None, *, low: int | None = None,
        high: int | None = None, required: bool = False,
    ) -> int | None:  # fmt: skip
        """An ``IntegerField``: ``default`` if absent, ``None`` if refused."""
        raw = self._last(name, required)
        return default if raw is None else self._int(name, raw, low, high)

    def integers(self, name: str, *, low: int, high: int, most: int) -> list[int]:
        """A required ``ListField(child=IntegerField(...), max_length=most)``: every value."""
        values = self._query.getall(name, ())
        if not values:
            self._refuse(name, REQUIRED)
        elif len(values) > most:
            self._refuse(name, f"Ensure this field has no more than {most} elements.")
        found = [self._int(name, raw, low, high) for raw in values[:most]]
        return [value for value in found if value is not None]

    def boolean(self, name: str, default: bool = False) -> bool:
        """A ``BooleanField`` (``true``, ``1``, ``yes``, ``on``... and their opposites)."""
        raw = self._last(name, False)
        if raw is None or raw in _TRUE or raw in _FALSE:
            return default if raw is None else raw in _TRUE
        self._refuse(name, "Must be a valid boolean.")
        return default

    def text(self, name: str, *, required: bool = False) -> str | None:
        """A ``CharField``: ``None`` if absent or refused (blank is refused)."""
        raw = self._last(name, required)
        if raw is not None and not raw:
            self._refuse(name, "This field may not be blank.")
            return None
        return raw

    def choice(self, name: str, choices: Collection[str], *, required: bool = False) -> str | None:
        """A ``ChoiceField``: one of ``choices`` or ``None``."""
        raw = self._last(name, required)
        if raw is not None and raw not in choices:
            self._refuse(name, f'"{raw}" is not a valid choice.')
            return None
        return raw

    def choices(self, name: str, choices: Collection[str] | None = None) -> frozenset[str]:
        """A ``ListField`` of repeated values, each one of ``choices`` when given."""
        values = self._query.getall(name, ())
        for raw in values:
            if choices is not None and raw not in choices:
                self._refuse(name, f'"{raw}" is not a valid choice.')
        return frozenset(values)

    def check(self) -> None:
        """End the request if any parameter was refused.

        Raises:
            Answer: ``400`` with ``error.type`` ``validation_error``.
        """
        if self.errors:
            raise validation_error(self.errors)
