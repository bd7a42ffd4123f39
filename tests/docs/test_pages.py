"""Every ```python block of the site and the README runs against the sandbox.

See :mod:`tests.docs.blocks` for which blocks run and the names they may use.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cariqa_async import CariqaClient
from cariqa_async.sandbox import Sandbox, ThreadedSandbox

from .blocks import ROOT, Block, blocks, compiled, includes, pages

#: A hang guard per block, not a performance bound.
BLOCK_TIMEOUT = 60
#: EVA Charge in Worms: the sandbox always starts with this EVSE free.
EVSE_ID = "DE*CIQ*E02SSKRNPJRRC*1"

RUNNABLE = [page for page in pages() if any(block.runs for block in blocks(page))]


async def context(sb: ThreadedSandbox) -> dict[str, Any]:
    """The names a page's examples may use without defining them."""
    client = await CariqaClient(sb.token, base_url=sb.url, strict=True).open()
    user_id = sb.user_ids[0]
    return {
        "__name__": "__docs__",
        "client": client,
        "sb": sb,
        "token": sb.token,
        "user_id": user_id,
        "session_id": sb.session_ids(user_id)[0],
        "user_ids": sb.user_ids,
        "method_id": sb.attach_payment_method(user_id, "pm_card_visa"),
        "evse_id": EVSE_ID,
        "external_id": "crm-42",
    }


def run_block(loop: asyncio.AbstractEventLoop, block: Block, namespace: dict[str, Any]) -> None:
    code = compiled(block)
    if inspect.CO_COROUTINE & code.co_flags:  # type: ignore[attr-defined]
        coroutine = eval(code, namespace)  # noqa: S307 - our own docs
        loop.run_until_complete(asyncio.wait_for(coroutine, BLOCK_TIMEOUT))
    else:
        # A block that runs its own loop (asyncio.run) runs here, with ours idle.
        exec(code, namespace)  # noqa: S102 - our own docs


@pytest.fixture
def docs_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadedSandbox]:
    """A sandbox the environment points at, and a scratch working directory."""
    # A thread of its own: blocks that call asyncio.run() reach it while our loop idles.
    with Sandbox(seed=5, sessions_per_user=[37, 12, 0, 3, 150, 8]).run_in_thread() as sb:
        monkeypatch.setenv("CARIQA_TOKEN", sb.token)
        monkeypatch.setenv("CARIQA_BASE_URL", sb.url)
        monkeypatch.chdir(tmp_path)
        yield sb


@pytest.mark.parametrize("page", RUNNABLE, ids=[str(p.relative_to(ROOT)) for p in RUNNABLE])
def test_the_examples_of_a_page_run(page: Path, docs_sandbox: ThreadedSandbox) -> None:
    loop = asyncio.new_event_loop()
    try:
        namespace = loop.run_until_complete(context(docs_sandbox))
        client = namespace["client"]  # a block may bind the name to a client of its own
        try:
            for block in blocks(page):
                if block.runs:
                    try:
                        run_block(loop, block, namespace)
                    except Exception as exc:
                        raise AssertionError(f"the example at {block.where} failed") from exc
        finally:
            loop.run_until_complete(client.aclose())
            loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


@pytest.mark.parametrize("page", pages(), ids=[str(p.relative_to(ROOT)) for p in pages()])
def test_every_block_compiles_and_every_include_exists(page: Path) -> None:
    for block in blocks(page):
        compiled(block)
    for path in includes(page):
        assert (ROOT / path.split(":")[0]).is_file(), f"{page.name} includes a missing {path}"


def test_the_pages_have_examples_that_run() -> None:
    """The harness finds the blocks: a marker typo would otherwise skip them all."""
    assert len(RUNNABLE) >= 8
