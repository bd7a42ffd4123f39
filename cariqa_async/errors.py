"""The exceptions raised by cariqa-async.

Every exception the SDK raises on purpose derives from :class:`CariqaError`, so
``except CariqaError`` catches them all. The tree::

    CariqaError
    ├── ConfigurationError (also ValueError)    bad token, base_url or option at construction
    ├── InvalidArgumentError (also ValueError)  an argument of a call is unusable (e.g. an id)
    ├── ClientClosedError (also RuntimeError)   the client is not open, is closed, or is
│                                           used from another event loop
    ├── TransportError                          the request got no HTTP response
    │   ├── CariqaConnectionError               refused, reset, DNS, TLS, dropped mid-body
    │   └── CariqaTimeoutError                  connect, read or attempt timeout, or the deadline
    ├── ResponseError                           a response arrived but it is not what we expect
    │   ├── DecodeError                         not JSON: HTML, truncated or malformed body
    │   ├── SchemaError                         JSON of the wrong shape; names the field path
    │   └── ResponseTooLargeError               body above the client's max_response_size
    ├── APIError                                the API answered with an error status
    │   ├── BadRequestError                     400
    │   │   └── ValidationError                 validation_error
    │   ├── AuthenticationError                 401 (header missing or malformed)
    │   ├── PaymentRequiredError                402
    │   │   ├── PaymentMethodError              payment_method_error
    │   │   ├── PaymentError                    payment_error (e.g. an unpaid debt)
    │   │   └── PreAuthorizationFailedError     pre_authorization_failed (client secret)
    │   ├── PermissionDeniedError               403 (token invalid, revoked or out of scope)
    │   ├── NotFoundError                       404
    │   │   └── InvalidPageError                404 {"detail": "Invalid page."}
    │   ├── ConflictError                       409
    │   │   ├── AlreadyChargingError            already_charging (``active_session``)
    │   │   ├── AlreadyStoppedError             already_stopped
    │   │   ├── BillingDataRequiredError        billing_data_required
    │   │   └── StationAvailabilityError        station_availability_issue (409 or 424)
    │   ├── LockedError                         423
    │   │   └── TemporaryLockedError            temporary_locked
    │   ├── FailedDependencyError               424
    │   │   ├── StationAvailabilityError        (the same class as under ConflictError)
    │   │   └── ChargingProviderError           charging_provider_error
    │   ├── RateLimitError                      429, with ``retry_after`` in seconds
    │   └── ServerError                         5xx (500, 502, 503, 504, ...)
    │       └── UnexpectedServerError           unexpected_error (a support code in details)
    ├── OutcomeUnknownError                     a call that must not run twice failed after
    │                                           it may have reached the API: reconcile
    └── PaginationError                         a list walk could not be completed
        └── InconsistentPaginationError         the list kept changing for every re-walk

A rich error envelope's ``error.type`` picks the class under the status's class
(a ``409 already_charging`` raises :class:`AlreadyChargingError`); a type the
status does not document, or a type this SDK does not know, raises the status's
class with ``error_type`` set.

Every request-bound error carries ``method`` and ``path`` (the URL path and query,
never the host's credentials nor the token). :class:`APIError` also carries
``status``, ``detail`` and, for the rich envelope, ``error_type`` and
``error_details``; and, for support tickets and debugging, the response's
``headers`` (``Set-Cookie`` redacted), its ``request_id`` if the API sent one, and
``body``, the first 4 KiB of the raw body.

A request that was retried and still failed raises the error of its last
attempt; ``attempts`` says how many were made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from multidict import CIMultiDict, CIMultiDictProxy

if TYPE_CHECKING:
    from .models import ErrorType

__all__ = [
    "APIError",
    "AlreadyChargingError",
    "AlreadyStoppedError",
    "AuthenticationError",
    "BadRequestError",
    "BillingDataRequiredError",
    "CariqaConnectionError",
    "CariqaError",
    "CariqaTimeoutError",
    "ChargingProviderError",
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
    "OutcomeUnknownError",
    "PaginationError",
    "PaymentError",
    "PaymentMethodError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PreAuthorizationFailedError",
    "RateLimitError",
    "ResponseError",
    "ResponseTooLargeError",
    "SchemaError",
    "ServerError",
    "StationAvailabilityError",
    "TemporaryLockedError",
    "TransportError",
    "UnexpectedServerError",
    "ValidationError",
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
    """The client is not open (use ``async with``), has been closed, or is used from
    an event loop other than the one that opened it."""


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
    if isinstance(state.get("headers"), list):
        state = {**state, "headers": CIMultiDictProxy(CIMultiDict(state["headers"]))}
    error.__dict__.update(state)
    return error


class TransportError(_RequestError):
    """No usable HTTP response was received.

    Attributes:
        sent: ``False`` when the request provably never reached the API (the
            connection was refused, DNS or TLS failed, or connecting timed out);
            ``True`` when it may have: then a call that must not run twice is
            not retried.
    """

    def __init__(self, message: str, *, method: str, path: str, sent: bool = True) -> None:
        super().__init__(message, method=method, path=path)
        self.sent = sent


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


#: How much of an error response's raw body an :class:`APIError` keeps.
BODY_LIMIT: Final = 4096
#: How many characters of ``detail`` and ``error_details`` an error keeps.
_TEXT_LIMIT: Final = 4096
_REQUEST_ID_LIMIT: Final = 128
# Response headers whose value must never be kept: a session cookie is a credential.
_REDACTED_HEADERS: Final = frozenset({"set-cookie", "set-cookie2"})
REDACTED: Final = "<redacted>"


class APIError(_RequestError):
    """The API answered with an error status.

    Attributes:
        status: the HTTP status code.
        detail: the envelope's ``detail`` message, if the body had one.
        error_type: ``error.type`` of the rich envelope, an :class:`ErrorType` (equal
            to its text, e.g. ``"already_charging"``; a type this SDK does not know
            is a new member with that value).
        error_details: ``error.details`` of the rich envelope.
        payment_intent_client_secret: present on some payment errors.
        retry_after: seconds from the ``Retry-After`` header (429, 503), if sent.
        headers: the response's headers, a read-only case-insensitive mapping
            (``Set-Cookie`` values read ``<redacted>``).
        request_id: the request's id as the server (or a proxy in front of it)
            sent it in ``X-Request-ID`` or a similar header, for support; else ``None``.
        body: the first 4 KiB (:data:`BODY_LIMIT`) of the raw response body.

    Example::

        try:
            await client.users.get(user_id)
        except NotFoundError as exc:
            log.warning("no such user (request %s): %s", exc.request_id, exc.body[:200])
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int,
        detail: str | None = None,
        error_type: ErrorType | None = None,
        error_details: str | None = None,
        payment_intent_client_secret: str | None = None,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
        request_id: str | None = None,
        body: bytes = b"",
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.retry_after = retry_after
        self.status = status
        self.detail = _bounded(detail)
        self.error_type = error_type
        self.error_details = _bounded(error_details)
        self.payment_intent_client_secret = payment_intent_client_secret
        self.headers: CIMultiDictProxy[str] = _kept_headers(headers or {})
        self.request_id = _bounded(request_id, _REQUEST_ID_LIMIT)
        self.body = bytes(body[:BODY_LIMIT])

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} [request id {self.request_id}]" if self.request_id else text

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only headers mapping does not pickle; its pairs do.
        state = {**self.__dict__, "headers": list(self.headers.items())}
        return (_rebuild, (type(self), state))


