"""Django/DRF query-string parsing the API's list endpoints share.

Django's ``QueryDict.get`` answers the last of repeated parameters, and DRF's
``SearchFilter`` splits ``search`` into terms with ``smart_split``: quoted
phrases stay whole, commas and whitespace separate. The filters of the coming
endpoints (stations' ``operators``, ``only_available``, ...) belong here too.
"""

from __future__ import annotations

import re
from typing import Final

from aiohttp import web

__all__ = ["query_value", "search_terms"]

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
