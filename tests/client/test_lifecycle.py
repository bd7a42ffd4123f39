"""How ``aclose()`` stops calls running in other tasks, without a network.

``_Callers`` is what ``CariqaClient._request`` runs under; these tests drive it
with plain futures, for the paths the sandbox cannot produce on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import warnings

import aiohttp
import pytest

from cariqa_async import CariqaClient, ClientClosedError
from cariqa_async._client import _Callers


async def test_a_swallowed_cancellation_still_ends_the_call() -> None:
    callers = _Callers()
    entered = asyncio.Event()

    async def call() -> str:
        with callers.guard():
            entered.set()
            with contextlib.suppress(asyncio.CancelledError):  # a library on the way ate it
                await asyncio.get_running_loop().create_future()
            return "a result from a closed client"

    task = asyncio.create_task(call())
    await entered.wait()
    callers.stop_all()
    with pytest.raises(ClientClosedError):
        await task
    if sys.version_info >= (3, 11):
        assert task.cancelling() == 0


async def test_calls_that_were_not_stopped_are_left_alone() -> None:
    callers = _Callers()
    with callers.guard():
        pass
    with pytest.raises(LookupError), callers.guard():
        raise LookupError("unrelated")
    started = asyncio.Event()

    async def call() -> None:
        with callers.guard():
            started.set()
            await asyncio.get_running_loop().create_future()

    task = asyncio.create_task(call())
    await started.wait()
    task.cancel()  # an ordinary cancellation stays one
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_stop_all_spares_the_task_that_calls_it() -> None:
    callers = _Callers()
    with callers.guard():
        callers.stop_all()
        await asyncio.sleep(0)  # not cancelled
    callers.stop_all()  # nothing left inside a call


# --- a client left open, and a client used from another event loop (issue #9) ---


def test_a_client_left_open_warns_once_naming_itself_and_where_it_was_created() -> None:
    created_at: list[int] = []

    async def leak() -> None:
        client = CariqaClient("tok-SECRET-1", base_url="https://api.test")
        created_at.append(sys._getframe().f_lineno - 1)
        await client.open()  # and never closed

    loop = asyncio.new_event_loop()
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            loop.run_until_complete(leak())
            gc.collect()
    finally:
        loop.close()
    ours = [w for w in seen if "CariqaClient" in str(w.message)]
    assert len(ours) == 1, [str(w.message) for w in seen]
    assert ours[0].category is ResourceWarning
    assert f"{__file__}:{created_at[0]}" in str(ours[0].message)
    assert "SECRET" not in str(ours[0].message)
    # aiohttp's own "Unclosed client session" follows; ours is the one that names
    # the client and where it was created.


async def test_a_closed_or_never_opened_client_does_not_warn() -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        CariqaClient("tok-1", base_url="https://api.test")
        async with CariqaClient("tok-1", base_url="https://api.test"):
            pass
        async with aiohttp.ClientSession() as session:
            borrowed = CariqaClient("tok-1", base_url="https://api.test", session=session)
            await borrowed.open()  # a borrowed session is its owner's to close
            del borrowed
            gc.collect()
    assert [str(w.message) for w in seen] == []


def test_a_client_used_from_a_second_asyncio_run_says_why() -> None:
    client = CariqaClient("tok-1", base_url="https://api.test")
    first = asyncio.new_event_loop()
    try:
        first.run_until_complete(client.open())
        with pytest.raises(ClientClosedError, match="another event loop") as info:
            asyncio.run(client.users.get("u1"))
        assert "belongs to the loop that opened it" in str(info.value)
        with pytest.raises(ClientClosedError, match="another event loop"):
            asyncio.run(client.open())
        assert not client.closed  # still usable from its own loop
    finally:
        first.run_until_complete(client.aclose())
        first.close()


@pytest.mark.filterwarnings("ignore:Unclosed:ResourceWarning")
def test_two_asyncio_runs_as_in_the_issue() -> None:
    """The issue's case: the first loop is gone; the error is ours, not aiohttp's."""
    clients = [CariqaClient("tok-1", base_url="https://api.test")]
    asyncio.run(clients[0].open())

    async def use_and_close(client: CariqaClient) -> None:
        try:
            with pytest.raises(ClientClosedError, match="another event loop"):
                await client.users.get("u1")
        finally:
            await client.aclose()  # only marks it closed: its loop is gone

    asyncio.run(use_and_close(clients[0]))
    assert clients[0].closed
    clients.clear()
    gc.collect()  # aiohttp's own warnings about the orphaned session are ignored