def _kept_headers(headers: Mapping[str, str]) -> CIMultiDictProxy[str]:
    # A multidict's items() yields every value of a repeated header (Set-Cookie).
    kept: CIMultiDict[str] = CIMultiDict(
        (name, REDACTED if name.lower() in _REDACTED_HEADERS else value)
        for name, value in headers.items()
    )
    return CIMultiDictProxy(kept)


def _bounded(text: str | None, limit: int = _TEXT_LIMIT) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "\u2026"


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


class ValidationError(BadRequestError):
    """400 ``validation_error``: a field of the request was refused; see ``error_details``."""


class PaymentMethodError(PaymentRequiredError):
    """402 ``payment_method_error``: the payment method is unusable or not the user's."""


class PaymentError(PaymentRequiredError):
    """402 ``payment_error``: a payment failed, or the user has an unpaid debt."""


class PreAuthorizationFailedError(PaymentRequiredError):
    """402 ``pre_authorization_failed``: the card was not pre-authorized.

    ``payment_intent_client_secret`` lets the platform's front end complete the
    payment (e.g. 3-D Secure) with Stripe.
    """


class TemporaryLockedError(LockedError):
    """423 ``temporary_locked``: the resource is locked for a moment; try again later."""


class AlreadyChargingError(ConflictError):
    """409 ``already_charging``: the user has an active session already.

    Attributes:
        active_session: the active session, when the SDK looked it up (as
            ``charging.ensure_started`` does), else ``None``.
    """

    active_session: Any = None


class AlreadyStoppedError(ConflictError):
    """409 ``already_stopped``: the session has ended already."""


class BillingDataRequiredError(ConflictError):
    """409 ``billing_data_required``: set the user's billing details before charging."""


class StationAvailabilityError(ConflictError, FailedDependencyError):
    """409 or 424 ``station_availability_issue``: the EVSE cannot charge now."""


class ChargingProviderError(FailedDependencyError):
    """424 ``charging_provider_error``: the charge point operator's system failed."""


class UnexpectedServerError(ServerError):
    """500 ``unexpected_error``: ``error_details`` holds a support code to quote."""


class OutcomeUnknownError(CariqaError):
    """A call that must not run twice failed after it may have reached the API.

    Raised by non-idempotent operations (``users.create``, ``charging.start``)
    when the request was sent but no definite answer came back: a reset or read
    timeout after sending, a 5xx, a truncated or unreadable success. Retrying
    blindly could run the operation twice, so the SDK does not; reconcile
    instead (``charging.active(user_id)``, ``users.list(search=external_id)``).
    ``__cause__`` is the failure seen (one of this SDK's errors).

    Attributes:
        method, path: the request.
        operation: the operation's id in the API spec, e.g. ``"users_charging_start_create"``.
    """

    def __init__(self, message: str, *, method: str, path: str, operation: str) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.operation = operation

    def __str__(self) -> str:
        return f"{self.args[0]} ({self.method} {self.path})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_unknown, (self.args[0], self.method, self.path, self.operation))


def _rebuild_unknown(message: str, method: str, path: str, operation: str) -> OutcomeUnknownError:
    return OutcomeUnknownError(message, method=method, path=path, operation=operation)


#: ``error.type`` of the rich envelope -> its class (raised if under the status's class).
ERROR_TYPES: dict[str, type[APIError]] = {
    "validation_error": ValidationError,
    "payment_method_error": PaymentMethodError,
    "payment_error": PaymentError,
    "pre_authorization_failed": PreAuthorizationFailedError,
    "temporary_locked": TemporaryLockedError,
    "already_charging": AlreadyChargingError,
    "already_stopped": AlreadyStoppedError,
    "billing_data_required": BillingDataRequiredError,
    "station_availability_issue": StationAvailabilityError,
    "charging_provider_error": ChargingProviderError,
    "unexpected_error": UnexpectedServerError,
}


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
