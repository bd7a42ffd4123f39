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
    APIError,
    AuthenticationError,
    BadRequestError,
    CariqaConnectionError,
    CariqaError,
    CariqaTimeoutError,
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
    PaginationError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ResponseError,
    ResponseTooLargeError,
    SchemaError,
    ServerError,
    TransportError,
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
    "AuthenticationError",
    "BadRequestError",
    "CariqaClient",
    "CariqaConnectionError",
    "CariqaError",
    "CariqaTimeoutError",
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
    "Page",
    "PageWalk",
    "PaginationError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "SchemaError",
    "ServerError",
    "SessionCost",
    "SessionPrices",
    "StationInfo",
    "Timeout",
    "TransportError",
    "User",
    "UserCustomProperties",
    "__version__",
]
