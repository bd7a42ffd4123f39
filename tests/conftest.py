from __future__ import annotations

import json
import os
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
