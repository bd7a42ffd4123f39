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
   (``404 Invalid page.`` past a shrunken end), has the wrong length or ``next``
   link, or repeats an id already seen in this pass, rows moved during the pass:
   the walk yields what it has (deduplicated by id) and walks again, until a pass
   whose pages all agree, at most ``max_passes`` times. With ``verify``, until
   two consecutive passes also saw the same set of ids.
5. ``count`` only plans the pass. The first missing or short page ends it and
   cancels the requests past it; the next pass goes one page past that end before
   trusting ``count`` again. A ``next`` link past the planned end is followed.
   So a lying ``count`` costs at most the read-ahead per pass, never a runaway.

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
    Mapping,
)
from contextlib import aclosing
from typing import Any, Final, Generic, Literal, TypedDict, TypeVar

import attrs

from . import _options
from ._converter import Structurer, shown
from .errors import (
    InconsistentPaginationError,
    InconsistentPaginationWarning,
    InvalidArgumentError,
    InvalidPageError,
    PaginationError,
)
from .models import Invoice, InvoicePage, Page

T = TypeVar("T")

logger: Final = logging.getLogger("cariqa_async")

OnInconsistent = Literal["raise", "warn"]


class WalkArgs(TypedDict, total=False):
    """The options every ``iter()`` takes (see :class:`WalkOptions` and the guide).

    Attributes:
        page_size: asked of the server per page (it may cap it; that is fine).
        concurrency: pages in flight or buffered ahead of the consumer (default:
            the client's ``concurrency``).
        ordered: ``True`` (default) yields in server order; ``False`` yields
            pages as they arrive, which can be faster.
        max_passes, on_inconsistent: override the client's defaults.
        verify: walk until two consecutive passes saw the same items.
    """

    page_size: int
    concurrency: int | None
    ordered: bool
    max_passes: int | None
    on_inconsistent: OnInconsistent | None
    verify: bool


#: The query parameters of DRF's page-number pagination.
PAGE: Final = "page"
PAGE_SIZE: Final = "page_size"
_ENVELOPE: Final = frozenset({"count", "next", "previous", "results"})

#: ``on_error(field_path, message)`` builds the exception for a malformed page.
OnError = Callable[[str, str], Exception]


@attrs.frozen(slots=True)
class RawPage:
    """A page as decoded JSON: ``results`` still holds plain dicts.

    Attributes:
        count: the list's total, or ``None`` when the format tells none (the docs'
            invoices envelope): then the walk follows ``has_next`` a page at a time.
        where: the path and query of the request that fetched this page, as sent
            (with the page size actually asked for), for errors about its items.
        status: the HTTP status it came with.
        items_at: the name of the items' field, for error paths (``results[3].x``).
        extra: fields of the page beyond the DRF envelope (a format's own).
    """

    number: int
    count: int | None
    results: list[dict[str, Any]]
    has_next: bool
    next: str | None = None
    previous: str | None = None
    where: str = ""
    status: int = 200
    items_at: str = "results"
    extra: Mapping[str, Any] = attrs.field(factory=dict)


#: ``fetch(page_number, page_size)`` returns the raw page or raises.
Fetch = Callable[[int, int], Awaitable[RawPage]]


def page_params(page: int, page_size: int | None) -> dict[str, object]:
    """The query asking for page ``page`` of ``page_size`` items (server default: None).

    Raises:
        InvalidArgumentError: ``page`` below 1, or ``page_size`` below 1.
    """
    _options.count("page", page, error=InvalidArgumentError)
    if page_size is not None:
        _options.count("page_size", page_size, error=InvalidArgumentError)
    return {PAGE: page, PAGE_SIZE: page_size}


