"""cariqa-async: the asyncio SDK for the Cariqa Connect API.

Example::

    from cariqa_async import CariqaClient

    async with CariqaClient(token="...") as client:
        async for session in client.charging_sessions.iter(user_id):
            print(session.id, session.consumed_energy)
"""

from __future__ import annotations

from ._client import CariqaClient, ClientStats
from ._many import ManySessions
from ._pagination import PageWalk
from ._retry import RetryPolicy
from ._transport import Timeout
from ._version import __version__
from .errors import (
    AlreadyChargingError,
    AlreadyStoppedError,
    APIError,
    AuthenticationError,
    BadRequestError,
    BillingDataRequiredError,
    CariqaConnectionError,
    CariqaError,
    CariqaTimeoutError,
    ChargingProviderError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DecodeError,
    FailedDependencyError,
    InconsistentPaginationError,
    InconsistentPaginationWarning,
    InvalidArgumentError,
    InvalidPageError,
    LockedError,
    NotFoundError,
    OutcomeUnknownError,
    PaginationError,
    PaymentError,
    PaymentMethodError,
    PaymentRequiredError,
    PermissionDeniedError,
    PreAuthorizationFailedError,
    RateLimitError,
    ResponseError,
    ResponseTooLargeError,
    SchemaError,
    ServerError,
    StationAvailabilityError,
    TemporaryLockedError,
    TransportError,
    UnexpectedServerError,
    ValidationError,
)
from .models import (
    ChargingSession,
    Page,
    SessionCost,
    SessionPrices,
    StationInfo,
    User,
    UserCustomProperties,
)

__all__ = [
    "APIError",
    "AlreadyChargingError",
    "AlreadyStoppedError",
    "AuthenticationError",
    "BadRequestError",
    "BillingDataRequiredError",
    "CariqaClient",
    "CariqaConnectionError",
    "CariqaError",
    "CariqaTimeoutError",
    "ChargingProviderError",
    "ChargingSession",
    "ClientClosedError",
    "ClientStats",
    "ConfigurationError",
    "ConflictError",
    "DecodeError",
    "FailedDependencyError",
    "InconsistentPaginationError",
    "InconsistentPaginationWarning",
    "InvalidArgumentError",
    "InvalidPageError",
    "LockedError",
    "ManySessions",
    "NotFoundError",
    "OutcomeUnknownError",
    "Page",
    "PageWalk",
    "PaginationError",
    "PaymentError",
    "PaymentMethodError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PreAuthorizationFailedError",
    "RateLimitError",
    "ResponseError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "SchemaError",
    "ServerError",
    "SessionCost",
    "SessionPrices",
    "StationAvailabilityError",
    "StationInfo",
    "TemporaryLockedError",
    "Timeout",
    "TransportError",
    "UnexpectedServerError",
    "User",
    "UserCustomProperties",
    "ValidationError",
    "__version__",
]
