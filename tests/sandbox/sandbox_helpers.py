"""Small helpers shared by the sandbox tests (plain aiohttp, never the SDK)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
from yarl import URL

from cariqa_async.sandbox import SandboxControls


def auth(sb: SandboxControls, token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {sb.token if token is None else token}"}


def sessions_url(base: str, user_id: str, query: str = "") -> str:
    return f"{base}/api/v1/users/{user_id}/charging-sessions/{query}"


async def get(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
) -> tuple[int, Any, aiohttp.ClientResponse]:
    """GET ``url`` and return (status, parsed JSON or text, response)."""
    async with http.get(url, headers=headers, allow_redirects=False) as response:
        if response.content_type == "application/json":
            return response.status, await response.json(), response
        return response.status, await response.text(), response


async def raw_request(
    base: str, path: str, headers: dict[str, str], method: str = "GET", body: bytes = b""
) -> bytes:
    """Send one HTTP/1.1 request over a raw socket and return every byte until EOF."""
    url = URL(base)
    assert url.host is not None
    assert url.port is not None
    reader, writer = await asyncio.open_connection(url.host, url.port)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {url.host}:{url.port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
    data = await reader.read()
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    return data


def split_http(data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Split a raw HTTP/1.1 response into status, lower-cased headers and body."""
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


#: Session counts of the ``sandbox`` fixture's users, covering DRF's page edges.
COUNTS = [0, 1, 9, 10, 11, 25, 99, 100, 101, 250]