def read_page(
    data: Any, number: int, *, where: str, status: int, strict: bool, on_error: OnError
) -> RawPage:
    """Check a DRF page envelope ``{count, next, previous, results}``.

    Raises:
        the exception ``on_error(field, message)`` builds: not an object, a
        ``count`` that is not a non-negative integer, ``results`` not a list, a
        link neither text nor null, or (``strict``) an unknown field.
    """
    if not isinstance(data, Mapping):
        raise on_error("", f"expected a page object, got {shown(data)}")
    count, results = data.get("count"), data.get("results")
    if type(count) is not int or count < 0:
        raise on_error("count", f"expected a non-negative integer, got {shown(count)}")
    if not isinstance(results, list):
        raise on_error("results", f"expected a list, got {shown(results)}")
    next_link, previous = data.get("next"), data.get("previous")
    for name, link in (("next", next_link), ("previous", previous)):
        if link is not None and type(link) is not str:
            raise on_error(name, f"expected a URL or null, got {shown(link)}")
    if strict and not _ENVELOPE.issuperset(data):
        extra = ", ".join(sorted(set(data) - _ENVELOPE))
        raise on_error("", f"unknown field(s): {extra}")
    return RawPage(
        number, count, results, next_link is not None, next_link, previous, where, status
    )


def structure_page(
    structurer: Structurer,
    data: Any,
    model: type[T],
    *,
    on_error: OnError,
    where: str = "",
    status: int = 200,
) -> Page[T]:
    """A DRF page body as a :class:`Page` of models: what ``list()`` returns.

    Raises:
        the exception ``on_error(field, message)`` builds, for the envelope or an item.
    """
    raw = read_page(
        data, 0, where=where, status=status, strict=structurer.strict, on_error=on_error
    )
    items = structurer.many(raw.results, model, on_error)
    assert raw.count is not None  # a DRF page always has one
    return Page(raw.count, raw.next, raw.previous, tuple(items))


# --- invoices: the docs' envelope or the spec's page ------------------------

_DOCS_KEYS: Final = frozenset(
    {"size", "next_page_id", "prev_page_id", "previous_page_id", "data", "view_link"}
)


def read_invoice_page(
    data: Any, number: int, *, where: str, status: int, strict: bool, on_error: OnError
) -> RawPage:
    """Check an invoices body of either known shape (see :func:`invoice_page`).

    The spec's DRF page reads as :func:`read_page` does; the docs' envelope
    ``{size, next_page_id, prev_page_id, data}`` has no count, so its page has
    ``count=None`` and ``has_next`` from ``next_page_id``.

    Raises:
        the exception ``on_error(field, message)`` builds.
    """
    if not isinstance(data, Mapping):
        raise on_error("", f"expected an invoice page object, got {shown(data)}")
    if "results" in data or "count" in data:
        return read_page(data, number, where=where, status=status, strict=strict, on_error=on_error)
    if "data" not in data:
        raise on_error(
            "",
            "expected an invoice page: {count, next, previous, results} "
            f"or {{size, next_page_id, prev_page_id, data}}, got keys {sorted(data)}",
        )
    items = data["data"]
    if type(items) is not list:
        raise on_error("data", f"expected a list, got {shown(items)}")
    size = data.get("size")
    if size is not None and (type(size) is not int or size < 0):
        raise on_error("size", f"expected a non-negative integer or null, got {shown(size)}")
    prev_key = "previous_page_id" if "previous_page_id" in data else "prev_page_id"
    next_id = _page_id(data, "next_page_id", on_error)
    prev_id = _page_id(data, prev_key, on_error)
    view_link = data.get("view_link")
    if view_link is not None and type(view_link) is not str:
        raise on_error("view_link", f"expected a URL or null, got {shown(view_link)}")
    if strict:
        extra = set(data) - _DOCS_KEYS
        if extra:
            raise on_error("", f"unknown field(s): {', '.join(sorted(extra))}")
        missing = {"size", "next_page_id", prev_key}.difference(data)
        if missing:
            raise on_error("", f"missing field(s): {', '.join(sorted(missing))}")
    fields = {"size": size, "next_page_id": next_id, "prev_page_id": prev_id}
    return RawPage(
        number,
        None,
        items,
        next_id is not None,
        where=where,
        status=status,
        items_at="data",
        extra={**fields, "view_link": view_link},
    )


