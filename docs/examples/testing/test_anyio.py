"""The cariqa_sandbox fixture under anyio's pytest plugin (no pytest-asyncio needed)."""

import pytest

from cariqa_async import CariqaClient


@pytest.fixture
def anyio_backend():
    return "asyncio"  # the SDK is built on asyncio (aiohttp): not trio


@pytest.mark.anyio
@pytest.mark.cariqa_sandbox(seed=3, users=10)
async def test_every_session_once(cariqa_sandbox):
    user = cariqa_sandbox.user_ids[0]
    async with CariqaClient(cariqa_sandbox.token, base_url=cariqa_sandbox.url) as client:
        ids = [s.id async for s in client.charging_sessions.iter(user)]
    assert ids == cariqa_sandbox.session_ids(user)
