"""When to try a request again, and how long to wait: pure decisions, run by tenacity.

``should_retry`` and ``next_wait`` are plain functions of an exception, an attempt
number and a random number; :func:`retrying` only wires them into
``tenacity.AsyncRetrying``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Final

import attrs
import tenacity

from . import _options
from .errors import (
    APIError,
    DecodeError,
    RateLimitError,
    ServerError,
    TransportError,
)

_RETRYABLE_SERVER_STATUSES: Final = frozenset({500, 502, 503, 504})


@attrs.frozen(slots=True)
class RetryPolicy:
    """How failed requests are retried.

    Attributes:
        max_retries: retries after the first attempt (0 disables retrying).
        backoff_base: the first backoff ceiling in seconds; it doubles per retry.
        backoff_cap: the largest backoff ceiling. The actual wait is drawn uniformly
            from ``[0, ceiling]`` ("full jitter"), which spreads many clients out.
        max_retry_after: the longest ``Retry-After`` honoured. A server asking for
            more is not retried: the error (with its ``retry_after``) is raised so
            the caller can decide.
        deadline: optional bound in seconds on one call including all its retries:
            no retry is scheduled that would start after it.
        sleep, clock, random: injectable for tests (no real waiting).

    Example::

        CariqaClient(token, retry=RetryPolicy(max_retries=8, deadline=120))

    Raises:
        ConfigurationError: a negative or non-integer ``max_retries``; a wait that is
            negative, NaN, infinite or not a number; a hook that is not callable.
    """

    max_retries: int = attrs.field(
        default=5, validator=_options.validator(_options.count, minimum=0)
    )
    backoff_base: float = attrs.field(default=0.5, validator=_options.validator(_options.seconds))
    backoff_cap: float = attrs.field(default=30.0, validator=_options.validator(_options.seconds))
    max_retry_after: float = attrs.field(
        default=120.0, validator=_options.validator(_options.seconds, allow_zero=True)
    )
    deadline: float | None = attrs.field(
        default=None, validator=_options.validator(_options.seconds, allow_none=True)
    )
    sleep: Callable[[float], Awaitable[None]] = attrs.field(
        default=asyncio.sleep, repr=False, eq=False, validator=_options.validator(_options.hook)
    )
    clock: Callable[[], float] = attrs.field(
        default=time.monotonic, repr=False, eq=False, validator=_options.validator(_options.hook)
    )
    random: Callable[[], float] = attrs.field(
        default=random.random, repr=False, eq=False, validator=_options.validator(_options.hook)
    )


def should_retry(exc: BaseException, *, idempotent: bool) -> bool:
    """Whether a failed attempt deserves another one.

    Connection errors, timeouts, unreadable bodies and 500/502/503/504 are retried
    only for idempotent requests, because the first attempt may have been executed.
    A request that provably never reached the API (refused, DNS or TLS failure,
    connect timeout) and a 429 (refused without acting) are retried for every
    request. Every other 4xx, schema errors and oversize bodies are final.
    """
    if isinstance(exc, RateLimitError):
        return True
    if isinstance(exc, TransportError) and not exc.sent:
        return True
    if not idempotent:
        return False
    if isinstance(exc, (TransportError, DecodeError)):
        return True
    return isinstance(exc, ServerError) and exc.status in _RETRYABLE_SERVER_STATUSES


def backoff(retry_number: int, policy: RetryPolicy, rnd: float) -> float:
    """Full-jitter exponential backoff before retry number ``retry_number`` (1-based)."""
    exponent = min(max(retry_number - 1, 0), 64)  # 2.0**n overflows long before 1024
    ceiling = min(policy.backoff_cap, policy.backoff_base * 2.0**exponent)
    return rnd * ceiling


def next_wait(exc: BaseException, retry_number: int, policy: RetryPolicy, rnd: float) -> float:
    """Seconds to wait before the next attempt; ``inf`` means "do not retry".

    A ``Retry-After`` on the error wins over the backoff, unless it exceeds
    ``max_retry_after``.
    """
    retry_after: float | None = exc.retry_after if isinstance(exc, APIError) else None
    if retry_after is not None:
        return retry_after if retry_after <= policy.max_retry_after else float("inf")
    return backoff(retry_number, policy, rnd)


def may_have_acted(exc: BaseException) -> bool:
    """Whether the API may have carried out an attempt that failed with ``exc``.

    Not after a 429 (refused without acting) nor when the request provably never
    reached the API (refused connection, DNS or TLS failure, connect timeout);
    after anything else it may have.
    """
    if isinstance(exc, RateLimitError):
        return False
    return not (isinstance(exc, TransportError) and not exc.sent)


def should_stop(retry_number: int, wait: float, elapsed: float, policy: RetryPolicy) -> bool:
    """Whether to give up instead of retrying after ``elapsed`` seconds."""
    if retry_number > policy.max_retries or wait == float("inf"):
        return True
    return policy.deadline is not None and elapsed + wait > policy.deadline


def retrying(
    policy: RetryPolicy,
    *,
    idempotent: bool,
    on_retry: Callable[[BaseException, int, float], None],
    started: float | None = None,
) -> tenacity.AsyncRetrying:
    """A tenacity executor for one call; ``on_retry(exc, retry_number, wait)`` observes.

    ``started`` is when the call began on ``policy.clock`` (default: now): the
    deadline counts from there.
    """
    if started is None:
        started = policy.clock()

    def wait(state: tenacity.RetryCallState) -> float:
        return next_wait(_exception(state), state.attempt_number, policy, policy.random())

    def stop(state: tenacity.RetryCallState) -> bool:
        elapsed = policy.clock() - started
        return should_stop(state.attempt_number, state.upcoming_sleep, elapsed, policy)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        on_retry(_exception(state), state.attempt_number, state.upcoming_sleep)

    return tenacity.AsyncRetrying(
        retry=tenacity.retry_if_exception(lambda e: should_retry(e, idempotent=idempotent)),
        wait=wait,
        stop=stop,
        sleep=policy.sleep,
        before_sleep=before_sleep,
        reraise=True,
    )


def _exception(state: tenacity.RetryCallState) -> BaseException:
    assert state.outcome is not None
    exc = state.outcome.exception()
    assert exc is not None
    return exc
