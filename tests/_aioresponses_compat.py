"""A narrow shim so aioresponses 0.7.9 works with aiohttp >= 3.14.

aiohttp 3.14 made ``ClientResponse.__init__`` require a ``stream_writer`` argument,
which aioresponses (0.7.9, its newest release) does not pass. A canned response
is never written to a socket, so a writer that reports zero bytes sent is exact.
The patch replaces the one name aioresponses uses to build responses and is a
no-op on aiohttp versions that do not need it. Remove it once aioresponses ships
a fix.
"""

from __future__ import annotations

import inspect
from typing import Any

import aioresponses.core
from aiohttp import ClientResponse


class _SentNothing:
    output_size = 0


class CompatClientResponse(ClientResponse):
    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _SentNothing())
        super().__init__(method, url, **kwargs)


def install() -> bool:
    """Patch aioresponses if this aiohttp needs it; return whether it did."""
    needs = "stream_writer" in inspect.signature(ClientResponse.__init__).parameters
    if needs:
        aioresponses.core.ClientResponse = CompatClientResponse  # type: ignore[misc]
    return needs
