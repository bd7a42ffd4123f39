"""The exceptions raised by cariqa-async.

Every exception the SDK raises on purpose derives from :class:`CariqaError`, so
``except CariqaError`` catches them all. The tree::

    CariqaError
    ├── ConfigurationError (also ValueError)    bad token, base_url or option at construction
    ├── InvalidArgumentError (also ValueError)  an argument of a call is unusable (e.g. an id)
    ├── ClientClosedError (also RuntimeError)   the client is not open, or already closed
    ├── TransportError                          the request got no HTTP response
    │   ├── CariqaConnectionError               refused, reset, DNS, TLS, dropped mid-body
    │   └── CariqaTimeoutError                  connect or read timeout, or the retry deadline
    ├── ResponseError                           a response arrived but it is not what we expect
    │   ├── DecodeError                         not JSON: HTML, truncated or malformed body
    │   ├── SchemaError                         JSON of the wrong shape; names the field path
    │   └── ResponseTooLargeError               body above the client's max_response_size
    ├── APIError                                the API answered with an error status
    │   ├── BadRequestError                     400
    │   ├── AuthenticationError                 401 (header missing or malformed)
    │   ├── PaymentRequiredError                402
    │   ├── PermissionDeniedError               403 (token invalid, revoked or out of scope)
    │   ├── NotFoundError                       404
    │   │   └── InvalidPageError                404 {"detail": "Invalid page."}
    │   ├── ConflictError                       409
    │   ├── LockedError                         423
    │   ├── FailedDependencyError               424
    │   ├── RateLimitError                      429, with ``retry_after`` in seconds
    │   └── ServerError                         5xx (500, 502, 503, 504, ...)
    └── PaginationError                         a list walk could not be completed
        └── InconsistentPaginationError         the list kept changing for every re-walk

Every request-bound error carries ``method`` and ``path`` (the URL path and query,
never the host's credentials nor the token). :class:`APIError` also carries
``status``, ``detail`` and, for the rich envelope, ``error_type`` and
``error_details``.

A request that was retried and still failed raises the error of its last
attempt; ``attempts`` says how many were made.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CariqaConnectionError",
    "CariqaError",
    "CariqaTimeoutError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "DecodeError",
    "FailedDependencyError",
    "InconsistentPaginationError",
    "InconsistentPaginationWarning",
    "InvalidArgumentError",
    "InvalidPageError",
    "LockedError",
    "NotFoundError",
    "PaginationError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseError",
    "ResponseTooLargeError",
    "SchemaError",
    "ServerError",
    "TransportError",
]


class CariqaError(Exception):
    """Root of every exception raised by cariqa-async."""


class ConfigurationError(CariqaError, ValueError):
    """The client was configured with a missing or unacceptable value."""


class InvalidArgumentError(CariqaError, ValueError):
    """An argument of a call cannot be used, e.g. an id that would change the URL's path.

    Raised before any request is sent. It is also a ``ValueError``, so both
    ``except CariqaError`` and ``except ValueError`` catch it.
    """


class ClientClosedError(CariqaError, RuntimeError):
    """The client is not open (use ``async with``) or has been closed."""


class _RequestError(CariqaError):
    """State shared by every error bound to one HTTP request."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        #: How many attempts were made before this error was raised.
        self.attempts = 1

    def __str__(self) -> str:
        return f"{self.message} ({self.method} {self.path})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors do not pickle by default; errors cross process
        # boundaries in bulk exports, so keep them picklable.
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type[_RequestError], state: dict[str, Any]) -> _RequestError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class TransportError(_RequestError):
    """No usable HTTP response was received (the request may not have reached the API)."""


class CariqaConnectionError(TransportError):
    """The connection failed: refused, reset, DNS or TLS failure, or dropped mid-response."""


class CariqaTimeoutError(TransportError):
    """Connecting, or waiting for the response, took longer than the configured timeout."""


