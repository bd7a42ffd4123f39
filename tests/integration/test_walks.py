"""The SDK against the sandbox over real sockets: completeness, order, mutation, caps."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from cariqa_async import (
    CariqaClient,
    NotFoundError,
    PermissionDeniedError,
    RetryPolicy,
    ServerError,
    Timeout,
)
from cariqa_async.sandbox import Sandbox

from .conftest import Sleeps, client_for, until

SIZES = [0, 1, 99, 100, 101, 5000]


async def test_every_session_exactly_once_in_server_order() -> None:
    async with Sandbox(seed=7, sessions_per_user=SIZES) as sb, client_for(sb) as client:
        for user_id, size in zip(sb.user_ids, SIZES, strict=False):
            ids = [s.id async for s in client.charging_sessions.iter(user_id, page_size=100)]
            assert len(ids) == size
            assert ids == sb.session_ids(user_id)
        # 5000 sessions at 100 per page: 50 requests, and not one more.
        assert sb.stats.requests == 1 + 1 + 1 + 1 + 2 + 50


async def test_unordered_walk_is_complete() -> None:
    async with Sandbox(seed=3, sessions_per_user=[1234]) as sb, client_for(sb) as client:
        (user_id,) = sb.user_ids
        ids = [s.id async for s in client.charging_sessions.iter(user_id, ordered=False)]
        assert sorted(ids) == sorted(sb.session_ids(user_id))
        assert len(ids) == len(set(ids))


async def test_page_size_above_the_server_cap_is_still_complete() -> None:
    async with (
        Sandbox(seed=1, sessions_per_user=[777], max_page_size=50) as sb,
        client_for(sb) as client,
    ):
        (user_id,) = sb.user_ids
        ids = [s.id async for s in client.charging_sessions.iter(user_id, page_size=1000)]
        assert ids == sb.session_ids(user_id)
        assert sb.stats.requests == 16  # ceil(777 / 50): the cap was learned from page 1
        page = await client.charging_sessions.list(user_id, page_size=1000)
        assert len(page.results) == 50
        assert page.count == 777


async def test_faults_of_every_kind_lose_and_duplicate_nothing() -> None:
    async with (
        Sandbox(
            seed=11,
            sessions_per_user=[2500, 0, 401, 1],
            fault_rate=0.2,
            retry_after=0,
            stall_time=2.0,
            latency=0.001,
        ) as sb,
        client_for(
            sb,
            timeout=Timeout(connect=5, read=0.6),
            retry=RetryPolicy(max_retries=12, backoff_base=0.001, backoff_cap=0.01),
        ) as client,
    ):
        for user_id in sb.user_ids:
            ids = [s.id async for s in client.charging_sessions.iter(user_id, page_size=50)]
            assert ids == sb.session_ids(user_id)
        faults = dict(sb.stats.faults)
        assert sum(faults.values()) > 10  # the faults really happened...
        assert set(faults) == {"429", "500", "502", "503", "drop", "truncate", "stall"}
        # ...and each one cost exactly one retry, of the matching kind.
        reasons = client.stats.retries_by_reason
        assert client.stats.retries == sum(faults.values())
        for kind in ("429", "500", "502", "503"):
            assert reasons.get(kind, 0) == faults.get(kind, 0)
        assert reasons.get("timeout", 0) == faults.get("stall", 0)
        assert reasons.get("connection", 0) == faults.get("drop", 0) + faults.get("truncate", 0)


async def test_sessions_inserted_and_deleted_mid_walk() -> None:
    async with Sandbox(seed=5, sessions_per_user=[1000], latency=0.002) as sb:
        (user_id,) = sb.user_ids
        before = set(sb.session_ids(user_id))
        async with client_for(sb, concurrency=4) as client:
            walker = client.charging_sessions.iter(user_id, page_size=50)
            seen: list[str] = []
            async for session in walker:
                seen.append(session.id)
                if len(seen) == 1:  # page 1 read; pages 2.. not yet served
                    sb.insert_sessions(user_id, 7, at=0)
                    sb.delete_sessions(user_id, at=300, count=5)
                if len(seen) == 400:
                    sb.insert_sessions(user_id, 3, at=120)
        after = set(sb.session_ids(user_id))
        assert len(seen) == len(set(seen)), "a session was yielded twice"
        assert before & after <= set(seen), "a session that existed throughout was lost"
        assert set(seen) <= before | after
        assert walker.passes >= 2


async def test_the_client_cap_holds_across_a_hundred_walks() -> None:
    async with (
        Sandbox(seed=2, sessions_per_user=[250] * 100, latency=0.003) as sb,
        client_for(sb, concurrency=8) as client,
    ):

        async def walk(user_id: str) -> list[str]:
            return [s.id async for s in client.charging_sessions.iter(user_id, page_size=25)]

        results = await asyncio.gather(*(walk(u) for u in sb.user_ids))
        assert all(ids == sb.session_ids(u) for u, ids in zip(sb.user_ids, results, strict=False))
        assert sb.stats.max_in_flight == 8  # reached, never exceeded
        assert client.stats.max_in_flight == 8


async def test_breaking_out_early_leaves_nothing_running() -> None:
    async with Sandbox(seed=4, sessions_per_user=[3000]) as sb, client_for(sb) as client:
        (user_id,) = sb.user_ids
        try:
            async for _session in client.charging_sessions.iter(user_id, page_size=10):
                sb.hold()  # the requests of pages 2.. now stay in flight until released
                await sb.wait_in_flight(8)
                break
            # Dropping the iterator cancelled its eight requests (still held by the
            # server, so only cancellation can end them); they unwind with the loop.
            await until(lambda: client.stats.in_flight == 0)
            sb.release()
            # With `async with`, leaving the block waits for that itself.
            async with client.charging_sessions.iter(user_id, page_size=10) as sessions:
                async for _session in sessions:
                    sb.hold()
                    await sb.wait_in_flight(8)
                    break
            assert client.stats.in_flight == 0
        finally:
            sb.release()
        # the client is still usable afterwards
        assert (await client.charging_sessions.list(user_id)).count == 3000


async def test_cancelling_the_consumer_propagates_and_cleans_up() -> None:
    async with Sandbox(seed=4, sessions_per_user=[3000]) as sb, client_for(sb) as client:
        (user_id,) = sb.user_ids
        first = asyncio.Event()

        async def consume() -> None:
            async for _session in client.charging_sessions.iter(user_id, page_size=10):
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
        finally:
            sb.release()
        assert client.stats.in_flight == 0


async def test_api_errors_over_the_wire() -> None:
    async with Sandbox(seed=1, sessions_per_user=[3]) as sb:
        async with client_for(sb) as client:
            with pytest.raises(NotFoundError) as info:
                await client.charging_sessions.get(sb.user_ids[0], "no-such-session")
            assert info.value.detail == "Not found."
            with pytest.raises(NotFoundError):
                [s async for s in client.charging_sessions.iter("no-such-user")]
            one = sb.session_ids(sb.user_ids[0])[1]
            assert (await client.charging_sessions.get(sb.user_ids[0], one)).id == one
        async with CariqaClient("not-a-valid-token", base_url=sb.url) as client:
            with pytest.raises(PermissionDeniedError):
                await client.users.list()


async def test_retry_after_html_and_truncation_over_the_wire() -> None:
    sleeps = Sleeps()
    async with (
        Sandbox(seed=1, sessions_per_user=[30], retry_after=3) as sb,
        client_for(sb, retry=RetryPolicy(max_retries=2, sleep=sleeps)) as client,
    ):
        (user_id,) = sb.user_ids
        sb.schedule_faults(["429", "truncate", None])
        page = await client.charging_sessions.list(user_id)
        assert len(page.results) == 10
        assert sleeps.waits[0] == 3.0  # the sandbox's Retry-After, honoured exactly
        assert client.stats.retries_by_reason == {"429": 1, "connection": 1}
        sb.schedule_faults(["502", "503", "502"])
        with pytest.raises(ServerError) as info:
            await client.charging_sessions.list(user_id)
        assert info.value.status == 502
        assert info.value.attempts == 3
        assert "Bad Gateway" in str(info.value)


async def test_users_list_search_and_iter() -> None:
    async with Sandbox(seed=9, users=137) as sb, client_for(sb) as client:
        users = [u.id async for u in client.users.iter(page_size=20)]
        assert users == sb.user_ids
        target = await client.users.get(users[5])
        assert target.id == users[5]
        assert target.custom_properties is None or isinstance(
            target.custom_properties.external_id, (str, type(None))
        )
        page = await client.users.list(search=users[5][:13])
        assert users[5] in [u.id for u in page.results]


async def test_a_borrowed_session_over_the_wire_stays_open() -> None:
    async with Sandbox(seed=1, sessions_per_user=[25]) as sb, aiohttp.ClientSession() as http:
        async with client_for(sb, session=http) as client:
            ids = [s.id async for s in client.charging_sessions.iter(sb.user_ids[0])]
        assert ids == sb.session_ids(sb.user_ids[0])
        assert not http.closed
        async with http.get(f"{sb.url}/api/v1/users/") as response:  # still usable
            assert response.status == 401  # and it never got our token as a default


async def test_the_rate_limit_spaces_requests_over_the_wire() -> None:
    # aiolimiter allows a burst of `rate` requests, then `rate` per second: 60 pages
    # at 40/s cannot take less than (60 - 40) / 40 = 0.5 s.
    async with (
        Sandbox(seed=1, sessions_per_user=[600]) as sb,
        client_for(sb, rate_limit=40, concurrency=8) as client,
    ):
        started = asyncio.get_running_loop().time()
        ids = [s.id async for s in client.charging_sessions.iter(sb.user_ids[0], page_size=10)]
        elapsed = asyncio.get_running_loop().time() - started
        assert ids == sb.session_ids(sb.user_ids[0])
        assert sb.stats.requests == 60
        assert elapsed >= 0.45
