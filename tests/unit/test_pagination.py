"""The walker against an in-memory DRF-like list: no network, no sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from cariqa_async import InconsistentPaginationError, InconsistentPaginationWarning
from cariqa_async._pagination import (
    PageWalk,
    RawPage,
    WalkOptions,
    expected_length,
    page_count,
)
from cariqa_async.errors import InvalidPageError, PaginationError, ServerError


class FakeList:
    """A DRF list: caps page_size, 404s past the end, and can mutate between requests."""

    def __init__(self, n: int, *, max_page_size: int = 100) -> None:
        self.ids = [f"s{i:05d}" for i in range(n)]
        self.max_page_size = max_page_size
        self.requests: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.before: dict[int, Callable[[FakeList], None]] = {}
        self.gate: asyncio.Event | None = None
        self.cancelled = 0
        self.fail_page: int | None = None

    async def fetch(self, number: int, size: int) -> RawPage:
        self.requests.append(number)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            hook = self.before.pop(len(self.requests), None)
            if hook:
                hook(self)
            await asyncio.sleep(0)  # a real await point, like a socket read
            if number == self.fail_page:
                raise ServerError("boom", method="GET", path="/p", status=500)
            if self.gate is not None and number > 1:
                await self.gate.wait()
            size = min(size, self.max_page_size)
            start = (number - 1) * size
            if number > 1 and start >= len(self.ids):
                raise InvalidPageError("Invalid page.", method="GET", path="/p", status=404)
            rows = [{"id": i} for i in self.ids[start : start + size]]
            return RawPage(number, len(self.ids), rows, start + size < len(self.ids))
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1


def walk(fake: FakeList, **options: Any) -> PageWalk[str]:
    def structure(rows: list[dict[str, Any]], number: int) -> list[str]:
        return [row["id"] for row in rows]

    return PageWalk(fake.fetch, structure, lambda item: item, WalkOptions(**options), path="/p")


async def collect(fake: FakeList, **options: Any) -> list[str]:
    return [item async for item in walk(fake, **options)]


def test_page_arithmetic() -> None:
    assert page_count(0, 100) == 1
    assert page_count(100, 100) == 1
    assert page_count(101, 100) == 2
    assert expected_length(2, 250, 100) == 100
    assert expected_length(3, 250, 100) == 50
    assert expected_length(4, 250, 100) == 0


@pytest.mark.parametrize("n", [0, 1, 9, 10, 11, 99, 100, 101, 1000])
@pytest.mark.parametrize("ordered", [True, False])
async def test_every_item_exactly_once(n: int, ordered: bool) -> None:
    fake = FakeList(n)
    items = await collect(fake, page_size=10, window=4, ordered=ordered)
    assert sorted(items) == fake.ids
    if ordered:
        assert items == fake.ids
    assert sorted(fake.requests) == list(range(1, page_count(n, 10) + 1))


async def test_server_capped_page_size_is_learned_from_page_one() -> None:
    fake = FakeList(1050, max_page_size=100)
    assert await collect(fake, page_size=1000) == fake.ids
    assert sorted(fake.requests) == list(range(1, 12))


async def test_read_ahead_is_bounded() -> None:
    fake = FakeList(5000)
    fake.gate = asyncio.Event()
    walker = walk(fake, page_size=10, window=7)
    first = [await walker.__anext__() for _ in range(10)]  # page 1, others held at the gate
    assert first == fake.ids[:10]
    # 2 * window pages are requested ahead (the client's throttle decides how many
    # are on the wire; this fake has none).
    await _until(lambda: fake.in_flight == 14)
    for _ in range(20):  # the loop runs on, but no fifteenth request starts
        await asyncio.sleep(0)
    assert fake.in_flight == 14
    fake.gate.set()
    rest = [item async for item in walker]
    assert first + rest == fake.ids
    assert fake.max_in_flight == 14


async def test_a_stalled_consumer_bounds_the_pages_held() -> None:
    fake = FakeList(5000)
    walker = walk(fake, page_size=10, window=4)
    await walker.__anext__()  # page 1 read; the consumer now stops consuming
    for _ in range(200):
        await asyncio.sleep(0)
    held = len(fake.requests) - 1
    assert held == 8  # 2 * window pages, then nothing until the consumer takes one
    for _ in range(200):
        await asyncio.sleep(0)
    assert len(fake.requests) - 1 == held  # stable: nothing more is fetched
    items = [await walker.__anext__() for _ in range(19)]  # consume the rest of page 1, and page 2
    assert items == fake.ids[1:20]
    for _ in range(200):
        await asyncio.sleep(0)
    assert len(fake.requests) - 1 == held + 1  # one page consumed, one more fetched
    await walker.aclose()


async def test_rows_inserted_at_the_head_mid_walk_are_not_duplicated() -> None:
    fake = FakeList(95)
    original = list(fake.ids)
    # After page 1 is read, five new sessions arrive at the head: every later page
    # shifts by five, so a naive walk would yield five items twice.
    fake.before[2] = lambda f: f.ids.__setitem__(slice(0, 0), [f"new{i}" for i in range(5)])
    items = await collect(fake, page_size=10, window=3)
    assert len(items) == len(set(items))
    assert set(original) <= set(items)
    assert set(items) == set(fake.ids)


async def test_rows_deleted_mid_walk_lose_nothing_that_stayed() -> None:
    fake = FakeList(95)
    deleted = fake.ids[:7]
    fake.before[2] = lambda f: f.ids.__delitem__(slice(0, 7))
    items = await collect(fake, page_size=10, window=3)
    assert len(items) == len(set(items))
    assert set(fake.ids) <= set(items)  # everything that existed throughout
    assert set(items) <= set(fake.ids) | set(deleted)


async def test_shrunken_end_404_is_part_of_the_walk() -> None:
    fake = FakeList(30)
    # Ten rows vanish after page 1: page 3 answers "Invalid page." in pass 1.
    fake.before[2] = lambda f: f.ids.__delitem__(slice(0, 10))
    walker = walk(fake, page_size=10, window=5)
    items = [item async for item in walker]
    assert set(fake.ids) <= set(items)
    assert walker.passes == 2


async def test_a_list_that_never_settles_raises_or_warns() -> None:
    def grow(f: FakeList) -> None:
        f.ids.insert(0, f"new{len(f.requests)}")
        f.before[len(f.requests) + 1] = grow

    fake = FakeList(50)
    fake.before[1] = grow
    walker = walk(fake, page_size=10, window=2, max_passes=3)
    with pytest.raises(InconsistentPaginationError) as info:
        [item async for item in walker]
    assert info.value.passes == 3
    fake = FakeList(50)
    fake.before[1] = grow
    with pytest.warns(InconsistentPaginationWarning):
        items = await collect(fake, page_size=10, window=2, max_passes=2, on_inconsistent="warn")
    assert len(items) == len(set(items))


async def test_empty_first_page_announcing_more_is_an_error() -> None:
    async def fetch(number: int, size: int) -> RawPage:
        return RawPage(number, 10, [], True)

    walker: PageWalk[str] = PageWalk(fetch, lambda r, n: [], str, WalkOptions(), path="/p")
    with pytest.raises(PaginationError, match="empty"):
        await walker.__anext__()


async def test_a_failing_page_propagates_and_cancels_the_rest() -> None:
    fake = FakeList(1000)
    fake.fail_page = 3
    fake.gate = asyncio.Event()
    with pytest.raises(ServerError):
        await collect(fake, page_size=10, window=5)
    assert fake.in_flight == 0
    assert fake.cancelled > 0


async def test_early_break_cancels_requests_in_flight() -> None:
    fake = FakeList(10_000)
    fake.gate = asyncio.Event()  # pages 2.. wait forever unless cancelled
    async for _item in walk(fake, page_size=10, window=6):
        await _until(lambda: fake.in_flight == 12)
        break
    # Dropping the iterator cancelled the six held requests at once (no garbage
    # collection involved); they only need the loop to unwind.
    await _until(lambda: fake.in_flight == 0)
    assert fake.cancelled == 12


async def test_aclose_and_async_with_wait_for_cancellation() -> None:
    fake = FakeList(10_000)
    fake.gate = asyncio.Event()
    async with walk(fake, page_size=10, window=4) as walker:
        await walker.__anext__()
        await _until(lambda: fake.in_flight == 8)
    assert fake.in_flight == 0  # no waiting needed: aclose awaited them
    assert fake.cancelled == 8


async def test_cancelling_the_consumer_propagates_cancelled_error_unchanged() -> None:
    fake = FakeList(10_000)
    fake.gate = asyncio.Event()
    reached = asyncio.Event()

    async def consume() -> None:
        async for _item in walk(fake, page_size=10, window=5):
            reached.set()

    task = asyncio.create_task(consume())
    await reached.wait()
    await _until(lambda: fake.in_flight == 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()
    assert fake.in_flight == 0
    assert fake.cancelled == 10


async def _until(condition: Callable[[], bool]) -> None:
    # Yield to the loop until `condition` holds; bounded so a bug fails, not hangs.
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")
