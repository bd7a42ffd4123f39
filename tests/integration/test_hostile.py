"""Regressions from "Nine ways to break it": a hostile server, against real sockets.

Each test here failed before its fix. Where the sandbox can misbehave the way a
case needs, it is used; where it cannot (a malformed status line, a trickle), a
raw asyncio server in the test does. Hang guards (`asyncio.wait_for`) only turn a
regression into a failure instead of a hung suite; nothing here asserts a time.
"""

from __future__ import annotations

import asyncio
import pickle
import socket
import struct
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from aiohttp import web

from cariqa_async import (
    CariqaClient,
    CariqaConnectionError,
    CariqaError,
    CariqaTimeoutError,
    OutcomeUnknownError,
    RateLimitError,
    RetryPolicy,
    Timeout,
    User,
)
from cariqa_async._endpoints import One
from cariqa_async.sandbox import Sandbox

from .conftest import client_for

TOKEN = "tok-SECRET-5b4a3c2d1e"
GUARD = 20  # seconds: far beyond what any of these calls may take once fixed
USER = b'{"id": "u1", "email": null, "locale": "en", "custom_properties": null}'

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Start raw asyncio servers that answer however a test wants; closed at the end."""
    servers: list[asyncio.Server] = []
    handlers: set[asyncio.Task[None]] = set()

    async def start(handler: Handler) -> str:
        async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers.add(task)
            try:
                await reader.readuntil(b"\r\n\r\n")
                await handler(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()
                handlers.discard(task)

        server = await asyncio.start_server(tracked, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    yield start
    for task in list(handlers):
        task.cancel()
    await asyncio.gather(*handlers, return_exceptions=True)
    for server in servers:
        server.close()
        await server.wait_closed()


def raw_client(url: str, **kwargs: object) -> CariqaClient:
    options: dict[str, object] = {
        "base_url": url,
        "retry": RetryPolicy(max_retries=1, backoff_base=0.001),
        "timeout": Timeout(connect=5, read=5),
    }
    options.update(kwargs)
    return CariqaClient(TOKEN, **options)  # type: ignore[arg-type]


# --- 1. A long Retry-After must not freeze the whole client -------------------


async def test_an_hour_long_retry_after_fails_only_its_request() -> None:
    async with Sandbox(seed=4, users=2, retry_after=3600) as sb:
        policy = RetryPolicy(max_retries=3, max_retry_after=0.05)
        async with client_for(sb, retry=policy) as client:
            user = sb.user_ids[0]
            sb.schedule_faults(["429"])
            with pytest.raises(RateLimitError) as info:
                await client.users.get(user)
            assert info.value.retry_after == 3600
            assert info.value.attempts == 1  # not waited for, not retried
            # The client-wide pause is capped at what the client accepts to wait...
            assert client.throttle.paused_for <= 0.05
            # ...so the next request goes through instead of waiting an hour.
            fetched = await asyncio.wait_for(client.users.get(user), GUARD)
            assert fetched.id == user


async def test_a_retry_after_date_years_ahead_does_not_freeze_the_client() -> None:
    later = format_datetime(datetime.now(timezone.utc) + timedelta(days=3 * 365), usegmt=True)
    answers = [web.json_response({"detail": "slow"}, status=429, headers={"Retry-After": later})]

    async def handler(request: web.Request) -> web.Response:
        if answers:
            return answers.pop()
        return web.Response(body=USER, content_type="application/json")

    app = web.Application()
    app.router.add_get("/api/v1/users/u1/", handler)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        policy = RetryPolicy(max_retries=3, max_retry_after=0.05)
        async with raw_client(url, retry=policy) as client:
            with pytest.raises(RateLimitError) as info:
                await client.users.get("u1")
            assert info.value.retry_after is not None
            assert info.value.retry_after > 86400
            assert client.throttle.paused_for <= 0.05
            assert (await asyncio.wait_for(client.users.get("u1"), GUARD)).id == "u1"
    finally:
        await runner.cleanup()


# --- 5. The token is reachable from no exception ------------------------------


async def _malformed_status(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 2x0 Nonsense\r\n\r\n")
    await writer.drain()


async def _reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    # SO_LINGER 0: close() sends a RST instead of a FIN.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()  # until the client gives up and closes


async def _truncated(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    writer.write(b"Content-Length: 500\r\n\r\n" + USER[:20])
    await writer.drain()


async def _html_502(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n")
    writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()


async def _html_200(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    body = b"<html><body>Welcome to our captive portal</body></html>"
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
    writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()


async def _unauthorized(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    body = b'{"detail": "Invalid token."}'
    writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n")
    writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()


async def _echoes_the_token(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # A misconfigured proxy that reflects the request's headers, and sets a cookie.
    body = b'{"detail": "rejected header Authorization: Bearer %s"}' % TOKEN.encode()
    writer.write(b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n")
    writer.write(b"X-Seen-Authorization: Bearer %s\r\n" % TOKEN.encode())
    writer.write(b"Set-Cookie: sessionid=SECRET-cookie; HttpOnly\r\n")
    writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()


async def _echoes_the_token_in_html(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    body = b"<html><pre>Authorization: Bearer %s</pre></html>" % TOKEN.encode()
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
    writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()


def _reachable_texts(exc: BaseException) -> list[str]:
    """Every text a logger, a pickle or an error tracker could take from ``exc``."""
    texts = [str(exc), repr(exc), repr(exc.args), repr(vars(exc))]
    texts += [repr(getattr(exc, "body", b"")), repr(dict(getattr(exc, "headers", {})))]
    texts.append(pickle.dumps(exc).decode("latin-1"))
    texts.append(
        "".join(
            traceback.TracebackException(
                type(exc), exc, exc.__traceback__, capture_locals=True
            ).format()
        )
    )
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        texts += [repr(link), repr(vars(link)) if hasattr(link, "__dict__") else ""]
        request_info = getattr(link, "request_info", None)
        if request_info is not None:
            texts.append(repr(dict(request_info.headers)))
            texts.append(str(dict(request_info.headers)))
        link = link.__cause__ or link.__context__
    return texts


@pytest.mark.parametrize(
    "handler",
    [
        _malformed_status,
        _reset,
        _silent,
        _truncated,
        _html_502,
        _html_200,
        _unauthorized,
        _echoes_the_token,
        _echoes_the_token_in_html,
    ],
    ids=[
        "malformed-status-line",
        "reset",
        "read-timeout",
        "truncated",
        "html-502",
        "html-200",
        "403",
        "401-echoing-the-token",
        "html-200-echoing-the-token",
    ],
)
async def test_the_token_is_reachable_from_no_error(
    raw_server: Callable[[Handler], Awaitable[str]], handler: Handler
) -> None:
    url = await raw_server(handler)
    async with raw_client(url, timeout=Timeout(connect=5, read=0.2)) as client:
        with pytest.raises(CariqaError) as info:
            await asyncio.wait_for(client.users.get("u1"), GUARD)
    exc = info.value
    # Nothing foreign (aiohttp's errors carry the request headers) is chained.
    assert exc.__cause__ is None
    assert exc.__context__ is None
    for text in _reachable_texts(exc):
        assert "SECRET" not in text


async def test_a_cancelled_request_leaks_no_token_through_captured_locals(
    raw_server: Callable[[Handler], Awaitable[str]],
) -> None:
    entered = asyncio.Event()

    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        entered.set()
        await reader.read()

    url = await raw_server(stall)
    async with raw_client(url) as client:
        task = asyncio.ensure_future(client.users.get("u1"))
        await asyncio.wait_for(entered.wait(), GUARD)
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as info:
            await task
    # The traceback runs through aiohttp's frames, whose locals hold the headers.
    formatted = "".join(
        traceback.TracebackException(
            type(info.value), info.value, info.value.__traceback__, capture_locals=True
        ).format()
    )
    assert "Authorization" in formatted or "headers" in formatted  # the locals were captured
    assert "SECRET" not in formatted


# --- 8. A deadline bounds the call, and something bounds a trickle -------------


async def _trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    writer.write(b"Content-Length: 100000\r\n\r\n")
    for _ in range(400):  # bounded: it stops by itself after about a minute
        writer.write(b" ")
        await writer.drain()
        await asyncio.sleep(0.15)


async def test_a_deadline_bounds_a_trickling_response(
    raw_server: Callable[[Handler], Awaitable[str]],
) -> None:
    url = await raw_server(_trickle)
    policy = RetryPolicy(max_retries=5, backoff_base=0.001, deadline=0.5)
    async with raw_client(url, retry=policy) as client:  # read timeout 5 s: never silent
        with pytest.raises(CariqaTimeoutError):
            await asyncio.wait_for(client.users.get("u1"), GUARD)


async def test_the_attempt_total_bounds_a_trickle_without_a_deadline(
    raw_server: Callable[[Handler], Awaitable[str]],
) -> None:
    url = await raw_server(_trickle)
    async with raw_client(url, timeout=Timeout(connect=5, read=5, total=0.5)) as client:
        with pytest.raises(CariqaTimeoutError) as info:
            await asyncio.wait_for(client.users.get("u1"), GUARD)
    assert info.value.attempts == 2  # the total is per attempt; the retry got its own


def test_the_default_timeout_has_a_total_per_attempt() -> None:
    assert Timeout().total is not None
    assert Timeout().to_aiohttp().total == Timeout().total
    assert Timeout(total=60).to_aiohttp(total=2.5).total == 2.5  # the deadline's time left
    assert Timeout(total=1).to_aiohttp(total=2.5).total == 1


async def test_a_deadline_bounds_the_wait_for_a_busy_client() -> None:
    async with Sandbox(seed=5, users=1) as sb:
        policy = RetryPolicy(max_retries=5, backoff_base=0.001, deadline=0.2)
        async with client_for(sb, retry=policy, concurrency=1) as client:
            await client.throttle.acquire()  # the test holds the client's only slot
            try:
                with pytest.raises(CariqaTimeoutError, match="deadline"):
                    await asyncio.wait_for(client.users.get(sb.user_ids[0]), GUARD)
            finally:
                client.throttle.release()
            assert sb.stats.requests == 0  # it never reached the server
            assert (await client.users.get(sb.user_ids[0])).id == sb.user_ids[0]


# --- calls that must not run twice, over real sockets --------------------------

CREATE = One("users_create", "POST", "users/", User, 201)


async def test_a_post_reset_after_sending_is_outcome_unknown_after_one_request(
    raw_server: Callable[[Handler], Awaitable[str]],
) -> None:
    received: list[bytes] = []

    async def reset_after_reading(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        received.append(await reader.readexactly(2))  # the body: it reached the server
        await _reset(reader, writer)

    url = await raw_server(reset_after_reading)
    async with raw_client(url, retry=RetryPolicy(max_retries=3, backoff_base=0.001)) as client:
        with pytest.raises(OutcomeUnknownError) as info:
            await asyncio.wait_for(client._call(CREATE, body={}), GUARD)
    assert received == [b"{}"]  # sent once, never again
    assert isinstance(info.value.__cause__, CariqaConnectionError)
    for text in _reachable_texts(info.value):
        assert "SECRET" not in text


async def test_a_refused_post_is_retried_because_it_never_reached_the_api() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = RetryPolicy(max_retries=2, backoff_base=0.001)
    async with raw_client(f"http://127.0.0.1:{port}", retry=policy) as client:
        with pytest.raises(CariqaConnectionError) as info:
            await asyncio.wait_for(client._call(CREATE, body={}), GUARD)
    assert info.value.sent is False
    assert info.value.attempts == 3
