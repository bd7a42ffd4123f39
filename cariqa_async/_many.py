"""Walking a per-user list of many users at once: bounded, fair, failure-tolerant.

It knows nothing of which list: it is given ``walk_user(user_id)``, a function
returning that user's walk a page at a time (``PageWalk`` with ``batched=True``),
so any per-user list (sessions, debts, invoices) can be walked for many users.

``users_in_flight`` worker tasks each take the next user from the source, walk that
user's list and put the pages on a bounded queue the consumer reads. Every
message a worker sends is put with ``await``: the queue's bound is backpressure,
never an error. The end of the work is one ``_END`` message per worker, so the
consumer knows it is done without the queue ever having room to spare.

Who stops the workers: the consumer reaching the end or an error (it cancels and
awaits them), :meth:`ManySessions.aclose` / ``async with``, cancelling the
consumer, and dropping an iterator that was started (``break``), whose
finalizer cancels them at once. The shared state (:class:`_Run`) never refers to
the iterators, so dropping an iterator runs its finalizer immediately.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
)
from typing import Any, Final, Generic, TypeVar, cast

from . import _options
from ._pagination import PageWalk
from .errors import (
    AuthenticationError,
    CariqaError,
    ClientClosedError,
    InvalidArgumentError,
    PermissionDeniedError,
)

T = TypeVar("T")

#: ``walk_user(user_id)``: that user's walk, yielding a list (a page) at a time.
WalkUser = Callable[[str], PageWalk[list[Any]]]

#: ``on_user_done(user_id, items_yielded)``; may be a coroutine function.
UserDone = Callable[[str, int], Awaitable[None] | None]

#: ``on_user_failed(user_id, error)``; an exception it raises ends the iteration.
UserFailed = Callable[[str, Exception], None]

#: Pages (not sessions) buffered between the user walks and the consumer.
_QUEUE_PAGES: Final = 64

#: Errors no other user would fare better with: they end the whole iteration.
_FATAL: Final = (AuthenticationError, PermissionDeniedError, ClientClosedError)


class _Fatal:
    """An error that ends the whole iteration, not just one user's walk."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


_DONE: Final = object()  # a user's walk completed; the count follows in the message
_END: Final = object()  # a worker found the source exhausted and stopped
_WAKE: Final = object()  # the run was stopped from outside: wake a waiting consumer
_NO_USER: Final = object()


class ManySessions(Generic[T]):
    """``(user_id, item)`` for every item of many users' lists; see ``iter_many``.

    Iterate it once, with ``async for`` or :meth:`pages`. Leaving the loop early
    (``break``, an exception), cancelling the consuming task, :meth:`aclose` or
    leaving ``async with`` stops every user's walk and its requests.

    Accounting: once the iteration has ended, at the end of the users or by
    raising an error, every user taken from ``user_ids`` was either completed or
    failed: ``users_done + len(failures) == users_started``. A fatal error (a
    refused token, a closed client) is raised to the consumer and every user that
    was started and had not completed is in ``failures`` with it. Stopping early
    on purpose (``break``, ``aclose``, cancelling) abandons the users in progress:
    they are in neither.

    Attributes:
        failures: user id -> the error that made that user's walk fail. Filled in
            as the walk goes; complete once iteration ends.
        users_done: users whose every session was yielded.
        users_started: users taken from ``user_ids`` so far (duplicates not
            counted).
    """

    __slots__ = ("_run",)

    def __init__(
        self,
        walk_user: WalkUser,
        user_ids: Iterable[str] | AsyncIterable[str],
        *,
        users_in_flight: int,
        on_user_done: UserDone | None,
        on_user_failed: UserFailed | None = None,
    ) -> None:
        _options.count("users_in_flight", users_in_flight, error=InvalidArgumentError)
        self._run = _Run(walk_user, user_ids, users_in_flight, on_user_done, on_user_failed)

    @property
    def failures(self) -> dict[str, Exception]:
        """User id -> the error that made that user's walk fail."""
        return self._run.failures

    @property
    def users_done(self) -> int:
        """Users whose every session was yielded."""
        return self._run.users_done

    @property
    def users_started(self) -> int:
        """Users taken from the source so far (each distinct id once)."""
        return self._run.users_started

    def __aiter__(self) -> AsyncIterator[tuple[str, T]]:
        return _Items(self._run)

    def pages(self) -> AsyncIterator[tuple[str, list[Any]]]:
        """``(user_id, sessions)`` a page at a time: for bulk consumers.

        Like ``async for`` over the sessions: dropping this iterator once it was
        started (``break``), or its ``aclose()``, stops the whole iteration.
        """
        return _Pages(self._run)

    async def aclose(self) -> None:
        """Stop: cancel every user's walk and wait for them and their requests. Idempotent."""
        await self._run.stop()

    async def __aenter__(self) -> ManySessions[T]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class _Pages:
    """An iterator over the run's pages; dropping it once started stops the run."""

    __slots__ = ("_run", "_started")

    def __init__(self, run: _Run) -> None:
        self._run = run
        self._started = False

    def __aiter__(self) -> _Pages:
        return self

    def __anext__(self) -> Awaitable[tuple[str, list[Any]]]:
        self._started = True
        return self._run.next_page()

    async def aclose(self) -> None:
        """Stop the whole iteration and wait for it, as ``ManySessions.aclose()``."""
        await self._run.stop()

    def __del__(self) -> None:
        if self._started:
            self._run.cancel()


