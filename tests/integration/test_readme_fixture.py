"""The README's pytest example, verbatim: the plugin's fixture as our users get it."""

from __future__ import annotations

import pytest

from cariqa_async import CariqaClient
from cariqa_async.sandbox import ThreadedSandbox


@pytest.mark.cariqa_sandbox(
    seed=3, users=10, fault_rate=0.2, fault_kinds=["429", "503"], retry_after=0
)
async def test_sync_job(cariqa_sandbox: ThreadedSandbox) -> None:
    async with CariqaClient(cariqa_sandbox.token, base_url=cariqa_sandbox.url) as client:
        user = cariqa_sandbox.user_ids[0]
        ids = [s.id async for s in client.charging_sessions.iter(user)]
    assert ids == cariqa_sandbox.session_ids(user)
    assert ids