def invoice_page(
    structurer: Structurer,
    data: Any,
    model: type[Invoice],
    *,
    on_error: OnError,
    where: str = "",
    status: int = 200,
) -> InvoicePage:
    """Structure an invoices response of either known shape into an :class:`InvoicePage`.

    A body with ``results`` (or ``count``) is read as the spec's DRF page, one with
    ``data`` as the docs' envelope. In the docs' shape the page ids may come as
    text or as integers (kept as text) and ``prev_page_id`` may be spelled
    ``previous_page_id``. In strict mode unknown fields are refused and the docs'
    shape must carry ``size``, ``next_page_id`` and a previous-page id.

    Raises:
        Whatever ``on_error(field_path, message)`` returns, for a body of neither
        shape or a wrong value; invoice errors name ``results[i].field`` or
        ``data[i].field``.
    """
    raw = read_invoice_page(
        data, 0, where=where, status=status, strict=structurer.strict, on_error=on_error
    )
    results = tuple(structurer.many(raw.results, model, on_error, where=raw.items_at))
    return InvoicePage(results, raw.count, raw.next, raw.previous, **raw.extra)


@attrs.frozen(slots=True)
class PageFormat:
    """How a paginated operation's body reads: as a raw page for the walk, and as
    the page ``list()`` returns."""

    read: Callable[..., RawPage]
    build: Callable[..., Any]


#: Django REST Framework's page-number pages: every list but one.
DRF: Final = PageFormat(read_page, structure_page)
#: The invoices list: the spec's DRF page or the docs' envelope.
INVOICES: Final = PageFormat(read_invoice_page, invoice_page)


def _page_id(data: Mapping[str, Any], key: str, on_error: OnError) -> str | None:
    value = data.get(key)
    if value is None or type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    raise on_error(key, f"expected an id (text or integer) or null, got {shown(value)}")


