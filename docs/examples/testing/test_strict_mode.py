"""The cariqa_sandbox fixture under pytest-asyncio's default, strict mode.

In strict mode pytest-asyncio runs only the coroutines marked ``asyncio``: an
unmarked ``async def test_...`` fails with "async def functions are not
natively supported".
"""

import pytest

from cariqa_async import CariqaClient


@pytest.mark.asyncio
@pytest.mark.cariqa_sandbox(seed=3, users=10, latency=0.01)
async def test_every_session_once(cariqa_sandbox):
    user = cariqa_sandbox.user_ids[0]
    async with CariqaClient(cariqa_sandbox.token, base_url=cariqa_sandbox.url) as client:
        ids = [s.id async for s in client.charging_sessions.iter(user)]
    assert ids == cariqa_sandbox.session_ids(user)
