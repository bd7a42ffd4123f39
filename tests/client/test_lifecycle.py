"""How ``aclose()`` stops calls running in other tasks, without a network.

``_Callers`` is what ``CariqaClient._request`` runs under; these tests drive it
with plain futures, for the paths the sandbox cannot produce on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

import pytest

from cariqa_async import ClientClosedError
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