class _Items(Generic[T]):
    """An iterator over the run's items; dropping it once started stops the run."""

    __slots__ = ("_rest", "_run", "_started", "_user_id")

    def __init__(self, run: _Run) -> None:
        self._run = run
        self._started = False
        self._user_id = ""
        self._rest: Iterator[T] = iter(())

    def __aiter__(self) -> _Items[T]:
        return self

    async def __anext__(self) -> tuple[str, T]:
        self._started = True
        item = next(self._rest, None)  # models and records are never None
        if item is not None:
            return self._user_id, item
        self._user_id, page = await self._run.next_page()
        self._rest = iter(page)
        return self._user_id, next(self._rest)  # pages on the queue are never empty

    async def aclose(self) -> None:
        """Stop the whole iteration and wait for it, as ``ManySessions.aclose()``."""
        await self._run.stop()

    def __del__(self) -> None:
        if self._started:
            self._run.cancel()


class _Run:
    """The state of one ``iter_many``: source, workers, queue and accounting."""

    def __init__(
        self,
        walk_user: WalkUser,
        user_ids: Iterable[str] | AsyncIterable[str],
        users_in_flight: int,
        on_user_done: UserDone | None,
        on_user_failed: UserFailed | None = None,
    ) -> None:
        self.failures: dict[str, Exception] = {}
        self.users_done = 0
        self.users_started = 0
        self._walk_user = walk_user
        self._source = user_ids
        self._users_in_flight = users_in_flight
        self._on_user_done = on_user_done
        self._on_user_failed = on_user_failed
        # A bounded queue of pages between the user walks and the consumer:
        # backpressure keeps memory flat, and each walk's small read-ahead keeps
        # one huge user from crowding the others out of the client's (first come,
        # first served) cap.
        self._queue: asyncio.Queue[tuple[str, Any, int]] = asyncio.Queue(_QUEUE_PAGES)
        self._workers: list[asyncio.Task[None]] = []
        self._ended = 0  # workers that sent _END
        self._stopped = False
        # Users handed to a worker whose outcome the consumer has not seen yet.
        self._open: dict[str, None] = {}
        self._seen: set[str] = set()
        self._lock = asyncio.Lock()  # an async iterator must not be advanced concurrently
        self._sync_users: Iterator[str] | None = None
        self._async_users: AsyncIterator[str] | None = None
        self._exhausted = False

    # --- the consumer's side ----------------------------------------------------

    async def next_page(self) -> tuple[str, list[Any]]:
        """The next page of sessions, handling the workers' other messages on the way.

        Raises:
            StopAsyncIteration: every user was handled, or the run was stopped.
            AuthenticationError, PermissionDeniedError, ClientClosedError: fatal;
                every unfinished user is then in ``failures``.
        """
        if self._stopped:
            raise StopAsyncIteration
        if not self._workers:
            self._start()
        queue = self._queue
        try:
            while True:
                user_id, payload, count = await queue.get()
                if type(payload) is list:
                    return user_id, payload
                if payload is _DONE:
                    del self._open[user_id]
                    self.users_done += 1
                    if self._on_user_done is not None:
                        result = self._on_user_done(user_id, count)
                        if inspect.isawaitable(result):
                            await result
                elif payload is _END:
                    self._ended += 1
                    if self._ended == len(self._workers):
                        await self.stop()
                        raise StopAsyncIteration
                elif payload is _WAKE:
                    raise StopAsyncIteration
                elif isinstance(payload, _Fatal):
                    raise payload.error
                else:
                    del self._open[user_id]
                    self.failures[user_id] = payload
                    if self._on_user_failed is not None:
                        # Raising here ends the run like a fatal error (see below).
                        self._on_user_failed(user_id, payload)
                if self._stopped:  # stopped from outside while the hook ran
                    raise StopAsyncIteration
        except StopAsyncIteration:
            raise
        except Exception as exc:
            await self.stop(exc)
            raise
        except BaseException:
            # Cancelled (or interrupted): take the workers down with us, and let
            # the CancelledError propagate unchanged.
            await self.stop()
            raise

    def cancel(self) -> None:
        """Cancel every worker now, without waiting: safe in a finalizer."""
        if self._stopped:
            return
        self._stopped = True
        # A consumer may be waiting on an empty queue (another iterator, or the
        # task that is about to call aclose()); with the queue empty, this put
        # cannot fail for want of room.
        with contextlib.suppress(RuntimeError):  # the loop may already be closed
            if self._queue.empty():
                self._queue.put_nowait(("", _WAKE, 0))
            for task in self._workers:
                task.cancel()

    async def stop(self, error: Exception | None = None) -> None:
        """Cancel every worker and wait for it (and so its requests) to finish.

        With ``error`` (the iteration ends by raising it), every user that was
        started and had not completed is recorded in ``failures``.
        """
        self.cancel()
        if error is not None:
            self._account(error)
        workers = [task for task in self._workers if not task.done()]
        if workers:
            await asyncio.wait(workers)
        for task in self._workers:
            # Retrieve outcomes so no "exception was never retrieved" is logged.
            if task.done() and not task.cancelled():
                task.exception()
        if not self._exhausted and self._async_users is not None:
            self._exhausted = True
            close = getattr(self._async_users, "aclose", None)
            if close is not None:
                # An async generator source (e.g. a users walk) is closed now,
                # with its requests, rather than whenever it is collected.
                await close()

    def _account(self, error: Exception) -> None:
        # Messages still queued may hold a user's own failure; everything else
        # that was started and not seen completing failed with ``error``.
        while not self._queue.empty():
            user_id, payload, _ = self._queue.get_nowait()
            if isinstance(payload, Exception) and user_id in self._open:
                del self._open[user_id]
                self.failures[user_id] = payload
        for user_id in self._open:
            self.failures[user_id] = error
        self._open.clear()

    # --- the workers' side ------------------------------------------------------

    def _start(self) -> None:
        source = self._source
        if isinstance(source, AsyncIterable):
            self._async_users = aiter(source)
        else:
            self._sync_users = iter(source)
        self._workers = [
            asyncio.ensure_future(self._worker()) for _ in range(self._users_in_flight)
        ]

    async def _worker(self) -> None:
        send = self._send
        try:
            while not self._stopped and (user_id := await self._next_user()) is not None:
                count = 0
                try:
                    walk = self._walk_user(user_id)
                    async with walk:
                        async for page in walk:
                            if page:
                                if not await send((user_id, page, 0)):
                                    return
                                count += len(page)
                except _FATAL as exc:
                    # A refused token or a closed client: no other user will fare better.
                    await send(("", _Fatal(exc), 0))
                    return
                except (CariqaError, ValueError) as exc:
                    if not await send((user_id, exc, 0)):
                        return
                    continue
                if not await send((user_id, _DONE, count)):
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # The source failed, or a bug: end the iteration loudly rather than
            # let a worker vanish and the iteration end short.
            await send(("", _Fatal(exc), 0))
            return
        await send(("", _END, 0))

    async def _send(self, message: tuple[str, Any, int]) -> bool:
        """Queue ``message`` for the consumer; False once the run is stopped.

        A stopped run's queue is read by nobody: a worker that got that far only
        because its cancellation was lost below it (it once was) must not wait
        on a full queue forever, and ``stop()`` with it.
        """
        if self._stopped:
            return False
        await self._queue.put(message)
        return True

    async def _next_user(self) -> str | None:
        """Hand out each distinct user id once, to whichever worker asks next."""
        async with self._lock:
            while not self._exhausted:
                user_id: object
                if self._sync_users is not None:
                    user_id = next(self._sync_users, _NO_USER)
                else:
                    assert self._async_users is not None
                    user_id = await anext(self._async_users, _NO_USER)
                if user_id is _NO_USER:
                    self._exhausted = True
                    break
                if user_id not in self._seen:
                    # Not checked here: a bad id fails its own walk (in ``failures``).
                    user = cast("str", user_id)
                    self._seen.add(user)
                    self._open[user] = None
                    self.users_started += 1
                    return user
            return None
