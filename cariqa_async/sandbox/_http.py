"""What every sandbox handler shares: route declarations, bodies in, answers out.

* :class:`Route`: one line declares an endpoint (its spec ``operationId`` too);
* :func:`json_response`, :func:`detail`, :func:`field_errors`, :func:`rich_error`:
  DRF's JSON answers and Cariqa's two error envelopes; :func:`validation_error`,
  the API's 400: both at once;
* :class:`Answer`: raised by a helper deep in a handler to end the request with
  a response (an unknown user's 404, a malformed body's 400); the app turns it
  back into that response;
* :func:`read_object`: a request's JSON object body;
* :func:`paginated`: the one DRF page-number answer of every list endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final, NamedTuple

import orjson
from aiohttp import web

from . import _pagination as pagination
from ._state import STATE

__all__ = [
    "Answer",
    "Envelope",
    "Handler",
    "Route",
    "absolute_url",
    "detail",
    "field_errors",
    "json_response",
    "not_found",
    "paginated",
    "read_object",
    "required",
    "rich_error",
    "validation_error",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_NOT_FOUND: Final = b'{"detail":"Not found."}'
#: DRF's message for a missing field.
REQUIRED: Final = "This field is required."


class Route(NamedTuple):
    """One endpoint: ``Route("GET", "/api/v1/users/", list_users, "users_list")``.

    ``operation_id`` names the spec's operation (control routes have none).
    """

    method: str
    path: str
    handler: Handler
    operation_id: str | None = None


class Answer(Exception):
    """End the current request with ``response`` (raised by helpers inside handlers)."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def json_response(body: bytes, status: int = 200) -> web.Response:
    """Return a JSON response exactly as DRF sends one (``application/json``, no charset)."""
    return web.Response(
        body=body, status=status, content_type="application/json", headers={"Vary": "Accept"}
    )


def detail(status: int, message: str) -> web.Response:
    """Return DRF's simple error envelope ``{"detail": message}``."""
    return json_response(orjson.dumps({"detail": message}), status)


def not_found() -> Answer:
    """Return (for ``raise``) DRF's ``404 {"detail": "Not found."}``."""
    return Answer(json_response(_NOT_FOUND, 404))


def field_errors(errors: Mapping[str, Sequence[str]]) -> web.Response:
    """Return DRF's validation answer: ``400 {"field": ["message", ...], ...}``.

    Example:
        >>> field_errors({"rates": ['"7" is not a valid choice.']}).status
        400
    """
    return json_response(orjson.dumps({k: list(v) for k, v in errors.items()}), 400)


def required(body: Mapping[str, Any], *fields: str) -> web.Response | None:
    """Return DRF's 400 for the ``fields`` missing from ``body``, or ``None`` if none is."""
    missing = [name for name in fields if name not in body]
    return field_errors({name: [REQUIRED] for name in missing}) if missing else None


def rich_error(
    status: int,
    error_type: str,
    details: str,
    message: str = "Charging Error",
    **extra: str,
) -> web.Response:
    """Return Cariqa's rich envelope ``{"detail", "error": {"type", "details", ...}}``.

    Args:
        error_type: One of the spec's ``ErrorTypeEnum`` (``"already_charging"``, ...).
        details: The human-readable explanation (``error.details``).
        message: The top-level ``detail``.
        extra: Further ``error`` fields, e.g. ``payment_intent_client_secret``.
    """
    error = {"type": error_type, "details": details, **extra}
    return json_response(orjson.dumps({"detail": message, "error": error}), status)


def validation_error(errors: Mapping[str, Any]) -> Answer:
    """Return (for ``raise``) the API's 400: Cariqa's rich ``validation_error`` envelope
    carrying DRF's ``{"field": ["message", ...]}`` map beside it.

    The spec documents every 400 as the rich envelope; the messages are DRF's,
    per field (a nested serializer's errors are a nested map).

    Example:
        >>> validation_error({"rates": ['"7" is not a valid choice.']}).response.status
        400
    """
    summary = "; ".join(f"{name}: {_flatten(messages)}" for name, messages in errors.items())
    body = {
        **errors,
        "detail": "Validation Error",
        "error": {"type": "validation_error", "details": summary},
    }
    return Answer(json_response(orjson.dumps(body), 400))


def _flatten(messages: Any) -> str:
    if isinstance(messages, Mapping):
        return " ".join(f"{k}: {_flatten(v)}" for k, v in messages.items())
    return " ".join(str(m) for m in messages)


async def read_object(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object body (``{}`` for an empty body).

    Raises:
        Answer: ``400 {"detail": ...}`` for malformed JSON or a body that is not
            an object, worded as DRF words them.
    """
    raw = await request.read()
    if not raw:
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Answer(detail(400, f"JSON parse error - {exc}")) from None
    if not isinstance(body, dict):
        kind = type(body).__name__
        raise Answer(detail(400, f"Invalid data. Expected a dictionary, but got {kind}."))
    return body


def absolute_url(request: web.BaseRequest) -> str:
    """Return Django's ``build_absolute_uri()``: scheme, ``Host`` header, raw path and query."""
    return f"{request.scheme}://{request.host}{request.raw_path}"


#: Renders a page from ``(count, page number, pages, items)`` (see :func:`paginated`).
Envelope = Callable[[int, int, int, Sequence[bytes]], bytes]


def paginated(
    request: web.Request,
    count: Callable[[], int],
    fetch: Callable[[int, int], Sequence[bytes]],
    envelope: Envelope | None = None,
) -> web.Response:
    """Answer a list endpoint with one DRF page.

    ``count`` and ``fetch(start, stop)`` run together under the store's lock, so a
    concurrent mutation cannot make the page disagree with its ``count``.
    ``envelope`` renders another page shape than DRF's (paging stays DRF's).
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
    if envelope is not None:
        return json_response(envelope(total, number, pages, items))
    next_link, previous = pagination.links(absolute_url(request), number, pages)
    return json_response(pagination.render(total, next_link, previous, items))
