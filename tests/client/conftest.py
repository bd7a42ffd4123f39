from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aioresponses import aioresponses

from cariqa_async import CariqaClient, RetryPolicy

BASE = "https://api.test"
TOKEN = "tok-SECRET-9f8e7d6c5b4a"
SESSIONS_URL = re.compile(r"^https://api\.test/api/v1/users/u1/charging-sessions/(\?.*)?$")


class Sleeps:
    """An injected sleep and clock: records each wait, advances time, returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 1000.0

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def clock(self) -> float:
        return self.now


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def mock() -> Iterator[aioresponses]:
    with aioresponses() as m:
        yield m


@pytest.fixture
async def client(sleeps: Sleeps) -> AsyncIterator[CariqaClient]:
    policy = RetryPolicy(max_retries=3, sleep=sleeps, random=lambda: 1.0)
    async with CariqaClient(TOKEN, base_url=BASE, retry=policy, concurrency=4) as c:
        yield c


@pytest.fixture(autouse=True)
def _no_leaks(no_leaked_tasks: None) -> None:
    """Every client test must leave no task running."""


def session_json(example: dict[str, Any], ident: str) -> dict[str, Any]:
    return {**example["results"][0], "id": ident}


def page_json(
    example: dict[str, Any], ids: list[str], count: int, has_next: bool = False
) -> dict[str, Any]:
    return {
        "count": count,
        "next": "https://evil.test/api/v1/users/u1/charging-sessions/?page=99"
        if has_next
        else None,
        "previous": None,
        "results": [session_json(example, i) for i in ids],
    }
