from __future__ import annotations

import pytest

from cariqa_async import errors
from cariqa_async._retry import RetryPolicy, backoff, next_wait, should_retry, should_stop


def api(
    cls: type[errors.APIError], status: int, retry_after: float | None = None
) -> errors.APIError:
    return cls("x", method="GET", path="/p", status=status, retry_after=retry_after)


CONNECTION = errors.CariqaConnectionError("x", method="GET", path="/p")
TIMEOUT = errors.CariqaTimeoutError("x", method="GET", path="/p")
DECODE = errors.DecodeError("x", method="GET", path="/p", status=200)
SCHEMA = errors.SchemaError("x", method="GET", path="/p", status=200, field="id")
TOO_LARGE = errors.ResponseTooLargeError("x", method="GET", path="/p", status=200, limit=1)


@pytest.mark.parametrize(
    "exc",
    [
        CONNECTION,
        TIMEOUT,
        DECODE,
        api(errors.RateLimitError, 429),
        api(errors.ServerError, 500),
        api(errors.ServerError, 502),
        api(errors.ServerError, 503),
        api(errors.ServerError, 504),
    ],
)
def test_transient_failures_of_idempotent_requests_are_retried(exc: Exception) -> None:
    assert should_retry(exc, idempotent=True)


@pytest.mark.parametrize(
    "exc",
    [
        api(errors.BadRequestError, 400),
        api(errors.AuthenticationError, 401),
        api(errors.PaymentRequiredError, 402),
        api(errors.PermissionDeniedError, 403),
        api(errors.NotFoundError, 404),
        api(errors.ConflictError, 409),
        api(errors.LockedError, 423),
        api(errors.FailedDependencyError, 424),
        api(errors.ServerError, 501),
        SCHEMA,
        TOO_LARGE,
        ValueError("bug"),
    ],
)
def test_final_failures_are_not_retried(exc: Exception) -> None:
    assert not should_retry(exc, idempotent=True)


def test_non_idempotent_requests_are_retried_only_when_they_never_reached_the_api() -> None:
    refused = errors.CariqaConnectionError("x", method="POST", path="/p", sent=False)
    connect_timeout = errors.CariqaTimeoutError("x", method="POST", path="/p", sent=False)
    for exc in (api(errors.RateLimitError, 429), refused, connect_timeout):
        assert should_retry(exc, idempotent=False)
    for exc in (CONNECTION, TIMEOUT, DECODE, SCHEMA, api(errors.ServerError, 503)):
        assert not should_retry(exc, idempotent=False)


def test_backoff_is_full_jitter_exponential_and_capped() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=30)
    assert [backoff(n, policy, 1.0) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert backoff(3, policy, 0.0) == 0.0
    assert backoff(3, policy, 0.25) == 0.5
    assert backoff(10_000, policy, 1.0) == 30


def test_retry_after_wins_over_backoff_within_the_maximum() -> None:
    policy = RetryPolicy(max_retry_after=60)
    assert next_wait(api(errors.RateLimitError, 429, retry_after=12), 1, policy, 0.9) == 12
    assert next_wait(api(errors.ServerError, 503, retry_after=2), 4, policy, 0.9) == 2
    assert next_wait(api(errors.RateLimitError, 429, retry_after=61), 1, policy, 0.9) == float(
        "inf"
    )
    assert next_wait(api(errors.RateLimitError, 429), 2, policy, 1.0) == 1.0
    assert next_wait(TIMEOUT, 1, policy, 0.5) == 0.25


def test_stop_rules() -> None:
    policy = RetryPolicy(max_retries=2, deadline=10)
    assert not should_stop(1, 1.0, 0.0, policy)
    assert not should_stop(2, 1.0, 0.0, policy)
    assert should_stop(3, 1.0, 0.0, policy)
    assert should_stop(1, float("inf"), 0.0, policy)
    assert should_stop(1, 3.0, 8.0, policy)
    assert not should_stop(1, 3.0, 8.0, RetryPolicy(max_retries=2))


def test_policy_validates() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)
