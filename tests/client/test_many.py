"""``ManySessions`` with stand-in walks (no network): ending, stopping and accounting.

The sandbox tests (tests/integration/test_many.py) cover the same over real
sockets; these are the cheap, exhaustive cases.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, cast

import pytest

from cariqa_async import ManySessions, NotFoundError, PermissionDeniedError
from cariqa_async._many import WalkUser

Plan = list[list[int]] | Exception


class FakeWalk:
    """A user's walk: its pages one loop step apart, then maybe an error."""

    def __init__(self, pages: list[list[int]], error: Exception | None) -> None:
        self._pages = iter(pages)
        self._error = error

    async def __aenter__(self) -> FakeWalk:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    def __aiter__(self) -> FakeWalk:
        return self

    async def __anext__(self) -> list[int]:
        await asyncio.sleep(0)
        page = next(self._pages, None)
        if page is not None:
            return page
        if self._error is not None:
            raise self._error
        raise StopAsyncIteration


class FakeSessions:
    """Stands in for ``client.charging_sessions``: ``plans[user]`` is its pages or error."""

    def __init__(self, plans: dict[str, Plan], fail_after: dict[str, Exception] | None = None):
        self.plans = plans
        self.fail_after = fail_after or {}

    def _walk_user(self, user_id: str, **_: Any) -> FakeWalk:
        if "/" in user_id:
            raise ValueError("user_id must be one path segment")  # as the real one does
        plan = self.plans[user_id]
        if isinstance(plan, Exception):
            return FakeWalk([], plan)
        return FakeWalk(plan, self.fail_after.get(user_id))


def many_of(sessions: FakeSessions, users: Any, **kwargs: Any) -> ManySessions:
    options: dict[str, Any] = {"users_in_flight": 4, "on_user_done": None}
    options.update(kwargs)
    return ManySessions(cast("WalkUser", sessions._walk_user), users, **options)


def not_found(user: str) -> NotFoundError:
    return NotFoundError("Not found.", method="GET", path=f"/u/{user}", status=404)


async def test_hundreds_of_users_with_an_awaiting_consumer_end() -> None:
    # Far more messages than the queue holds, each user finishing while it is full.
    plans: dict[str, Plan] = {f"u{i}": [[i], [i]] for i in range(300)}
    many = many_of(FakeSessions(plans), list(plans), users_in_flight=8)

    async def consume() -> int:
        count = 0
        async for _ in many:
            count += 1
            await asyncio.sleep(0)
        return count

    assert await asyncio.wait_for(consume(), 30) == 600
    assert many.users_done == many.users_started == 300


async def test_user_failures_are_recorded_and_the_others_go_on() -> None:
    plans: dict[str, Plan] = {"a": [[1, 2]], "ghost": not_found("ghost"), "b": [[3], [4]]}
    many = many_of(FakeSessions(plans), ["a", "ghost", "b", "a", "../x"])
    got = [item async for item in many]
    assert sorted(got) == [("a", 1), ("a", 2), ("b", 3), ("b", 4)]
    assert set(many.failures) == {"ghost", "../x"}  # unknown user; an id refused by the path
    assert many.users_done == 2
    assert many.users_done + len(many.failures) == many.users_started == 4


async def test_a_fatal_error_lists_every_unfinished_user() -> None:
    refused = PermissionDeniedError("no", method="GET", path="/x", status=403)
    plans: dict[str, Plan] = {f"u{i}": [[i]] * 5 for i in range(12)}
    plans["bad"] = refused
    plans["ghost"] = not_found("ghost")
    users = ["u0", "u1", "ghost", "bad", *(f"u{i}" for i in range(2, 12))]
    many = many_of(FakeSessions(plans), users)
    with pytest.raises(PermissionDeniedError):
        [_ async for _ in many]
    assert many.users_done + len(many.failures) == many.users_started
    assert many.failures["bad"] is refused
    assert isinstance(many.failures["ghost"], NotFoundError)  # its own error, not the fatal one
    assert [item async for item in many] == []  # ended for good


