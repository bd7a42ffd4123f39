"""The Cariqa Connect wire protocol as pure functions: no I/O, no clock, no globals.

Everything here works on plain values (a status, headers, the body's bytes), so it is
tested with canned triples and no network. The transport does the I/O; the client
glues the two.
"""

from __future__ import annotations

import email.utils
import ipaddress
import math
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Final
from urllib.parse import quote, urlencode

import attrs
import orjson
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .errors import (
    BODY_LIMIT,
    ERROR_TYPES,
    REDACTED,
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    DecodeError,
    FailedDependencyError,
    InvalidArgumentError,
    InvalidPageError,
    LockedError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from .models import ErrorType

API_PREFIX: Final = "/api/v1/"
DEFAULT_BASE_URL: Final = "https://connect.cariqa.com"

_STATUS_ERRORS: Final[Mapping[int, type[APIError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    423: LockedError,
    424: FailedDependencyError,
    429: RateLimitError,
}

_INVALID_PAGE: Final = "Invalid page."
_SNIPPET_CHARS: Final = 200
# A detail longer than this is cut in the message (the attribute keeps 4 KiB of it).
_SUMMARY_CHARS: Final = 500
_TYPE_CHARS: Final = 100
# Characters that could change the meaning of a URL or a log line if they were
# allowed inside a path segment. Everything else is percent-encoded, not rejected,
# so ids such as OCPI EVSE ids ("DE*CIQ*...") still work.
_FORBIDDEN_IN_SEGMENT: Final = re.compile(r"[/\\?#%\s\x00-\x1f\x7f]")


def _header_names(headers: Mapping[str, str]) -> str:
    return "<headers: " + ", ".join(headers.keys()) + ">"


def _body_size(body: bytes) -> str:
    return f"<{len(body)} bytes>"


@attrs.frozen(slots=True)
class Response:
    """What the transport hands back: status, headers and the complete body.

    Its repr shows header names and the body's size only: a traceback that captures
    local variables must not print what a hostile server echoed back.
    """

    status: int
    headers: Mapping[str, str] = attrs.field(repr=_header_names)
    body: bytes = attrs.field(repr=_body_size)


# --- URLs -------------------------------------------------------------------


def parse_base_url(value: str, *, allow_insecure: bool = False) -> URL:
    """Validate the API's base URL and return it without a trailing path.

    Raises:
        ConfigurationError: not an absolute URL; carries credentials, a query or a
            path other than ``/``; or plain http to a non-loopback host without
            ``allow_insecure``.
    """
    if not isinstance(value, str):
        raise ConfigurationError(f"base_url must be a string, got {type(value).__name__}")
    try:
        url = URL(value)
        port = url.port  # yarl checks the port only when asked
    except ValueError:
        url, port = None, None
    if url is None or not (port is None or 0 < port < 65536):
        raise ConfigurationError(f"base_url is not a valid URL: {value!r}")
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"base_url must be an absolute http(s) URL, got {value!r}")
    if url.user is not None or url.password is not None:
        raise ConfigurationError("base_url must not carry credentials; pass token= instead")
    if url.query_string or url.fragment or url.path not in ("", "/"):
        raise ConfigurationError(
            f"base_url must be scheme://host[:port] only, got {url.with_user(None)!s}"
        )
    if url.scheme == "http" and not allow_insecure and not is_loopback(url.host):
        raise ConfigurationError(
            "base_url must use https (plain http is only allowed for loopback hosts; "
            "pass allow_insecure=True to override)"
        )
    return url.with_path("")


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost``, 127.0.0.0/8 or ``::1``)."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def segment(value: object, name: str) -> str:
    """Return ``value`` as one safe, percent-encoded URL path segment.

    Raises:
        InvalidArgumentError: ``value`` is not a non-empty string (or int), is ``.``/``..``,
            or contains ``/``, ``\\``, ``?``, ``#``, ``%``, whitespace or control
            characters -- anything that could change which resource is addressed.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidArgumentError(f"{name} must be a string, got {type(value).__name__}")
    text = str(value)
    if not text or text in (".", "..") or _FORBIDDEN_IN_SEGMENT.search(text):
        raise InvalidArgumentError(f"{name} is not a valid identifier: {text[:64]!r}")
    return quote(text, safe="-._~*:@!$&'()+,;=")


def api_path(*parts: str) -> str:
    """Join already-safe segments into an API path, e.g. ``/api/v1/users/x/``."""
    return API_PREFIX + "".join(f"{part}/" for part in parts)


#: A rendered query: ``(name, value)`` pairs, a name repeated for each list item.
Query = list[tuple[str, str]]


def query(params: Mapping[str, object]) -> Query:
    """Render query parameters as the API (Django REST Framework) reads them.

    ``None`` is left out; booleans become ``true``/``false``; lists and tuples
    become one pair per item (``connector_types=A&connector_types=B``); anything
    else becomes ``str(value)``.

    Example::

        >>> query({"page": 2, "only_available": True, "types": ["A", "B"], "q": None})
        [('page', '2'), ('only_available', 'true'), ('types', 'A'), ('types', 'B')]
    """
    pairs: Query = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((key, _query_value(item)) for item in value if item is not None)
        else:
            pairs.append((key, _query_value(value)))
    return pairs


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def describe(path: str, params: Query) -> str:
    """The path and query of a request as sent, for errors and logs.

    ``path`` is already percent-encoded (:func:`segment`), so it is shown as it is,
    never encoded twice.
    """
    if not params:
        return path
    if all(_plain(key) and _plain(value) for key, value in params):
        # What urlencode gives for these, at a tenth of its cost (every request).
        return path + "?" + "&".join([f"{key}={value}" for key, value in params])
    return f"{path}?{urlencode(params, quote_via=quote)}"


#: Text that percent-encoding leaves as it is (``quote``'s always-safe set).
_plain = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


# --- Responses ----------------------------------------------------------------


#: Headers that carry a request's id, most common first (the first one present wins).
REQUEST_ID_HEADERS: Final = (
    "X-Request-ID",
    "Request-Id",
    "X-Correlation-ID",
    "X-Amzn-RequestId",
    "X-Amz-Cf-Id",
)


def request_id(headers: Mapping[str, str]) -> str | None:
    """The request id the server or a proxy sent, if any (see :data:`REQUEST_ID_HEADERS`).

    Only a printable value is taken: it goes into messages and logs.
    """
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value and value.isprintable() and value.strip():
            return value.strip()
    return None


def redact(response: Response, secret: str | None) -> Response:
    """``response`` with every occurrence of ``secret`` in its body and headers hidden.

    An error response should never hold the token, but a misbehaving proxy can echo
    the request's headers back; what an error keeps must not carry it on.
    """
    if not secret:
        return response
    raw = secret.encode()
    leaked = raw in response.body or any(secret in value for value in response.headers.values())
    if not leaked:
        return response
    headers = [(name, value.replace(secret, REDACTED)) for name, value in response.headers.items()]
    return Response(
        response.status,
        CIMultiDictProxy(CIMultiDict(headers)),
        response.body.replace(raw, b"<redacted>"),
    )


def decode_json(response: Response, *, method: str, path: str, secret: str | None = None) -> Any:
    """Parse a response body as JSON.

    ``secret`` (the token) is blanked out of the snippet an error shows.

    Raises:
        DecodeError: the body is empty, HTML, truncated or otherwise not JSON.
    """
    try:
        return orjson.loads(response.body)
    except orjson.JSONDecodeError as exc:
        reason = str(exc)
    response = redact(response, secret)
    # Raised outside `except`, so the error carries no chained foreign exception.
    content_type = response.headers.get("Content-Type", "unknown content type")
    raise DecodeError(
        f"HTTP {response.status} body is not valid JSON ({content_type}, "
        f"{len(response.body)} bytes): {reason}",
        method=method,
        path=path,
        status=response.status,
        snippet=_snippet(response.body),
    )


def error_for(
    response: Response, *, method: str, path: str, now: datetime, secret: str | None = None
) -> APIError:
    """Build the typed exception for an error response (status >= 400).

    Both envelopes are understood: ``{"detail": "..."}`` and
    ``{"detail": "...", "error": {"type": ..., "details": ..., ...}}``. A body that is
    not JSON (a proxy's HTML page) still yields the right class, with its first
    characters in the message. The error keeps the headers, the request id and the
    start of the raw body; ``secret`` (the token) is blanked out of all of them.
    """
    response = redact(response, secret)
    status = response.status
    detail = error_type = error_details = client_secret = None
    try:
        data = orjson.loads(response.body)
    except orjson.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        detail = _as_text(data.get("detail"))
        error = data.get("error")
        if isinstance(error, dict):
            kind = _as_text(error.get("type"))
            # A type is a short identifier; a longer one is garbage, kept bounded.
            kind = kind[:_TYPE_CHARS] if kind else kind
            error_type = ErrorType(kind) if kind else None
            error_details = _as_text(error.get("details"))
            client_secret = _as_text(error.get("payment_intent_client_secret"))
    cls: type[APIError]
    if status >= 500:
        cls = ServerError
    elif status == 404 and detail == _INVALID_PAGE:
        cls = InvalidPageError
    else:
        cls = _STATUS_ERRORS.get(status, APIError)
    typed = ERROR_TYPES.get(error_type) if error_type else None
    if typed is not None and issubclass(typed, cls):
        cls = typed
    summary = detail if detail is not None else _snippet(response.body) or "no body"
    if error_type:
        summary = f"{summary} [{error_type}: {error_details}]"
    if len(summary) > _SUMMARY_CHARS:
        summary = summary[: _SUMMARY_CHARS - 1] + "\u2026"
    kwargs: dict[str, Any] = {
        "method": method,
        "path": path,
        "status": status,
        "detail": detail,
        "error_type": error_type,
        "error_details": error_details,
        "payment_intent_client_secret": client_secret,
        "retry_after": parse_retry_after(response.headers.get("Retry-After"), now),
        "headers": response.headers,
        "request_id": request_id(response.headers),
        "body": response.body[:BODY_LIMIT],
    }
    return cls(f"HTTP {status}: {summary}", **kwargs)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    Returns ``None`` when absent or unparseable; never negative.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _snippet(body: bytes) -> str:
    text = body[: _SNIPPET_CHARS * 4].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text[:_SNIPPET_CHARS]
