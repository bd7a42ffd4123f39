"""Walking the sessions of many users at once: bounded, fair, failure-tolerant."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
)
from typing import TYPE_CHECKING, Any

from .errors import AuthenticationError, CariqaError, PermissionDeniedError
from .models import ChargingSession

if TYPE_CHECKING:
    from .resources import ChargingSessions

#: ``on_user_done(user_id, sessions_yielded)``; may be a coroutine function.
UserDone = Callable[[str, int], Awaitable[None] | None]

#: Pages (not sessions) buffered between the user walks and the consumer.
_QUEUE_PAGES = 64


class _Fatal:
    """An error that ends the whole walk (a bad token), not just one user's."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


_DONE = object()  # a user's walk completed; the count follows in the event


class ManySessions:
    """``(user_id, session)`` for every session of many users; see ``iter_many``.

    Attributes:
        failures: user id -> the error that made that user's walk fail. Filled in
            as the walk goes; complete once iteration ends.
        users_done: users whose every session was yielded.
    """

    def __init__(
        self,
        sessions: ChargingSessions,
        user_ids: Iterable[str] | AsyncIterable[str],
        *,
        users_in_flight: int,
        page_size: int,
        window: int,
        on_user_done: UserDone | None,
        records: bool = False,
    ) -> None:
        if users_in_flight < 1:
            raise ValueError(f"users_in_flight must be at least 1, got {users_in_flight}")
        self.failures: dict[str, Exception] = {}
        self.users_done = 0
        self._pages = self._run(
            sessions, user_ids, users_in_flight, page_size, window, on_user_done, records
        )
        self._items = self._flatten()

    def __aiter__(self) -> ManySessions:
        return self

    def __anext__(self) -> Awaitable[tuple[str, ChargingSession]]:
        return self._items.__anext__()

    def pages(self) -> AsyncIterator[tuple[str, list[Any]]]:
        """``(user_id, sessions)`` a page at a time: for bulk consumers."""
        return self._pages

    async def aclose(self) -> None:
        """Stop: cancel every user's walk and wait for them."""
        await self._items.aclose()
        await self._pages.aclose()

    async def __aenter__(self) -> ManySessions:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _flatten(self) -> AsyncGenerator[tuple[str, ChargingSession], None]:
        async for user_id, page in self._pages:
            for session in page:
                yield user_id, session

    async def _run(
        self,
        sessions: ChargingSessions,
        user_ids: Iterable[str] | AsyncIterable[str],
        users_in_flight: int,
        page_size: int,
        window: int,
        on_user_done: UserDone | None,
        records: bool,
    ) -> AsyncGenerator[tuple[str, list[Any]], None]:
        # A bounded queue of pages between the user walks and the consumer:
        # backpressure keeps memory flat, and each walk's small read-ahead keeps
        # one huge user from crowding the others out of the client's (first come,
        # first served) cap.
        queue: asyncio.Queue[tuple[str, Any, int]] = asyncio.Queue(_QUEUE_PAGES)
        next_user = _user_source(user_ids)
        finished = 0

        async def worker() -> None:
            nonlocal finished
            try:
                while (user_id := await next_user()) is not None:
                    count = 0
                    try:
                        walk = sessions._walk_user(
                            user_id, page_size=page_size, window=window, records=records
                        )
                        async with walk:
                            async for page in walk:
                                if page:
                                    await queue.put((user_id, page, 0))
                                    count += len(page)
                    except (AuthenticationError, PermissionDeniedError) as exc:
                        # The token is bad: no other user will fare better.
                        await queue.put(("", _Fatal(exc), 0))
                        return
                    except (CariqaError, ValueError) as exc:
                        await queue.put((user_id, exc, 0))
                        continue
                    await queue.put((user_id, _DONE, count))
            finally:
                finished += 1
                if finished == users_in_flight:
                    queue.put_nowait(("", None, 0))  # may exceed maxsize by one: never blocks

        workers = [asyncio.ensure_future(worker()) for _ in range(users_in_flight)]
        try:
            while True:
                user_id, payload, count = await queue.get()
                if type(payload) is list:
                    yield user_id, payload
                elif payload is _DONE:
                    self.users_done += 1
                    if on_user_done is not None:
                        result = on_user_done(user_id, count)
                        if inspect.isawaitable(result):
                            await result
                elif isinstance(payload, _Fatal):
                    raise payload.error
                elif isinstance(payload, Exception):
                    self.failures[user_id] = payload
                else:
                    break
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)


def _user_source(
    user_ids: Iterable[str] | AsyncIterable[str],
) -> Callable[[], Awaitable[str | None]]:
    """Hand out each distinct user id once, to whichever worker asks next."""
    iterator = aiter(user_ids if isinstance(user_ids, AsyncIterable) else _as_async(user_ids))
    seen: set[str] = set()
    lock = asyncio.Lock()

    async def next_user() -> str | None:
        async with lock:  # an async iterator must not be advanced concurrently
            async for user_id in iterator:
                if user_id not in seen:
                    seen.add(user_id)
                    return user_id
            return None

    return next_user


async def _as_async(items: Iterable[str]) -> AsyncIterator[str]:
    for item in items:
        yield item
