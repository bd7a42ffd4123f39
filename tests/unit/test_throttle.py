from __future__ import annotations

import asyncio

import pytest

from cariqa_async._throttle import (
    MIN_RATE_SHARE,
    Throttle,
    decrease,
    decrease_share,
    increase,
    increase_share,
)


def test_aimd_arithmetic() -> None:
    assert [decrease(n) for n in (16, 9, 2, 1)] == [8, 4, 1, 1]
    assert increase(3, 8) == 4
    assert increase(8, 8) == 8
    assert decrease_share(1.0) == 0.5
    assert decrease_share(MIN_RATE_SHARE) == MIN_RATE_SHARE
    assert increase_share(0.5, 1 / 16) == 0.5625
    assert increase_share(0.99, 0.5) == 1.0


async def _until_waiting(throttle: Throttle, count: int) -> None:
    for _ in range(1000):
        if len(throttle._waiters) == count:
            return
        await asyncio.sleep(0)
    raise AssertionError("waiters never queued")


async def test_the_cap_and_first_come_first_served() -> None:
    throttle = Throttle(2)
    await throttle.acquire()
    await throttle.acquire()
    order: list[int] = []

    async def take(n: int) -> None:
        await throttle.acquire()
        order.append(n)

    assert not throttle.waiting
    tasks = [asyncio.create_task(take(n)) for n in range(3)]
    await _until_waiting(throttle, 3)
    assert throttle.in_flight == 2
    assert throttle.waiting
    throttle.release()
    await tasks[0]
    throttle.release()
    throttle.release()
    await asyncio.gather(*tasks[1:])
    assert order == [0, 1, 2]
    assert throttle.in_flight == 2


async def test_a_429_halves_the_limit_for_everyone_and_successes_restore_it() -> None:
    throttle = Throttle(8)
    throttle.rate_limited(None)
    assert throttle.limit == 4
    for _ in range(4):
        await throttle.acquire()
    blocked = asyncio.create_task(throttle.acquire())
    await _until_waiting(throttle, 1)
    assert not blocked.done()
    for _ in range(4):  # a full window of successes adds one slot, which wakes it
        throttle.succeeded()
    await blocked
    assert throttle.limit == 5
    assert throttle.in_flight == 5


async def test_retry_after_pauses_every_caller() -> None:
    waits: list[float] = []
    now = [100.0]

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    throttle = Throttle(4, clock=lambda: now[0], sleep=sleep)
    throttle.rate_limited(7.0)
    assert throttle.limit == 2
    await throttle.acquire()
    await throttle.acquire()
    assert waits == [7.0, 7.0]
    throttle.release()
    now[0] += 7.5
    await throttle.acquire()
    assert waits == [7.0, 7.0]


async def test_cancelled_waiters_give_their_turn_away() -> None:
    throttle = Throttle(1)
    await throttle.acquire()
    first = asyncio.create_task(throttle.acquire())
    second = asyncio.create_task(throttle.acquire())
    await _until_waiting(throttle, 2)
    throttle.release()  # wakes `first`...
    first.cancel()  # ...which is cancelled before it runs: `second` must get the slot
    with pytest.raises(asyncio.CancelledError):
        await first
    await second
    assert throttle.in_flight == 1
    waiting = asyncio.create_task(throttle.acquire())
    await _until_waiting(throttle, 1)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not throttle._waiters


async def test_rate_limit_slows_down_with_the_share() -> None:
    throttle = Throttle(4, rate_limit=1000)
    throttle.rate_limited(None)
    assert throttle.rate_share == 0.5
    await throttle.acquire()
    throttle.release()
    assert throttle.in_flight == 0


async def test_a_waiter_cancelled_then_passed_over_still_gets_cancelled_error() -> None:
    # Cancelling a waiting task cancels its waiter future at once; a release before
    # the task runs pops that (done) waiter and passes over it. The task then found
    # its waiter gone: `deque.remove` raised ValueError, which replaced the
    # CancelledError, and bulk exports hung on SIGTERM (a worker took it for a
    # user's failure and waited forever to report it).
    throttle = Throttle(1)
    await throttle.acquire()
    waiting = asyncio.create_task(throttle.acquire())
    await _until_waiting(throttle, 1)
    waiting.cancel()
    throttle.release()  # passes over the cancelled waiter before `waiting` runs
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert throttle.in_flight == 0
    assert not throttle._waiters
    await asyncio.wait_for(throttle.acquire(), 1)  # the slot is free for the next one
    assert throttle.in_flight == 1
