"""Faults and a list that changes mid-walk, with the cariqa_sandbox fixture.

Written for strict mode (``pytestmark``); they run unchanged in auto mode.
"""

import asyncio

import pytest

from cariqa_async import CariqaClient, RetryPolicy, ServerError, TemporaryLockedError

pytestmark = pytest.mark.asyncio

#: Retries without real waiting: the tests stay fast, the behaviour is the same.
QUICK = RetryPolicy(max_retries=10, backoff_base=0.001, backoff_cap=0.01)


# --8<-- [start:faults]
@pytest.mark.cariqa_sandbox(
    seed=3, users=5, fault_rate=0.3, fault_kinds=["429", "503", "drop", "truncate"], retry_after=0
)
async def test_random_faults_lose_and_duplicate_nothing(cariqa_sandbox):
    user = cariqa_sandbox.user_ids[0]
    async with CariqaClient(
        cariqa_sandbox.token, base_url=cariqa_sandbox.url, retry=QUICK
    ) as client:
        ids = [s.id async for s in client.charging_sessions.iter(user, page_size=10)]
    assert ids == cariqa_sandbox.session_ids(user)
    assert sum(cariqa_sandbox.stats.faults.values()) > 0  # it did meet faults


@pytest.mark.cariqa_sandbox(users=1)
async def test_an_outage_reaches_the_caller(cariqa_sandbox):
    cariqa_sandbox.set_faults(faults={"503": 1.0})  # every request, from now on
    async with CariqaClient(
        cariqa_sandbox.token, base_url=cariqa_sandbox.url, retry=QUICK, max_retries=2
    ) as client:
        with pytest.raises(ServerError):
            await client.users.list()


@pytest.mark.cariqa_sandbox(users=1)
async def test_one_typed_api_error(cariqa_sandbox):
    cariqa_sandbox.inject_error("temporary_locked")  # the next request: 423
    async with CariqaClient(cariqa_sandbox.token, base_url=cariqa_sandbox.url) as client:
        with pytest.raises(TemporaryLockedError):
            await client.users.get(cariqa_sandbox.user_ids[0])
        await client.users.get(cariqa_sandbox.user_ids[0])  # then the API is fine again


# --8<-- [end:faults]


# --8<-- [start:mid_walk]
async def collect(walk):
    return [session.id async for session in walk]


@pytest.mark.cariqa_sandbox(sessions_per_user=[37])
@pytest.mark.parametrize("verify", [False, True])
async def test_a_delete_and_an_insert_that_cancel_out(cariqa_sandbox, verify):
    sb = cariqa_sandbox
    (user,) = sb.user_ids
    before = sb.session_ids(user)
    async with CariqaClient(sb.token, base_url=sb.url) as client:
        sb.hold()  # every request now waits at the sandbox's door
        walk = client.charging_sessions.iter(user, page_size=10, verify=verify)
        seen = asyncio.create_task(collect(walk))
        # The sandbox's waits block: run them off the event loop the client needs.
        await asyncio.to_thread(sb.wait_in_flight, 1)  # page 1 is at the door
        sb.release()  # page 1 goes through...
        sb.hold()  # ...and pages 2, 3 and 4 wait
        await asyncio.to_thread(sb.wait_in_flight, 3)
        sb.delete_sessions(user, at=2)  # a delete near the head
        sb.insert_sessions(user, 1, at=30)  # and an insert further down: same count
        sb.release()
        seen = await seen
    # Page 2's first session moved up onto page 1, which had been read already.
    moved = before[10]
    if verify:
        assert moved in seen  # a second pass saw it; a third agreed with the second
        assert walk.passes == 3
    else:
        assert moved not in seen  # missed, and nothing tells: count and pages agree
        assert walk.passes == 1


# --8<-- [end:mid_walk]