def _call_option(check: Callable[..., object], label: str, **options: Any) -> Any:
    # An iter() option is an argument of that call, not the client's configuration;
    # the message names it as the caller spelled it.
    return _options.validator(check, label=label, error=InvalidArgumentError, **options)


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
        verify: after a settled pass, walk again until two consecutive passes saw
            the same set of ids (needs ``max_passes >= 2``).

    Raises:
        InvalidArgumentError: an option is out of range or of the wrong type (a
            ``ValueError`` too).
    """

    page_size: int = attrs.field(default=100, validator=_call_option(_options.count, "page_size"))
    window: int = attrs.field(default=8, validator=_call_option(_options.count, "concurrency"))
    ordered: bool = attrs.field(default=True, validator=_call_option(_options.flag, "ordered"))
    max_passes: int = attrs.field(default=3, validator=_call_option(_options.count, "max_passes"))
    on_inconsistent: OnInconsistent = attrs.field(
        default="raise",
        validator=_call_option(
            _options.choice, "on_inconsistent", allowed=_options.ON_INCONSISTENT
        ),
    )
    verify: bool = attrs.field(default=False, validator=_call_option(_options.flag, "verify"))

    def __attrs_post_init__(self) -> None:
        if self.verify and self.max_passes < 2:
            raise InvalidArgumentError(
                f"verify=True compares two passes: max_passes must be at least 2, "
                f"got {self.max_passes}"
            )


def page_count(count: int, page_size: int) -> int:
    """Number of pages holding ``count`` items at ``page_size`` per page (at least 1)."""
    return max(1, math.ceil(count / page_size))


def expected_length(number: int, count: int, page_size: int) -> int:
    """How many items page ``number`` holds if the list has ``count`` items."""
    return max(0, min(page_size, count - (number - 1) * page_size))


class _Pass:
    """One pass: the pages it requests, and whether every page agreed with page 1.

    Page 1's ``count`` is a plan, not a fact: the pages themselves say where the
    list ends. A missing page (``404``), a short page or one without ``next``
    before the planned last page *caps* the pass there (``end``): no page past it
    is requested. A full page announcing ``next`` at the ``limit`` raises the limit
    (the list goes on). ``hint`` is where the previous pass found the end: this pass
    requests no further until a full page there and one more past it show that
    the list really goes on, so a count that keeps lying costs one page per pass.
    """

    __slots__ = (
        "count",
        "end",
        "follow",
        "limit",
        "page_size",
        "pages",
        "planned",
        "probe",
        "settled",
    )

    def __init__(self, first: RawPage, hint: int | None) -> None:
        self.count = first.count
        self.page_size = len(first.results)
        # Without a count, the pages' own "there is more" is the only plan: follow it.
        self.follow = first.count is None
        if first.count is None:
            self.planned = self.limit = 1
        else:
            self.planned = page_count(first.count, self.page_size) if self.page_size else 1
            self.limit = self.planned if hint is None else max(1, min(self.planned, hint))
        self.probe = self.limit < self.planned
        self.end: int | None = None
        self.settled = bool(self.page_size or not self.count)  # no rows yet a count: a lie
        self.pages = 0
        self.landed(1, first)
        self.check(first, 1)

    def landed(self, number: int, page: RawPage | None) -> None:
        """Learn from a page as soon as it lands: does the list end here or go on?"""
        if self.follow:
            if page is None:
                self._cap(number - 1)
            elif not page.has_next:
                self._cap(number)
            elif self.end is None and number >= self.limit:
                self.limit = self.planned = number + 1
            return
        if page is None:
            self._cap(number - 1)
        elif not page.has_next or len(page.results) < self.page_size:
            self._cap(number)
        elif self.end is None and number >= self.limit:
            if number >= self.planned:
                # `next` past the count's last page: the count is too small (or the
                # list grew). Follow `next` a page at a time; the pass is unsettled.
                self.limit = number + 1
            elif self.probe:
                self.limit = number + 1  # one page past the previous pass's end
                self.probe = False
            else:
                self.limit = self.planned  # the list goes on: trust the count again

    def _cap(self, last: int) -> None:
        if self.end is None or last < self.end:
            self.end = last
            self.limit = min(self.limit, last)

    def check(self, page: RawPage | None, number: int) -> None:
        """Record a page handed to the consumer; any disagreement unsettles the pass."""
        self.pages += 1
        count = self.count
        if count is None:  # following: only a missing page or a sudden count disagrees
            if page is None or page.count is not None:
                self.settled = False
            return
        if (
            page is None
            or page.count != count
            or len(page.results) != expected_length(number, count, self.page_size)
            or page.has_next != (number < self.planned)
        ):
            self.settled = False

    @property
    def complete(self) -> bool:
        """Every planned page, and only those, was read, and each agreed with page 1."""
        return self.settled and self.pages == self.planned

    @property
    def hint(self) -> int | None:
        """Where the list ended, if before the planned last page (for the next pass)."""
        return self.end if self.end is not None and self.end < self.planned else None


class _Ledger:
    """Every id yielded, with the last pass that saw it: one dict for the whole walk.

    It answers both questions the walk asks: was an id already yielded (then skip
    it), and did it show up twice *in this pass* (then rows moved between pages
    while the pass read them). Counting which ids the previous pass saw too tells
    whether two consecutive passes saw the same set, for ``verify``.
    """

    __slots__ = ("_last", "carried", "number", "previous", "repeated", "returned", "yielded")

    def __init__(self) -> None:
        self._last: dict[Hashable, int] = {}
        self.number = 0
        self.previous = 0  # distinct ids the previous pass saw
        self.yielded = self.carried = self.returned = 0
        self.repeated = False

    def start_pass(self) -> None:
        self.previous = self.yielded + self.carried + self.returned
        self.number += 1
        self.yielded = self.carried = self.returned = 0
        self.repeated = False

    def fresh(self, items: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
        """The items no earlier page or pass yielded; notes what this pass saw."""
        if not isinstance(items, list):
            items = list(items)
        ids = list(map(key, items))
        last = self._last
        if last.keys().isdisjoint(ids):
            # The common case, all new: the same bookkeeping as below, in C.
            seen = dict.fromkeys(ids, self.number)
            if len(seen) == len(ids):
                last.update(seen)
                self.yielded += len(items)
                return items
        get = last.get
        number = self.number
        fresh = []
        carried = returned = 0
        for item, ident in zip(items, ids, strict=True):
            seen_in = get(ident)
            if seen_in is None:
                fresh.append(item)
            elif seen_in == number:
                self.repeated = True
                continue
            elif seen_in == number - 1:
                carried += 1
            else:
                returned += 1
            last[ident] = number
        self.yielded += len(fresh)
        self.carried += carried
        self.returned += returned
        return fresh

    @property
    def same_as_previous(self) -> bool:
        """Whether this pass saw exactly the ids the previous pass saw."""
        return (
            self.number > 1
            and self.yielded == 0
            and self.returned == 0
            and self.carried == self.previous
        )


class _FanOut:
    """Pages ``2..``, at most ``2 * window`` of them started but not yet handed out.

    Which of them are on the wire is the client's throttle's business (its
    ``concurrency``): the surplus waits in the throttle's queue and takes a slot the
    moment one frees, without waiting for the consumer, who may be busy turning a
    burst of landed pages into models. Memory stays bounded by ``2 * window`` pages.
    Pages are started in order up to the pass's ``limit``; when a landed page caps
    the pass, the requests for pages past its end are cancelled at once, so a count
    that lies costs at most the read-ahead in requests.
    """

    def __init__(
        self,
        fetch: Fetch,
        plan: _Pass,
        *,
        window: int,
        ordered: bool,
        tasks: set[asyncio.Task[RawPage | None]],
    ) -> None:
        self._fetch = fetch
        self._plan = plan
        self._next = 2
        self._page_size = plan.page_size
        self._ahead = 2 * window
        self._ordered = ordered
        self._tasks = tasks  # shared with the walk, which cancels them on exit
        self._queue: deque[asyncio.Task[RawPage | None]] = deque()  # not yet handed out
        self._numbers: dict[asyncio.Task[RawPage | None], int] = {}
        # Woken by any page landing. One callback per task, set once: asyncio.wait
        # over the whole queue would add and remove a callback on every queued task
        # each time the consumer catches up (~8% of a CPU-bound walk).
        self._waiter: asyncio.Future[None] | None = None
        self._start_more()

    def _start_more(self) -> None:
        limit = self._plan.limit
        while len(self._queue) < self._ahead and self._next <= limit:
            number = self._next
            self._next += 1
            task = asyncio.ensure_future(self._land(number))
            task.add_done_callback(self._wake)
            self._tasks.add(task)
            self._numbers[task] = number
            self._queue.append(task)

    async def _land(self, number: int) -> RawPage | None:
        page: RawPage | None
        try:
            page = await self._fetch(number, self._page_size)
        except InvalidPageError:
            page = None  # past the end: the list shrank, or its count lies
        plan = self._plan
        end, limit = plan.end, plan.limit
        plan.landed(number, page)
        if plan.end != end:
            self._drop_past(plan.limit, number)
        elif plan.limit > limit:
            self._start_more()
        return page

    def _drop_past(self, last: int, landing: int) -> None:
        """Forget the pages past ``last``: cancel their requests.

        ``landing`` is the page whose task is running this: it is about to return,
        and is handed out like any other (a ``None`` page unsettles the pass).
        """
        numbers = self._numbers
        beyond = [t for t in self._queue if numbers[t] > last and numbers[t] != landing]
        for task in beyond:
            self._queue.remove(task)
            del numbers[task]
            if task.done():
                self._forget(task)
            else:
                task.add_done_callback(self._forget)
                task.cancel()

    def _forget(self, task: asyncio.Task[RawPage | None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a page past the end may fail unseen

    def _wake(self, _: asyncio.Task[RawPage | None]) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _some_landed(self) -> None:
        """Wait until a queued page lands; raise the first queued page that failed."""
        self._waiter = waiter = asyncio.get_running_loop().create_future()
        try:
            await waiter
        finally:
            self._waiter = None
        for task in self._queue:  # fail fast, whatever page it is
            if task.done() and not task.cancelled():
                failure = task.exception()
                if failure is not None:
                    raise failure

    async def __aiter__(self) -> AsyncGenerator[tuple[int, RawPage | None], None]:
        queue = self._queue
        numbers = self._numbers
        while queue:
            if self._ordered:
                task = queue[0]
                if not task.done():
                    await self._some_landed()
                    continue  # the queue may have changed: look at its head again
            else:
                landed = [t for t in queue if t.done()]
                if not landed:
                    await self._some_landed()
                    continue
                task = min(landed, key=numbers.__getitem__)
            queue.remove(task)
            self._start_more()  # a buffer slot was freed
            self._tasks.discard(task)
            number = numbers.pop(task)
            yield number, task.result()


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
        structure: Callable[[RawPage], Iterable[T]],
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
        """Passes made so far; more than 1 means the list changed, or ``verify`` was on."""
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
    structure: Callable[[RawPage], Iterable[T]],
    key: Callable[[T], Hashable],
    options: WalkOptions,
    path: str,
    batched: bool,
) -> AsyncGenerator[Any, None]:
    ledger = _Ledger()
    hint: int | None = None
    try:
        while True:
            state.passes += 1
            ledger.start_pass()
            first = await fetch(1, options.page_size)
            if first.has_next and not first.results:
                raise PaginationError(f"{path}: page 1 is empty but announces a next page")
            plan = _Pass(first, hint)
            fan_out = None
            if plan.limit > 1:
                fan_out = _FanOut(
                    fetch,
                    plan,
                    window=options.window,
                    ordered=options.ordered,
                    tasks=state.tasks,
                )
                # Let the requests of pages 2.. leave before page 1 is turned into models.
                await asyncio.sleep(0)
            items = ledger.fresh(structure(first), key)
            if batched:
                yield items
            else:
                for item in items:
                    yield item
            if fan_out is not None:
                async with aclosing(fan_out.__aiter__()) as pages:
                    async for number, page in pages:
                        plan.check(page, number)
                        if page is None:
                            continue
                        # Structure the whole page (so error paths index the page as
                        # sent); the ledger drops what was already yielded.
                        items = ledger.fresh(structure(page), key)
                        if batched:
                            yield items
                        else:
                            for item in items:
                                yield item
            # An id twice in one pass means rows moved between pages while they were
            # read; some other row may then have slipped past every page.
            settled = plan.complete and not ledger.repeated
            if settled and (not options.verify or ledger.same_as_previous):
                return
            hint = plan.hint
            if settled:
                logger.info("list %s: verifying pass %d with another", path, state.passes)
            else:
                logger.info("list %s changed during pass %d", path, state.passes)
            if state.passes >= options.max_passes:
                _give_up(path, state.passes, options.on_inconsistent, verifying=settled)
                return
    finally:
        await state.drain()


def _give_up(path: str, passes: int, on_inconsistent: OnInconsistent, *, verifying: bool) -> None:
    if verifying:
        why = "no two consecutive passes saw the same items"
    else:
        why = "the list changed, or its pages disagreed with its count"
    message = f"{path}: after {passes} passes, {why}; items that existed throughout may be missing"
    if on_inconsistent == "raise":
        raise InconsistentPaginationError(message, path=path, passes=passes)
    warnings.warn(message, InconsistentPaginationWarning, stacklevel=2)
