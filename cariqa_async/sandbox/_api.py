"""The Cariqa Connect API endpoints the sandbox serves, answered from the store.

Each endpoint is a small handler; list endpoints hand a count and a slice
function to :func:`paginated`, the one DRF page-number implementation. To add an
endpoint (debts, invoices, stations, ...), write its handler here, give the
store what it needs, and add a line to :data:`ROUTES`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

import orjson
from aiohttp import web

from . import _pagination as pagination
from ._state import STATE

__all__ = ["ROUTES", "detail", "json_response", "paginated", "search_terms"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_NOT_FOUND: Final = b'{"detail":"Not found."}'

# django.utils.text.smart_split: whitespace-separated, quoted phrases kept whole.
_SMART_SPLIT: Final = re.compile(
    r"""((?:[^\s'"]*(?:(?:"(?:[^"\\]|\\.)*" | '(?:[^'\\]|\\.)*')[^\s'"]*)+) | \S+)""",
    re.VERBOSE,
)


def json_response(body: bytes, status: int = 200) -> web.Response:
    """Return a JSON response exactly as DRF sends one (``application/json``, no charset)."""
    return web.Response(
        body=body, status=status, content_type="application/json", headers={"Vary": "Accept"}
    )


def detail(status: int, message: str) -> web.Response:
    """Return DRF's simple error envelope ``{"detail": message}``."""
    return json_response(orjson.dumps({"detail": message}), status)


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


def absolute_url(request: web.BaseRequest) -> str:
    """Return Django's ``build_absolute_uri()``: scheme, ``Host`` header, raw path and query."""
    return f"{request.scheme}://{request.host}{request.raw_path}"


def paginated(
    request: web.Request, count: Callable[[], int], fetch: Callable[[int, int], Sequence[bytes]]
) -> web.Response:
    """Answer a list endpoint with one DRF page.

    ``count`` and ``fetch(start, stop)`` run together under the store's lock, so a
    concurrent mutation cannot make the page disagree with its ``count``.
    """
    state = request.app[STATE]
    query = request.query
    size = pagination.page_size(query.getall("page_size", ()), state.page_size, state.max_page_size)

    def read() -> tuple[int, int, int, Sequence[bytes]]:
        total = count()
        pages = pagination.num_pages(total, size)
        number = pagination.page_number(query.getall("page", ()), pages)
        return total, number, pages, fetch((number - 1) * size, number * size)

    try:
        total, number, pages, items = state.store.locked(read)
    except pagination.InvalidPageError:
        return detail(404, "Invalid page.")
    next_link, previous = pagination.links(absolute_url(request), number, pages)
    return json_response(pagination.render(total, next_link, previous, items))


def _user_index(request: web.Request) -> int | None:
    return request.app[STATE].store.user_index(request.match_info["user_id"])


async def list_users(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/``: users in server order, filtered by ``search``."""
    store = request.app[STATE].store
    values = request.query.getall("search", ())
    terms = search_terms(values[-1]) if values else []
    matches = store.search_users(terms) if terms else range(store.user_count)
    return paginated(
        request,
        lambda: len(matches),
        lambda start, stop: [store.user_body(i) for i in matches[start:stop]],
    )


async def get_user(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/{user_id}/``."""
    user = _user_index(request)
    if user is None:
        return json_response(_NOT_FOUND, 404)
    return json_response(request.app[STATE].store.user_body(user))


async def list_sessions(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/{user_id}/charging-sessions/``: newest first."""
    user = _user_index(request)
    if user is None:
        return json_response(_NOT_FOUND, 404)
    store = request.app[STATE].store
    return paginated(
        request,
        lambda: store.session_count(user),
        lambda start, stop: store.session_page(user, start, stop),
    )


async def get_session(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/{user_id}/charging-sessions/{session_id}/``."""
    user = _user_index(request)
    if user is None:
        return json_response(_NOT_FOUND, 404)
    body = request.app[STATE].store.session_body(user, request.match_info["session_id"])
    if body is None:
        return json_response(_NOT_FOUND, 404)
    return json_response(body)


#: (method, path, handler) of every API endpoint.
ROUTES: Final[tuple[tuple[str, str, Handler], ...]] = (
    ("GET", "/api/v1/users/", list_users),
    ("GET", "/api/v1/users/{user_id}/", get_user),
    ("GET", "/api/v1/users/{user_id}/charging-sessions/", list_sessions),
    ("GET", "/api/v1/users/{user_id}/charging-sessions/{session_id}/", get_session),
)
