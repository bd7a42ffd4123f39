from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests import _aioresponses_compat

_aioresponses_compat.install()

SHARED_API = Path(__file__).resolve().parents[2] / "shared" / "api"
EXAMPLE_PAGE = SHARED_API / "examples" / "charging-sessions-page.json"


@pytest.fixture
def example_page() -> dict[str, Any]:
    """The real example response from Cariqa's docs (``../shared/api``), decoded."""
    if not EXAMPLE_PAGE.exists():
        # CI always has shared/ beside the checkout; an sdist test run may not.
        if os.environ.get("CI"):
            pytest.fail(f"missing {EXAMPLE_PAGE}")
        pytest.skip("the shared API example is not beside this checkout")
    return json.loads(EXAMPLE_PAGE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture
async def no_leaked_tasks() -> AsyncIterator[None]:
    """Fail the test if it leaves tasks running on the loop."""
    yield
    current = asyncio.current_task()
    others = [t for t in asyncio.all_tasks() if t is not current]
    if others:
        # Tasks being torn down (a server's handlers after its cleanup) get a bounded
        # moment to finish; one that is still running after it has leaked.
        _, leaked = await asyncio.wait(others, timeout=2)
        assert not leaked, f"tasks left running: {leaked}"
