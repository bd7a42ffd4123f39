from __future__ import annotations

import cariqa_async
from cariqa_async import errors


def test_public_api_is_pinned() -> None:
    assert sorted(cariqa_async.__all__) == sorted(
        [
            "APIError", "AuthenticationError", "BadRequestError", "CariqaClient",
            "CariqaConnectionError", "CariqaError", "CariqaTimeoutError", "ChargingSession",
            "ClientClosedError", "ClientStats", "ConfigurationError", "ConflictError",
            "DecodeError", "FailedDependencyError", "InconsistentPaginationError",
            "InconsistentPaginationWarning", "InvalidArgumentError", "InvalidPageError",
            "LockedError", "ManySessions",
            "NotFoundError", "Page", "PageWalk", "PaginationError", "PaymentRequiredError",
            "PermissionDeniedError", "RateLimitError", "ResponseError",
            "ResponseTooLargeError", "RetryPolicy", "SchemaError", "ServerError",
            "SessionCost", "SessionPrices", "StationInfo", "Timeout", "TransportError",
            "User", "UserCustomProperties", "__version__",
            # models back to JSON (issue #9)
            "to_dict",
            # the error types of the rich envelope
            "AlreadyChargingError", "AlreadyStoppedError", "BillingDataRequiredError",
            "ChargingProviderError", "OutcomeUnknownError", "PaymentError", "PaymentMethodError",
            "PreAuthorizationFailedError", "StationAvailabilityError", "TemporaryLockedError",
            "UnexpectedServerError", "ValidationError",
            # the models of the whole Connect API (issue #8)
            "AccountType", "Amenity", "BillingDetails", "Card", "ConnectorType", "Contact",
            "Coordinates", "Debt", "ErrorType", "Evse", "EvseStatus", "Invoice", "InvoicePage",
            "Locale", "OpeningTimes", "OperatorInfo", "Partner", "PaymentMethod",
            "PaymentMethodType", "PriceGroup", "PriceItem", "Prices", "RegularHours",
            "SetupIntent", "Speed", "Station", "StationStatus", "Tile", "TileCustomProperties",
            "TileFeature", "TileGeometry", "TilePriceProperties", "TilePriceType",
            "TileProperties", "Weekday",
        ]
    )  # fmt: skip
    for name in cariqa_async.__all__:
        assert getattr(cariqa_async, name) is not None


def test_every_error_is_a_cariqa_error_and_exported() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        if name != "InconsistentPaginationWarning":
            assert issubclass(cls, errors.CariqaError), name
        assert getattr(cariqa_async, name) is cls


def test_errors_pickle_with_their_context() -> None:
    import pickle

    exc = errors.RateLimitError(
        "HTTP 429", method="GET", path="/p", status=429, detail="slow", retry_after=3.0
    )
    exc.attempts = 4
    copy = pickle.loads(pickle.dumps(exc))
    assert (copy.status, copy.retry_after, copy.attempts, str(copy)) == (
        429, 3.0, 4, "HTTP 429 (GET /p)"
    )  # fmt: skip
    other = pickle.loads(pickle.dumps(errors.InconsistentPaginationError("x", path="/p", passes=3)))
    assert other.passes == 3


def test_py_typed_ships() -> None:
    from importlib.resources import files

    assert files("cariqa_async").joinpath("py.typed").is_file()
