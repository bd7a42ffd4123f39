"""The cariqa_sandbox fixture under pytest-asyncio's auto mode.

With ``asyncio_mode = "auto"`` in the pytest configuration, every
``async def test_...`` runs on asyncio without a mark.
"""

import pytest

from cariqa_async import CariqaClient


@pytest.mark.cariqa_sandbox(
    seed=3, users=10, fault_rate=0.2, fault_kinds=["429", "503"], retry_after=0
)
async def test_sync_job(cariqa_sandbox):
    async with CariqaClient(cariqa_sandbox.token, base_url=cariqa_sandbox.url) as client:
        user = cariqa_sandbox.user_ids[0]
        ids = [s.id async for s in client.charging_sessions.iter(user)]
    assert ids == cariqa_sandbox.session_ids(user)
