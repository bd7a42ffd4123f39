"""``iter_many`` against the sandbox over real sockets: it ends, it stops, it accounts.

Issue #7, case 2: a consumer that awaits (or is slow) must see the iteration end;
``break`` (with the object still referenced), garbage collection, cancellation and
``aclose()`` must stop every worker and request, with nothing logged by the loop.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from cariqa_async import ClientClosedError, ManySessions, PermissionDeniedError
from cariqa_async.sandbox import Sandbox

from .conftest import client_for

pytestmark = pytest.mark.usefixtures("quiet_loop")


@pytest.fixture
async def quiet_loop() -> AsyncIterator[list[dict[str, Any]]]:
    """Fail if the loop reports anything: "Task was destroyed but it is pending",
    "exception was never retrieved", an unhandled QueueFull..."""
    loop = asyncio.get_running_loop()
    reports: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reports.append(context))
    yield reports
    gc.collect()  # finalizers of anything left over report now, not in a later test
    loop.set_exception_handler(previous)
    assert not reports, [context.get("message") for context in reports]


async def eventually(condition: Callable[[], bool]) -> None:
    """Yield to the loop until ``condition`` holds; the timeout is only a hang guard."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0)

    await asyncio.wait_for(poll(), 10)


def total(sb: Sandbox) -> int:
    return sum(len(sb.session_ids(user)) for user in sb.user_ids)


async def test_a_consumer_that_awaits_sees_the_end() -> None:
    # 8 users x 20 pages: far more pages than the queue holds, so the workers finish
    # while the queue is full, the case that used to raise QueueFull and hang.
    async with Sandbox(seed=2, sessions_per_user=[200] * 8) as sb, client_for(sb) as client:
        many = client.charging_sessions.iter_many(sb.user_ids, page_size=10)

        async def consume() -> int:
            count = 0
            async for _user_id, _session in many:
                count += 1
                await asyncio.sleep(0)
            return count

        assert await asyncio.wait_for(consume(), 30) == total(sb)
        assert many.users_done == many.users_started == 8
        assert not many.failures


async def test_a_slow_consumer_holds_the_workers_back_and_still_gets_everything() -> None:
    # 8 users x 8 pages: with one page taken, the other 63 pages and the users'
    # end-of-walk messages are more than the 64-page queue holds.
    async with Sandbox(seed=3, sessions_per_user=[80] * 8) as sb, client_for(sb) as client:
        many = client.charging_sessions.iter_many(sb.user_ids, page_size=10)
        pages = many.pages()
        got = [await pages.__anext__()]
        # The consumer dawdles until every page was fetched: the workers then wait
        # for room in the queue, with nothing left on the wire.
        await eventually(lambda: sb.stats.requests == 64 and client.stats.in_flight == 0)

        async def slowly_to_the_end() -> None:
            async for user_id, page in pages:
                got.append((user_id, page))
                await asyncio.sleep(0)

        await asyncio.wait_for(slowly_to_the_end(), 30)  # the iteration ends
        ids = sorted((user, s.id) for user, page in got for s in page)
        assert ids == sorted((u, s) for u in sb.user_ids for s in sb.session_ids(u))
        assert many.users_done == 8
        assert sb.stats.requests == 64


async def test_break_with_the_object_still_referenced_stops_every_worker() -> None:
    async with Sandbox(seed=4, sessions_per_user=[300] * 12) as sb, client_for(sb) as client:
        many = client.charging_sessions.iter_many(sb.user_ids, page_size=10)
        try:
            async for _user_id, _session in many:
                sb.hold()  # the requests now in flight stay there until released
                await sb.wait_in_flight(8)
                break
            # `many` is still referenced (to read .failures): the loop's iterator
            # is gone, and with it every worker and the requests it had in flight.
            await eventually(lambda: client.stats.in_flight == 0)
        finally:
            sb.release()
        requests = sb.stats.requests
        # A round trip of our own gives stray workers every chance to send more.
        assert (await client.charging_sessions.list(sb.user_ids[0])).count == 300
        assert sb.stats.requests == requests + 1
        assert not many.failures
        assert [item async for item in many] == []  # stopped for good
        await many.aclose()  # harmless afterwards