class ResponseError(_RequestError):
    """A response arrived, but its body is not what the API's schema promises."""

    def __init__(self, message: str, *, method: str, path: str, status: int) -> None:
        super().__init__(message, method=method, path=path)
        self.status = status


class DecodeError(ResponseError):
    """The body is not valid JSON: an HTML page, a truncated or malformed document."""

    def __init__(
        self, message: str, *, method: str, path: str, status: int, snippet: str = ""
    ) -> None:
        super().__init__(message, method=method, path=path, status=status)
        #: The first bytes of the body, for diagnosis (bodies never contain the token).
        self.snippet = snippet


class SchemaError(ResponseError):
    """The body is JSON but does not fit the model; ``field`` is the path of the culprit.

    Example: ``field == "results[3].session_cost.kwh_cost"``.
    """

    def __init__(self, message: str, *, method: str, path: str, status: int, field: str) -> None:
        super().__init__(message, method=method, path=path, status=status)
        self.field = field


class ResponseTooLargeError(ResponseError):
    """The body is larger than ``max_response_size`` and was not read into memory."""

    def __init__(self, message: str, *, method: str, path: str, status: int, limit: int) -> None:
        super().__init__(message, method=method, path=path, status=status)
        self.limit = limit


class APIError(_RequestError):
    """The API answered with an error status.

    Attributes:
        status: the HTTP status code.
        detail: the envelope's ``detail`` message, if the body had one.
        error_type: ``error.type`` of the rich envelope (e.g. ``"already_charging"``).
        error_details: ``error.details`` of the rich envelope.
        payment_intent_client_secret: present on some payment errors.
        retry_after: seconds from the ``Retry-After`` header (429, 503), if sent.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int,
        detail: str | None = None,
        error_type: str | None = None,
        error_details: str | None = None,
        payment_intent_client_secret: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.retry_after = retry_after
        self.status = status
        self.detail = detail
        self.error_type = error_type
        self.error_details = error_details
        self.payment_intent_client_secret = payment_intent_client_secret


class BadRequestError(APIError):
    """400: the request was rejected as invalid (``error.type`` often ``validation_error``)."""


class AuthenticationError(APIError):
    """401: the Authorization header was missing or malformed."""


class PaymentRequiredError(APIError):
    """402: a payment or pre-authorization failed."""


class PermissionDeniedError(APIError):
    """403: the token is invalid, revoked, or not allowed to do this."""


class NotFoundError(APIError):
    """404: the user, session or other object does not exist in the caller's scope."""


class InvalidPageError(NotFoundError):
    """404 ``Invalid page.``: the page is past the end of the list (or not an integer)."""


class ConflictError(APIError):
    """409: e.g. ``already_charging``, ``already_stopped``, ``billing_data_required``."""


class LockedError(APIError):
    """423: ``temporary_locked``."""


class FailedDependencyError(APIError):
    """424: the station or the charging provider failed."""


class RateLimitError(APIError):
    """429: too many requests. ``retry_after`` is the server's wait in seconds, if given."""


class ServerError(APIError):
    """5xx: the API or a proxy in front of it failed."""


class PaginationError(CariqaError):
    """A paginated list could not be walked to the end."""


class InconsistentPaginationError(PaginationError):
    """The list changed during every re-walk, so completeness could not be guaranteed.

    The items already yielded are correct and unique; some that existed through the
    whole walk may be missing.
    """

    def __init__(self, message: str, *, path: str, passes: int) -> None:
        super().__init__(message)
        self.path = path
        self.passes = passes

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_pagination, (self.args[0], self.path, self.passes))


def _rebuild_pagination(message: str, path: str, passes: int) -> InconsistentPaginationError:
    return InconsistentPaginationError(message, path=path, passes=passes)


class InconsistentPaginationWarning(UserWarning):
    """Emitted instead of :class:`InconsistentPaginationError` when configured to warn."""