async def test_an_error_in_on_user_done_ends_the_iteration_and_is_accounted() -> None:
    plans: dict[str, Plan] = {f"u{i}": [[i]] * 3 for i in range(6)}

    def on_user_done(user_id: str, count: int) -> None:
        raise OSError("the checkpoint disk is full")

    many = many_of(FakeSessions(plans), list(plans), on_user_done=on_user_done)
    with pytest.raises(OSError, match="disk"):
        [_ async for _ in many]
    assert many.users_done == 1  # counted before its hook ran
    assert many.users_done + len(many.failures) == many.users_started


async def test_aclose_from_another_task_ends_a_waiting_consumer() -> None:
    gate = asyncio.Event()

    class Stuck(FakeWalk):
        async def __anext__(self) -> list[int]:
            await gate.wait()
            raise StopAsyncIteration

    class StuckSessions(FakeSessions):
        def _walk_user(self, user_id: str, **_: Any) -> FakeWalk:
            return Stuck([], None)

    many = many_of(StuckSessions({}), ["a", "b"])
    consumer = asyncio.create_task(anext(aiter(many), None))
    await asyncio.sleep(0)
    await many.aclose()
    assert await asyncio.wait_for(consumer, 10) is None


async def test_an_async_hook_and_aclose_from_another_task_while_it_runs() -> None:
    plans: dict[str, Plan] = {f"u{i}": [[i]] * 3 for i in range(6)}
    in_hook = asyncio.Event()
    release = asyncio.Event()
    finished: list[str] = []

    async def on_user_done(user_id: str, count: int) -> None:
        finished.append(user_id)
        in_hook.set()
        await release.wait()

    many = many_of(FakeSessions(plans), list(plans), on_user_done=on_user_done)

    async def consume() -> list[tuple[str, int]]:
        return [item async for item in many]

    consumer = asyncio.create_task(consume())
    await in_hook.wait()
    await many.aclose()  # the consumer is inside the hook meanwhile
    release.set()
    got = await asyncio.wait_for(consumer, 10)
    assert many.users_done == len(finished) == 1
    assert [user for user, _ in got].count(finished[0]) == 3  # all yielded before its hook


async def test_closing_an_iterator_stops_and_awaits_the_whole_iteration() -> None:
    plans: dict[str, Plan] = {f"u{i}": [[i]] * 50 for i in range(6)}
    for stream in ("sessions", "pages"):
        many = many_of(FakeSessions(plans), list(plans))
        iterator: Any = aiter(many) if stream == "sessions" else many.pages()
        async with contextlib.aclosing(iterator):
            await anext(iterator)
        assert all(task.done() for task in many._run._workers)
        assert await anext(aiter(many), None) is None


class SwallowingWalk(FakeWalk):
    """A walk that turns its cancellation into an error, as a buggy layer below might."""

    def __init__(self, started: asyncio.Event) -> None:
        super().__init__([], None)
        self._started = started

    async def __anext__(self) -> list[int]:
        self._started.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()
        raise ValueError("cancellation lost on the way")


async def test_a_worker_whose_cancellation_is_lost_does_not_hang_the_stop() -> None:
    # A worker's cancellation was once lost below it (a ValueError replaced it in the
    # throttle); the worker then reported "a user failed" to a queue nobody reads
    # any more, full, and stop() waited for it forever (exports hung on SIGTERM).
    started = asyncio.Event()
    sessions = FakeSessions({"busy": [[n] for n in range(200)]})
    walks = {"stuck": SwallowingWalk(started)}

    def walk_user(user_id: str) -> FakeWalk:
        return walks.get(user_id) or sessions._walk_user(user_id)

    many = ManySessions(
        cast("WalkUser", walk_user), ["stuck", "busy"], users_in_flight=2, on_user_done=None
    )
    pages = many.pages()
    await anext(pages)  # one page read; "busy" then fills the queue and waits on it
    async with asyncio.timeout(10):  # a hang guard: stop returns at once or never
        await started.wait()
        while not many._run._queue.full():
            await asyncio.sleep(0)  # let "busy" run (a step of the loop, not a delay)
        await many.aclose()
    assert many.users_done == 0
