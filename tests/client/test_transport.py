"""The transport against a real aiohttp server on loopback: sockets, not mocks."""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from cariqa_async import (
    CariqaClient,
    CariqaConnectionError,
    CariqaTimeoutError,
    ResponseTooLargeError,
    RetryPolicy,
    Timeout,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PATH = "/api/v1/users/u1/"
USER = b'{"id": "u1", "email": null, "locale": "en", "custom_properties": null}'


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_get(PATH, handler)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def client(url: str, **kwargs: object) -> CariqaClient:
    policy = RetryPolicy(max_retries=1, backoff_base=0.001)
    return CariqaClient("t", base_url=url, retry=policy, **kwargs)  # type: ignore[arg-type]


async def test_the_token_and_headers_reach_the_server(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    seen: dict[str, str] = {}

    async def handler(request: web.Request) -> web.Response:
        seen.update(request.headers)
        return web.Response(body=USER, content_type="application/json")

    async with client(await serve(handler)) as c:
        user = await c.users.get("u1")
    assert user.id == "u1"
    assert seen["Authorization"] == "Bearer t"
    assert seen["Accept"] == "application/json"
    assert seen["User-Agent"].startswith("cariqa-async/")


@pytest.mark.parametrize("chunked", [False, True])
async def test_oversized_bodies_are_refused(
    serve: Callable[[Handler], Awaitable[str]], chunked: bool
) -> None:
    big = b'{"id": "' + b"x" * 5000 + b'"}'

    async def handler(request: web.Request) -> web.StreamResponse:
        if not chunked:
            return web.Response(body=big, content_type="application/json")
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(big), 500):
            await response.write(big[start : start + 500])
        await response.write_eof()
        return response

    async with client(await serve(handler), max_response_size=1000) as c:
        with pytest.raises(ResponseTooLargeError) as info:
            await c.users.get("u1")
    assert info.value.limit == 1000
    assert c.stats.retries == 0


async def test_a_decompression_bomb_is_refused(serve: Callable[[Handler], Awaitable[str]]) -> None:
    bomb = gzip.compress(b'{"id": "' + b"0" * 2_000_000 + b'"}')

    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            body=bomb,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    async with client(await serve(handler), max_response_size=100_000) as c:
        with pytest.raises(ResponseTooLargeError):
            await c.users.get("u1")
    assert len(bomb) < 100_000  # the compressed size alone would have passed


async def test_a_body_cut_off_mid_json_is_a_retried_connection_error(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    calls = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = len(USER)
        await response.prepare(request)
        await response.write(USER[:20])
        assert request.transport is not None
        request.transport.close()
        return response

    async with client(await serve(handler)) as c:
        with pytest.raises(CariqaConnectionError, match=r"cut off|connection"):
            await c.users.get("u1")
    assert calls == 2
    assert c.stats.retries_by_reason == {"connection": 1}


async def test_a_stalled_server_times_out_and_is_retried(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    release = asyncio.Event()
    calls = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            await release.wait()  # never set: only the client's timeout ends this
        return web.Response(body=USER, content_type="application/json")

    async with client(await serve(handler), timeout=Timeout(read=0.5)) as c:
        user = await c.users.get("u1")
    assert user.id == "u1"
    assert c.stats.retries_by_reason == {"timeout": 1}
    async with client(await serve(handler), timeout=Timeout(read=0.5), max_retries=0) as c:
        calls = 0
        with pytest.raises(CariqaTimeoutError):
            await c.users.get("u1")
    release.set()


async def test_connection_refused_is_a_connection_error() -> None:
    with socket.socket() as sock:  # find a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with client(f"http://127.0.0.1:{port}") as c:
        with pytest.raises(CariqaConnectionError) as info:
            await c.users.get("u1")
    assert info.value.attempts == 2
    assert info.value.__cause__ is None  # aiohttp's error (which may hold headers) is dropped


async def test_lists_go_on_the_wire_as_repeated_keys_and_booleans_as_true_false(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    seen: list[tuple[str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.extend(request.query.items())
        return web.Response(body=USER, content_type="application/json")

    async with client(await serve(handler)) as c:
        await c._request("GET", PATH, {"t": ["CCS", "TYPE_2"], "on": True, "off": False, "n": None})
    assert seen == [("t", "CCS"), ("t", "TYPE_2"), ("on", "true"), ("off", "false")]