async def test_async_with_and_aclose_wait_for_every_worker_and_request() -> None:
    async with Sandbox(seed=5, sessions_per_user=[300] * 12) as sb, client_for(sb) as client:
        try:
            async with client.charging_sessions.iter_many(sb.user_ids, page_size=10) as many:
                async for _ in many:
                    sb.hold()
                    await sb.wait_in_flight(8)
                    break
            assert client.stats.in_flight == 0  # awaited, not just cancelled
            sb.release()

            many = client.charging_sessions.iter_many(sb.user_ids, page_size=10)
            pages = many.pages()
            await pages.__anext__()
            sb.hold()
            await sb.wait_in_flight(8)
            await many.aclose()
            assert client.stats.in_flight == 0
            with pytest.raises(StopAsyncIteration):
                await pages.__anext__()
        finally:
            sb.release()


async def test_a_dropped_iterator_is_stopped_by_garbage_collection() -> None:
    async with Sandbox(seed=6, sessions_per_user=[300] * 12) as sb, client_for(sb) as client:
        many: ManySessions | None = client.charging_sessions.iter_many(sb.user_ids, page_size=10)
        assert many is not None
        iterator = aiter(many)
        try:
            await anext(iterator)
            sb.hold()
            await sb.wait_in_flight(8)
            # A reference cycle: only the collector can free the iterator.
            cycle: dict[str, Any] = {"iterator": iterator, "many": many}
            cycle["self"] = cycle
            del iterator, many, cycle
            gc.collect()
            await eventually(lambda: client.stats.in_flight == 0)
        finally:
            sb.release()


async def test_cancelling_the_consumer_propagates_and_leaves_no_task() -> None:
    async with Sandbox(seed=7, sessions_per_user=[300] * 12) as sb, client_for(sb) as client:
        first = asyncio.Event()
        many = client.charging_sessions.iter_many(sb.user_ids, page_size=10)

        async def consume() -> None:
            async for _ in many:
                if not first.is_set():
                    sb.hold()
                    first.set()

        task = asyncio.create_task(consume())
        try:
            await first.wait()
            await sb.wait_in_flight(8)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert client.stats.in_flight == 0  # the workers were awaited, not just cancelled
        finally:
            sb.release()


async def test_closing_the_client_under_iter_many_accounts_for_every_user() -> None:
    # Issue #7, case 6: the iteration used to end "normally", short, with no failures.
    sizes = [3, 250, 7, 250, 1, 250, 12, 250, 250, 2]
    async with Sandbox(seed=8, sessions_per_user=sizes) as sb:
        client = client_for(sb)
        await client.open()
        finished: dict[str, int] = {}
        got: dict[str, list[str]] = {}
        many = client.charging_sessions.iter_many(
            sb.user_ids, page_size=10, users_in_flight=4,
            on_user_done=lambda user, count: finished.__setitem__(user, count),
        )  # fmt: skip

        async def consume() -> None:
            async for user_id, session in many:
                got.setdefault(user_id, []).append(session.id)
                if sum(map(len, got.values())) == 40:
                    sb.hold()

        task = asyncio.create_task(consume())
        try:
            await sb.wait_in_flight(4)
            await client.aclose()
            with pytest.raises(ClientClosedError):
                await task
        finally:
            sb.release()
        assert many.users_started > many.users_done
        assert many.users_done + len(many.failures) == many.users_started
        assert set(finished).isdisjoint(many.failures)
        assert all(isinstance(error, ClientClosedError) for error in many.failures.values())
        for user, count in finished.items():  # a completed user really is complete
            assert got[user] == sb.session_ids(user)
            assert count == len(sb.session_ids(user))
        assert client.stats.in_flight == 0


async def test_a_refused_token_accounts_for_every_started_user() -> None:
    async with Sandbox(seed=9, sessions_per_user=[300] * 6) as sb, client_for(sb) as client:
        many = client.charging_sessions.iter_many(sb.user_ids, page_size=10)
        token = sb.token

        async def consume() -> None:
            async for _ in many:
                sb.revoke_token(token)

        with pytest.raises(PermissionDeniedError):
            await consume()
        assert many.users_done == 0
        assert many.failures  # the users whose walks were refused, at least
        assert all(isinstance(e, PermissionDeniedError) for e in many.failures.values())
        assert len(many.failures) == many.users_started
        assert client.stats.in_flight == 0


async def test_a_failing_source_is_raised_not_swallowed() -> None:
    async with Sandbox(seed=10, sessions_per_user=[5] * 3) as sb, client_for(sb) as client:

        async def source() -> AsyncIterator[str]:
            yield sb.user_ids[0]
            raise LookupError("the user directory went away")

        many = client.charging_sessions.iter_many(source(), users_in_flight=2)
        with pytest.raises(LookupError, match="directory"):
            [_ async for _ in many]
        assert many.users_done + len(many.failures) == many.users_started
