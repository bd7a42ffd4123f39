"""The rich envelope's error.type picks a class under the status's class."""

from __future__ import annotations

import pickle
from datetime import datetime, timezone

import orjson
import pytest

from cariqa_async import ErrorType, errors
from cariqa_async._protocol import Response, error_for
from cariqa_async.errors import FailedDependencyError as Dependency
from cariqa_async.errors import PaymentRequiredError as Payment

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

# (status, error.type) pairs the API documents (NOTES.md), and the class each raises.
DOCUMENTED = [
    (400, "validation_error", errors.ValidationError, errors.BadRequestError),
    (402, "payment_method_error", errors.PaymentMethodError, errors.PaymentRequiredError),
    (402, "payment_error", errors.PaymentError, errors.PaymentRequiredError),
    (402, "pre_authorization_failed", errors.PreAuthorizationFailedError, Payment),
    (423, "temporary_locked", errors.TemporaryLockedError, errors.LockedError),
    (409, "already_charging", errors.AlreadyChargingError, errors.ConflictError),
    (409, "already_stopped", errors.AlreadyStoppedError, errors.ConflictError),
    (409, "billing_data_required", errors.BillingDataRequiredError, errors.ConflictError),
    (409, "station_availability_issue", errors.StationAvailabilityError, errors.ConflictError),
    (424, "station_availability_issue", errors.StationAvailabilityError, Dependency),
    (424, "charging_provider_error", errors.ChargingProviderError, errors.FailedDependencyError),
    (500, "unexpected_error", errors.UnexpectedServerError, errors.ServerError),
]  # fmt: skip


def rich(status: int, error_type: str, **extra: str) -> Response:
    body = {"detail": "Charging Error", "error": {"type": error_type, "details": "x", **extra}}
    return Response(status, {"Content-Type": "application/json"}, orjson.dumps(body))


@pytest.mark.parametrize(("status", "error_type", "cls", "base"), DOCUMENTED)
def test_each_documented_type_has_its_class(
    status: int, error_type: str, cls: type[errors.APIError], base: type[errors.APIError]
) -> None:
    exc = error_for(rich(status, error_type), method="POST", path="/p", now=NOW)
    assert type(exc) is cls
    assert isinstance(exc, base)
    assert (exc.status, exc.error_type, exc.error_details) == (status, error_type, "x")
    copy = pickle.loads(pickle.dumps(exc))
    assert (type(copy), copy.status, copy.error_type, str(copy)) == (
        cls, status, error_type, str(exc)
    )  # fmt: skip


def test_a_type_the_status_does_not_document_keeps_the_status_class() -> None:
    # already_charging with a 402 is not a conflict: it must not pass for one.
    exc = error_for(rich(402, "already_charging"), method="POST", path="/p", now=NOW)
    assert type(exc) is errors.PaymentRequiredError
    assert exc.error_type == "already_charging"


def test_an_unknown_type_keeps_the_status_class() -> None:
    exc = error_for(rich(409, "quantum_flux"), method="POST", path="/p", now=NOW)
    assert type(exc) is errors.ConflictError
    assert exc.error_type == "quantum_flux"


def test_pre_authorization_failure_carries_the_client_secret() -> None:
    response = rich(402, "pre_authorization_failed", payment_intent_client_secret="pi_1_secret_2")
    exc = error_for(response, method="POST", path="/start/", now=NOW)
    assert isinstance(exc, errors.PreAuthorizationFailedError)
    assert exc.payment_intent_client_secret == "pi_1_secret_2"


def test_outcome_unknown_pickles_with_its_context() -> None:
    exc = errors.OutcomeUnknownError(
        "the start may have run", method="POST", path="/s/", operation="users_charging_start_create"
    )
    copy = pickle.loads(pickle.dumps(exc))
    assert (str(copy), copy.operation) == (str(exc), "users_charging_start_create")
    assert isinstance(copy, errors.CariqaError)
    assert errors.AlreadyChargingError.active_session is None


def test_error_type_is_an_open_enum() -> None:
    exc = error_for(rich(409, "already_charging"), method="POST", path="/p", now=NOW)
    assert exc.error_type is ErrorType.ALREADY_CHARGING
    assert exc.error_type == "already_charging"
    new = error_for(rich(409, "quantum_flux"), method="POST", path="/p", now=NOW)
    assert isinstance(new.error_type, ErrorType)
    assert new.error_type == "quantum_flux"
    assert new.error_type.known is False
    assert pickle.loads(pickle.dumps(exc)).error_type is ErrorType.ALREADY_CHARGING
