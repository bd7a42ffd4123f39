from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from cariqa_async import CariqaClient, RetryPolicy, Timeout
from cariqa_async.sandbox import Sandbox


@pytest.fixture(autouse=True)
def _no_leaks(no_leaked_tasks: None) -> None:
    """Every integration test must leave no task running."""


class Sleeps:
    """An injected retry sleep: records waits, yields to the loop, never waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


def client_for(sb: Sandbox, **kwargs: object) -> CariqaClient:
    """A strict client (drift in the sandbox's output fails the test) for ``sb``."""
    options: dict[str, object] = {
        "base_url": sb.url,
        "strict": True,
        "retry": RetryPolicy(max_retries=8, backoff_base=0.001, backoff_cap=0.01),
        "timeout": Timeout(connect=5, read=5),
    }
    options.update(kwargs)
    return CariqaClient(sb.token, **options)  # type: ignore[arg-type]


async def until(condition: Callable[[], bool]) -> None:
    """Yield to the loop until ``condition`` holds; bounded, so a bug fails, not hangs."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")
