"""One generic walker for every Django REST Framework page-number list.

The walk (see :func:`walk`):

1. Fetch page 1 with the requested ``page_size``. If ``next`` is null, done.
2. The effective page size is ``len(page1.results)``: DRF silently caps
   ``page_size``, so the requested size is never trusted.
3. Pages ``2..ceil(count/size)`` are fetched concurrently: at most ``2 * window``
   pages requested or landed ahead of the consumer (memory stays bounded), on the
   wire as the client's concurrency cap allows, and yielded in server order
   (``ordered=True``) or as they land.
4. Every page carries ``count``. If a page disagrees with page 1, is missing
   (``404 Invalid page.`` past a shrunken end) or has the wrong length, rows moved
   during the pass: the walk yields what it has (deduplicated by id) and walks
   again, until a pass whose pages all agree, at most ``max_passes`` times.

Pages are fetched as raw JSON by the caller's ``fetch`` and only structured into
models by ``structure`` when the consumer reaches them, so parsing overlaps the
network wait of the pages still in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import warnings
from collections import deque
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Hashable,
    Iterable,
)
from contextlib import aclosing
from typing import Any, Final, Generic, Literal, TypeVar

import attrs

from .errors import (
    InconsistentPaginationError,
    InconsistentPaginationWarning,
    InvalidPageError,
    PaginationError,
)

T = TypeVar("T")

logger: Final = logging.getLogger("cariqa_async")

OnInconsistent = Literal["raise", "warn"]


@attrs.frozen(slots=True)
class RawPage:
    """A page as decoded JSON: ``results`` still holds plain dicts."""

    number: int
    count: int
    results: list[dict[str, Any]]
    has_next: bool


#: ``fetch(page_number, page_size)`` returns the raw page or raises.
Fetch = Callable[[int, int], Awaitable[RawPage]]


@attrs.frozen(slots=True)
class WalkOptions:
    """How one list walk behaves.

    Attributes:
        page_size: the ``page_size`` asked of the server (it may cap it).
        window: sizes the read-ahead: at most ``2 * window`` pages requested or
            landed ahead of the consumer.
        ordered: yield in server order; otherwise pages as they land.
        max_passes: how many times the list may be walked while it keeps changing.
        on_inconsistent: after ``max_passes`` unsettled passes, ``"raise"``
            :class:`InconsistentPaginationError` or ``"warn"`` and stop.
    """

    page_size: int = attrs.field(default=100, validator=attrs.validators.gt(0))
    window: int = attrs.field(default=8, validator=attrs.validators.gt(0))
    ordered: bool = True
    max_passes: int = attrs.field(default=3, validator=attrs.validators.gt(0))
    on_inconsistent: OnInconsistent = attrs.field(
        default="raise", validator=attrs.validators.in_(("raise", "warn"))
    )


def page_count(count: int, page_size: int) -> int:
    """Number of pages holding ``count`` items at ``page_size`` per page (at least 1)."""
    return max(1, math.ceil(count / page_size))


def expected_length(number: int, count: int, page_size: int) -> int:
    """How many items page ``number`` holds if the list has ``count`` items."""
    return max(0, min(page_size, count - (number - 1) * page_size))


class _Pass:
    """Bookkeeping of one pass: does every page agree with page 1?"""

    __slots__ = ("count", "page_size", "settled")

    def __init__(self, first: RawPage) -> None:
        self.count = first.count
        self.page_size = len(first.results)
        self.settled = True

    def check(self, page: RawPage | None, number: int) -> None:
        if (
            page is None
            or page.count != self.count
            or len(page.results) != expected_length(number, self.count, self.page_size)
        ):
            self.settled = False


class _FanOut:
    """Pages ``numbers``, at most ``2 * window`` of them started but not yet handed out.

    Which of them are on the wire is the client's throttle's business (its
    ``concurrency``): the surplus waits in the throttle's queue and takes a slot the
    moment one frees, without waiting for the consumer, who may be busy turning a
    burst of landed pages into models. Memory stays bounded by ``2 * window`` pages.
    """

    def __init__(
        self,
        fetch: Fetch,
        numbers: range,
        page_size: int,
        *,
        window: int,
        ordered: bool,
        tasks: set[asyncio.Task[RawPage | None]],
    ) -> None:
        self._fetch = fetch
        self._pending = iter(numbers)
        self._page_size = page_size
        self._ahead = 2 * window
        self._ordered = ordered
        self._tasks = tasks  # shared with the walk, which cancels them on exit
        self._queue: deque[asyncio.Task[RawPage | None]] = deque()  # not yet handed out
        self._numbers: dict[asyncio.Task[RawPage | None], int] = {}
        self._start_more()

    def _start_more(self) -> None:
        while len(self._queue) < self._ahead:
            number = next(self._pending, None)
            if number is None:
                return
            task = asyncio.ensure_future(self._fetch_or_none(number))
            self._tasks.add(task)
            self._numbers[task] = number
            self._queue.append(task)

    async def _fetch_or_none(self, number: int) -> RawPage | None:
        try:
            return await self._fetch(number, self._page_size)
        except InvalidPageError:
            # The list shrank below this page since page 1 was read.
            return None

    async def __aiter__(self) -> AsyncGenerator[tuple[int, RawPage | None], None]:
        while self._queue:
            if self._ordered:
                task = self._queue[0]
                while not task.done():
                    done, _ = await asyncio.wait(self._queue, return_when=asyncio.FIRST_COMPLETED)
                    _raise_first_failure(done)  # fail fast, not when the head lands
            else:
                done, _ = await asyncio.wait(self._queue, return_when=asyncio.FIRST_COMPLETED)
                task = min(done, key=self._numbers.__getitem__)
            self._queue.remove(task)
            self._start_more()  # a buffer slot was freed
            self._tasks.discard(task)
            number = self._numbers.pop(task)
            yield number, task.result()


def _raise_first_failure(done: Iterable[asyncio.Task[RawPage | None]]) -> None:
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


class _WalkState:
    """What the walk generator and its iterator share; it never references the iterator,
    so dropping the iterator runs its ``__del__`` at once."""

    __slots__ = ("passes", "tasks")

    def __init__(self) -> None:
        self.passes = 0
        self.tasks: set[asyncio.Task[RawPage | None]] = set()

    def cancel(self) -> None:
        for task in self.tasks:
            task.cancel()

    async def drain(self) -> None:
        tasks, self.tasks = self.tasks, set()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        for task in tasks:
            # Retrieve outcomes so no "exception was never retrieved" is logged.
            if not task.cancelled():
                task.exception()


class PageWalk(Generic[T]):
    """An async iterator over every item of a list; also an async context manager.

    Leaving ``async with`` or calling :meth:`aclose` cancels the page requests still
    in flight and waits for them. Dropping the iterator (``break`` out of
    ``async for``) cancels them at once, without waiting for garbage collection.
    With ``batched=True`` it yields each page's new items as one list instead
    (for bulk consumers: one step per page, not per item).
    """

    def __init__(
        self,
        fetch: Fetch,
        structure: Callable[[list[dict[str, Any]], int], Iterable[T]],
        key: Callable[[T], Hashable],
        options: WalkOptions,
        *,
        path: str,
        batched: bool = False,
    ) -> None:
        self._state = _WalkState()
        self._iterator = _walk(self._state, fetch, structure, key, options, path, batched)

    @property
    def passes(self) -> int:
        """Passes made so far; more than 1 means the list changed during the walk."""
        return self._state.passes

    def __aiter__(self) -> PageWalk[T]:
        return self

    def __anext__(self) -> Awaitable[T]:
        # The generator's own awaitable, not a coroutine around it: one layer less
        # per item on the hot path.
        return self._iterator.__anext__()

    async def aclose(self) -> None:
        """Stop the walk, cancel in-flight requests and wait for them to finish."""
        await self._iterator.aclose()
        await self._state.drain()

    async def __aenter__(self) -> PageWalk[T]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        # `break` in `async for` drops the iterator without closing it: cancel the
        # requests now rather than when the generator is finalized.
        with contextlib.suppress(RuntimeError):  # the loop may already be closed
            self._state.cancel()


async def _walk(
    state: _WalkState,
    fetch: Fetch,
    structure: Callable[[list[dict[str, Any]], int], Iterable[T]],
    key: Callable[[T], Hashable],
    options: WalkOptions,
    path: str,
    batched: bool,
) -> AsyncGenerator[Any, None]:
    seen: set[Hashable] = set()

    def fresh(page: RawPage) -> list[T]:
        # Structure the whole page (so error paths index the page as sent), then
        # drop what an earlier page or pass already yielded.
        items = []
        for item in structure(page.results, page.number):
            ident = key(item)
            if ident not in seen:
                seen.add(ident)
                items.append(item)
        return items

    try:
        while True:
            state.passes += 1
            first = await fetch(1, options.page_size)
            check = _Pass(first)
            fan_out = None
            if first.has_next:
                if check.page_size == 0:
                    raise PaginationError(f"{path}: page 1 is empty but announces a next page")
                last = page_count(first.count, check.page_size)
                fan_out = _FanOut(
                    fetch,
                    range(2, last + 1),
                    check.page_size,
                    window=options.window,
                    ordered=options.ordered,
                    tasks=state.tasks,
                )
                # Let the requests of pages 2.. leave before page 1 is turned into models.
                await asyncio.sleep(0)
            items = fresh(first)
            if batched:
                yield items
            else:
                for item in items:
                    yield item
            if fan_out is not None:
                async with aclosing(fan_out.__aiter__()) as pages:
                    async for number, page in pages:
                        check.check(page, number)
                        if page is None:
                            continue
                        items = fresh(page)
                        if batched:
                            yield items
                        else:
                            for item in items:
                                yield item
            if check.settled:
                return
            logger.info("list %s changed during pass %d; walking again", path, state.passes)
            if state.passes >= options.max_passes:
                _give_up(path, state.passes, options.on_inconsistent)
                return
    finally:
        await state.drain()


def _give_up(path: str, passes: int, on_inconsistent: OnInconsistent) -> None:
    message = (
        f"{path}: the list changed during each of {passes} passes; "
        "items that existed throughout may be missing"
    )
    if on_inconsistent == "raise":
        raise InconsistentPaginationError(message, path=path, passes=passes)
    warnings.warn(message, InconsistentPaginationWarning, stacklevel=2)
