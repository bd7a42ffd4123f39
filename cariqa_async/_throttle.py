"""Client-wide admission of requests: a concurrency cap that adapts to 429s, an
optional requests-per-second limit, and a shared pause that honours Retry-After.

AIMD, as TCP does it: each 429 halves the allowed concurrency (and the rate, if a
rate limit is set) for every caller at once; once 429s stop, each window of
successful requests adds one slot back, up to the configured maximum. The
arithmetic is in pure functions; :class:`Throttle` only applies it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Final

from aiolimiter import AsyncLimiter

#: The rate never drops below this share of the configured limit.
MIN_RATE_SHARE: Final = 1 / 64


def decrease(limit: int) -> int:
    """Multiplicative decrease of a concurrency limit after a 429 (never below 1)."""
    return max(1, limit // 2)


def increase(limit: int, maximum: int) -> int:
    """Additive increase once a whole window of requests succeeded."""
    return min(maximum, limit + 1)


def decrease_share(share: float) -> float:
    """Halve the share of the configured rate, down to :data:`MIN_RATE_SHARE`."""
    return max(MIN_RATE_SHARE, share / 2)


def increase_share(share: float, step: float) -> float:
    """Climb back towards the full rate by ``step``."""
    return min(1.0, share + step)


class Throttle:
    """Admits requests: ``async with throttle: ...send one request...``.

    Args:
        maximum: the concurrency cap (the client's ``concurrency``).
        rate_limit: requests per second, or ``None`` for no rate limit.
        clock, sleep: injectable for tests.
    """

    def __init__(
        self,
        maximum: int,
        *,
        rate_limit: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.maximum = maximum
        #: Requests allowed in flight right now (AIMD between 1 and ``maximum``).
        self.limit = maximum
        #: Share of ``rate_limit`` currently allowed (AIMD between 1/64 and 1).
        self.rate_share = 1.0
        self.rate_limit = rate_limit
        self.in_flight = 0
        self._clock = clock
        self._sleep = sleep
        self._paused_until = 0.0
        self._successes = 0
        self._reserved = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._bucket = AsyncLimiter(rate_limit, 1) if rate_limit else None

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    async def acquire(self) -> None:
        """Wait for a slot, for any Retry-After pause to end, and for rate capacity."""
        await self._slot()
        try:
            pause = self._paused_until - self._clock()
            if pause > 0:
                await self._sleep(pause)
            if self._bucket is not None:
                # Acquiring more than one unit per request slows the bucket down by
                # that factor without touching the limiter's internals.
                await self._bucket.acquire(min(self._bucket.max_rate, 1 / self.rate_share))
        except BaseException:
            self.release()
            raise

    async def _slot(self) -> None:
        # First come, first served: a newcomer queues behind waiters, and a woken
        # waiter's slot is reserved for it until it runs.
        if self.in_flight + self._reserved < self.limit and not self._waiters:
            self.in_flight += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._reserved -= 1  # woken, then cancelled: pass the slot on
                self._wake()
            else:
                # Gone if a release passed over it (cancelled, so done) before this
                # task ran: a ValueError here would replace the cancellation.
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise
        self._reserved -= 1
        self.in_flight += 1

    def release(self) -> None:
        """Free the slot taken by :meth:`acquire`."""
        self.in_flight -= 1
        self._wake()

    @property
    def waiting(self) -> bool:
        """Whether requests are queued for a slot (or woken and about to take one)."""
        return bool(self._waiters) or self._reserved > 0

    @property
    def paused_for(self) -> float:
        """Seconds left of the shared pause a 429's Retry-After imposed (0 if none)."""
        return max(0.0, self._paused_until - self._clock())

    def rate_limited(self, retry_after: float | None) -> None:
        """A 429 arrived: slow every caller down, and pause them all for Retry-After."""
        self.limit = decrease(self.limit)
        self.rate_share = decrease_share(self.rate_share)
        self._successes = 0
        if retry_after:
            self._paused_until = max(self._paused_until, self._clock() + retry_after)

    def succeeded(self) -> None:
        """A request went through: after a full window of them, allow one more."""
        self._successes += 1
        if self._successes >= self.limit:
            self._successes = 0
            self.limit = increase(self.limit, self.maximum)
            self.rate_share = increase_share(self.rate_share, 1 / 16)
            self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight + self._reserved < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                self._reserved += 1
