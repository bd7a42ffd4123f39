"""Closing the client while other tasks use it (issue #7, case 6), over real sockets.

Every task still inside a call gets ``ClientClosedError``: not aiohttp's bare
``RuntimeError: Session is closed``, not a retried connection error, and never a
walk that ends quietly with sessions missing.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TypeVar

import aiohttp
import pytest

from cariqa_async import ClientClosedError, RetryPolicy
from cariqa_async.sandbox import Sandbox

from .conftest import client_for, until

T = TypeVar("T")

needs_cancel_counts = pytest.mark.skipif(
    sys.version_info < (3, 11), reason="Task.cancelling() is Python 3.11+"
)


async def outcome(task: asyncio.Future[T]) -> T:
    """Await ``task``; the timeout is only a guard against the hang being tested for."""
    return await asyncio.wait_for(task, 10)


async def test_a_walk_in_another_task_gets_client_closed_error() -> None:
    async with Sandbox(seed=1, sessions_per_user=[3000]) as sb:
        client = client_for(sb)
        await client.open()
        (user_id,) = sb.user_ids
        seen: list[str] = []

        async def walk() -> None:
            async for session in client.charging_sessions.iter(user_id, page_size=10):
                seen.append(session.id)
                sb.hold()  # pages 2.. stay in flight (and queued in the throttle)

        task = asyncio.create_task(walk())
        try:
            await sb.wait_in_flight(8)
            await client.aclose()
            with pytest.raises(ClientClosedError, match="closed"):
                await outcome(task)
        finally:
            sb.release()
        assert 0 < len(seen) < 3000
        assert client.stats.retries == 0  # the cut connections were not retried
        assert client.stats.in_flight == 0


async def test_a_get_awaiting_its_response_and_one_queued_for_a_slot() -> None:
    async with Sandbox(seed=2, sessions_per_user=[3]) as sb:
        client = client_for(sb, concurrency=1)
        await client.open()
        user_id = sb.user_ids[0]
        session_id = sb.session_ids(user_id)[0]
        sb.hold()
        try:
            on_the_wire = asyncio.create_task(client.charging_sessions.get(user_id, session_id))
            await sb.wait_in_flight(1)
            queued = asyncio.create_task(client.charging_sessions.list(user_id))
            await until(lambda: client.throttle.waiting)
            await client.aclose()
            for task in (on_the_wire, queued):
                with pytest.raises(ClientClosedError):
                    await outcome(task)
        finally:
            sb.release()
        assert client.stats.retries == 0
        assert client.stats.requests == 1
        with pytest.raises(ClientClosedError, match="closed"):
            await client.charging_sessions.get(user_id, session_id)


async def test_a_call_waiting_to_retry_is_stopped_too() -> None:
    retry_pending = asyncio.Event()

    async def wait_forever(_seconds: float) -> None:
        retry_pending.set()
        await asyncio.Event().wait()

    async with Sandbox(seed=3, sessions_per_user=[3]) as sb:
        client = client_for(sb, retry=RetryPolicy(max_retries=3, sleep=wait_forever))
        await client.open()
        sb.schedule_faults(["503"])
        task = asyncio.create_task(client.charging_sessions.list(sb.user_ids[0]))
        await retry_pending.wait()
        await client.aclose()
        with pytest.raises(ClientClosedError):
            await outcome(task)
        assert client.stats.requests == 1


async def test_a_borrowed_session_stays_open_and_the_call_still_ends() -> None:
    async with Sandbox(seed=4, sessions_per_user=[3]) as sb, aiohttp.ClientSession() as http:
        client = client_for(sb, session=http)
        await client.open()
        sb.hold()
        try:
            task = asyncio.create_task(client.charging_sessions.list(sb.user_ids[0]))
            await sb.wait_in_flight(1)
            # Closing a client never closes a borrowed session, so nothing cuts the
            # request's connection: the call must be stopped all the same.
            await client.aclose()
            with pytest.raises(ClientClosedError):
                await outcome(task)
        finally:
            sb.release()
        assert not http.closed


@needs_cancel_counts
async def test_the_callers_own_cancellation_wins_and_timeouts_stay_consistent() -> None:
    async with Sandbox(seed=5, sessions_per_user=[3]) as sb:
        client = client_for(sb)
        await client.open()
        user_id = sb.user_ids[0]
        sb.hold()
        try:
            cancelled = asyncio.create_task(client.charging_sessions.list(user_id))

            async def under_a_timeout() -> int:
                with pytest.raises(ClientClosedError):
                    async with asyncio.timeout(60):
                        await client.charging_sessions.list(user_id)
                task = asyncio.current_task()
                assert task is not None
                return task.cancelling()

            timed = asyncio.create_task(under_a_timeout())
            await sb.wait_in_flight(2)
            cancelled.cancel()  # cancelled by its owner and by aclose() at once
            await client.aclose()
            with pytest.raises(asyncio.CancelledError):
                await outcome(cancelled)
            assert await outcome(timed) == 0  # aclose() gave back the cancellation it made
        finally:
            sb.release()
