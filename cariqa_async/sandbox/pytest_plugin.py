"""pytest plugin: a ``cariqa_sandbox`` fixture serving a Cariqa sandbox per test.

Registered as the ``cariqa_sandbox`` ``pytest11`` entry point, so installing
cariqa-async makes the fixture available. The sandbox runs in its own thread on
its own event loop (:class:`~cariqa_async.sandbox.ThreadedSandbox`), so the
fixture itself works the same under pytest-asyncio, anyio, or plain sync tests;
an async test still needs what its runner asks for: ``@pytest.mark.asyncio``
under pytest-asyncio's default strict mode (none with ``asyncio_mode = "auto"``),
``@pytest.mark.anyio`` under anyio.

Configure it per test, class or module with the marker, whose keyword
arguments are those of :class:`~cariqa_async.sandbox.Sandbox`::

    @pytest.mark.asyncio
    @pytest.mark.cariqa_sandbox(seed=3, users=10, latency=0.01)
    async def test_sessions(cariqa_sandbox):
        url = f"{cariqa_sandbox.url}/api/v1/users/"
        headers = {"Authorization": f"Bearer {cariqa_sandbox.token}"}
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._server import Sandbox, ThreadedSandbox

__all__ = ["cariqa_sandbox"]

_MARKER = "cariqa_sandbox"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``cariqa_sandbox`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**kwargs): configure the cariqa_sandbox fixture with "
        "cariqa_async.sandbox.Sandbox keyword arguments (seed, users, latency, ...)",
    )


@pytest.fixture
def cariqa_sandbox(request: pytest.FixtureRequest) -> Iterator[ThreadedSandbox]:
    """A running Cariqa sandbox (a ``ThreadedSandbox``), closed after the test.

    The closest ``@pytest.mark.cariqa_sandbox(**kwargs)`` marker configures it.

    Raises:
        pytest.UsageError: If the marker has positional arguments.
        TypeError, ValueError: If its keyword arguments are not valid for ``Sandbox``.
    """
    marker = request.node.get_closest_marker(_MARKER)
    kwargs = {}
    if marker is not None:
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{_MARKER} takes keyword arguments only")
        kwargs = dict(marker.kwargs)
    with Sandbox(**kwargs).run_in_thread() as sandbox:
        yield sandbox
