"""A local simulator of the Cariqa Connect API, for tests, benchmarks and demos.

The sandbox is an independent aiohttp.web implementation of the API at the JSON
level (it shares no code with the SDK's client or models, so it really tests
them): Django REST Framework page-number pagination, Bearer authentication,
Cariqa's error envelopes, and a deterministic data set generated lazily from a
seed. It can inject latency and faults (429, 500, 502, 503, dropped and
truncated responses, stalls), count requests, and mutate a user's sessions
while a client pages through them.

Ways to run it:

* ``async with Sandbox(...) as sb:`` on the running event loop;
* ``with Sandbox(...).run_in_thread() as sb:`` from sync code (own loop, own thread);
* ``python -m cariqa_async.sandbox --port 8080`` from a shell (see :func:`main`);
* the ``cariqa_sandbox`` pytest fixture, configured with
  ``@pytest.mark.cariqa_sandbox(seed=3, users=10)``.

Example:
    >>> import aiohttp
    >>> from cariqa_async.sandbox import Sandbox
    >>> async def first_page() -> dict:  # doctest: +SKIP
    ...     async with Sandbox(seed=1) as sb, aiohttp.ClientSession() as http:
    ...         user = sb.user_ids[0]
    ...         url = f"{sb.url}/api/v1/users/{user}/charging-sessions/"
    ...         headers = {"Authorization": f"Bearer {sb.token}"}
    ...         async with http.get(url, headers=headers) as response:
    ...             return await response.json()
"""

from __future__ import annotations

from ._app import create_app
from ._cli import main
from ._controls import SandboxControls
from ._data import DEFAULT_DISTRIBUTION, Distribution
from ._faults import FAULT_KINDS, FaultConfig, FaultKind
from ._server import DEFAULT_TOKEN, DEFAULT_USERS, Sandbox, ThreadedSandbox
from ._stats import Stats
from .resources.charging_sessions import UnknownSessionsError

__all__ = [
    "DEFAULT_DISTRIBUTION",
    "DEFAULT_TOKEN",
    "DEFAULT_USERS",
    "FAULT_KINDS",
    "Distribution",
    "FaultConfig",
    "FaultKind",
    "Sandbox",
    "SandboxControls",
    "Stats",
    "ThreadedSandbox",
    "UnknownSessionsError",
    "create_app",
    "main",
]
