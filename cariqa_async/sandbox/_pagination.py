"""Django REST Framework's ``PageNumberPagination``, reproduced at the JSON level.

Pure functions, written once for every list endpoint:

* ``page_size``: DRF's ``_positive_int(strict=True, cutoff=max_page_size)``; an
  invalid value falls back to the default, a large one is silently capped.
* ``page_number``: Django's ``Paginator.validate_number`` (``int()`` on the string,
  ``last`` for the last page, ``Invalid page.`` for anything else out of range).
* ``links``: ``next``/``previous`` from the absolute request URL with DRF's
  ``replace_query_param`` / ``remove_query_param`` (which also sort the query).
* ``render``: the envelope in DRF's key order, assembled from pre-rendered items.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib import parse

import orjson

__all__ = ["InvalidPageError", "links", "num_pages", "page_number", "page_size", "render"]

_LAST_PAGE_STRINGS = ("last",)


class InvalidPageError(Exception):
    """The requested page does not exist (DRF answers ``404 Invalid page.``)."""


def page_size(values: Sequence[str], default: int, maximum: int) -> int:
    """Return the effective page size for the ``page_size`` values of a query string.

    Django's ``QueryDict`` returns the last of repeated values.
    """
    if not values:
        return default
    try:
        size = int(values[-1])
    except ValueError:
        return default
    if size <= 0:
        return default
    return min(size, maximum) if maximum else size


def num_pages(count: int, size: int) -> int:
    """Return Django's page count: at least 1, since an empty first page is allowed."""
    return max(1, -(-count // size))


def page_number(values: Sequence[str], pages: int) -> int:
    """Return the 1-based page number for the ``page`` values of a query string.

    Raises:
        InvalidPageError: For a non-integer, a number below 1 or past ``pages``.
    """
    raw = values[-1] if values else ""
    if not raw:
        return 1  # DRF: ``query_params.get("page") or 1``
    if raw in _LAST_PAGE_STRINGS:
        return pages
    try:
        number = int(raw)
    except ValueError:
        raise InvalidPageError(raw) from None
    if not 1 <= number <= pages:
        raise InvalidPageError(raw)
    return number


def _with_query(url: str, key: str, value: str | None) -> str:
    scheme, netloc, path, query, fragment = parse.urlsplit(url)
    params = parse.parse_qs(query, keep_blank_values=True)
    if value is None:
        params.pop(key, None)
    else:
        params[key] = [value]
    query = parse.urlencode(sorted(params.items()), doseq=True)
    return parse.urlunsplit((scheme, netloc, path, query, fragment))


def links(url: str, number: int, pages: int) -> tuple[str | None, str | None]:
    """Return DRF's ``(next, previous)`` links for page ``number`` of ``pages``.

    Args:
        url: The absolute URL of the request, query string included.
    """
    next_link = _with_query(url, "page", str(number + 1)) if number < pages else None
    if number <= 1:
        previous = None
    elif number == 2:
        previous = _with_query(url, "page", None)
    else:
        previous = _with_query(url, "page", str(number - 1))
    return next_link, previous


def _json_string(value: str | None) -> bytes:
    if value is None:
        return b"null"
    # The path and host come from the request, so escape properly.
    return orjson.dumps(value)


def render(
    count: int, next_link: str | None, previous: str | None, items: Sequence[bytes]
) -> bytes:
    """Return the page envelope ``{"count", "next", "previous", "results"}`` as JSON bytes."""
    return b"".join(
        (
            b'{"count":%d,"next":' % count,
            _json_string(next_link),
            b',"previous":',
            _json_string(previous),
            b',"results":[',
            b",".join(items),
            b"]}",
        )
    )
