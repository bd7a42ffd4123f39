"""Fixtures for the sandbox tests: a small deterministic sandbox and an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from cariqa_async.sandbox import Sandbox

from .sandbox_helpers import COUNTS


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=7, sessions_per_user=COUNTS) as sb:
        yield sb


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
