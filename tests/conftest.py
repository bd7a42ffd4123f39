from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests import _aioresponses_compat

_aioresponses_compat.install()

#: The API's spec and examples, copied into the repository (see tests/data/README.md).
DATA = Path(__file__).resolve().parent / "data"
EXAMPLE_PAGE = DATA / "examples" / "charging-sessions-page.json"


@pytest.fixture
def example_page() -> dict[str, Any]:
    """The real example response from Cariqa's docs (``tests/data/examples``), decoded."""
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
