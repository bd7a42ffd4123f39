from __future__ import annotations

import asyncio
import logging
import traceback
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses

from cariqa_async import (
    AuthenticationError,
    CariqaClient,
    CariqaConnectionError,
    CariqaError,
    ClientClosedError,
    ConfigurationError,
    DecodeError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    SchemaError,
    ServerError,
    Timeout,
    _client,
)

from .conftest import BASE, SESSIONS_URL, TOKEN, Sleeps, page_json, session_json

HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def paged(example: dict[str, Any], ids: list[str], cap: int = 100) -> Any:
    """An aioresponses callback serving `ids` with DRF paging."""

    def callback(url: Any, **kwargs: Any) -> CallbackResult:
        page = int(url.query.get("page", "1"))
        size = min(int(url.query.get("page_size", "10")), cap)
        chunk = ids[(page - 1) * size : page * size]
        if page > 1 and not chunk:
            return CallbackResult(status=404, payload={"detail": "Invalid page."})
        return CallbackResult(payload=page_json(example, chunk, len(ids), page * size < len(ids)))

    return callback


# --- construction and lifecycle ------------------------------------------------


def test_no_token_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARIQA_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="CARIQA_TOKEN"):
        CariqaClient()


def test_token_and_base_url_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARIQA_TOKEN", TOKEN)
    monkeypatch.setenv("CARIQA_BASE_URL", "https://dev.connect.cariqa.com")
    client = CariqaClient()
    assert client.base_url == "https://dev.connect.cariqa.com"
    monkeypatch.delenv("CARIQA_BASE_URL")
    assert CariqaClient().base_url == "https://connect.cariqa.com"


@pytest.mark.parametrize("token", [" xq7z", "xq7z\n", "xq 7z", "xq7z\x00"])
def test_malformed_tokens_are_refused_without_echoing_them(token: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        CariqaClient(token)
    assert token.strip() not in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_url": "http://connect.cariqa.com"},
        {"concurrency": 0},
        {"max_response_size": 0},
        {"max_passes": 0},
        {"on_inconsistent": "ignore"},
    ],
)
def test_bad_options(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        CariqaClient(TOKEN, **kwargs)


def test_insecure_base_url_needs_an_explicit_opt_in() -> None:
    client = CariqaClient(TOKEN, base_url="http://connect.cariqa.com", allow_insecure=True)
    assert client.base_url == "http://connect.cariqa.com"


async def test_an_unopened_or_closed_client_says_so() -> None:
    client = CariqaClient(TOKEN, base_url=BASE)
    with pytest.raises(ClientClosedError, match="not open"):
        await client.charging_sessions.get("u1", "s1")
    with pytest.raises(ClientClosedError, match="not open"):
        client.charging_sessions.iter("u1")
    async with client:
        assert not client.closed
    assert client.closed
    with pytest.raises(ClientClosedError, match="closed"):
        await client.charging_sessions.list("u1")
    with pytest.raises(ClientClosedError, match="closed"):
        await client.open()
    await client.aclose()  # idempotent


async def test_a_borrowed_session_is_never_closed(
    mock: aioresponses, example_page: dict[str, Any]
) -> None:
    mock.get(SESSIONS_URL, payload=page_json(example_page, ["a"], 1))
    async with aiohttp.ClientSession() as session:
        async with CariqaClient(TOKEN, base_url=BASE, session=session) as client:
            page = await client.charging_sessions.list("u1")
            assert [s.id for s in page.results] == ["a"]
        assert not session.closed
    async with CariqaClient(TOKEN, base_url=BASE) as client:
        owned = client._session
        assert owned is not None
        assert not owned.closed
    assert owned.closed


# --- reading -------------------------------------------------------------------


async def test_list_get_and_iter(
    mock: aioresponses, client: CariqaClient, example_page: dict[str, Any]
) -> None:
    ids = [f"s{i}" for i in range(25)]
    mock.get(SESSIONS_URL, callback=paged(example_page, ids), repeat=True)
    mock.get(
        f"{BASE}/api/v1/users/u1/charging-sessions/s7/", payload=session_json(example_page, "s7")
    )
    page = await client.charging_sessions.list("u1", page=2, page_size=10)
    assert (page.count, len(page)) == (25, 10)
    assert [s.id for s in page.results] == ids[10:20]
    assert [s.id async for s in client.charging_sessions.iter("u1", page_size=10)] == ids
    one = await client.charging_sessions.get("u1", "s7")
    assert one.id == "s7"
    requested = {str(url) for (_, url) in mock.requests}
    # The page links point at evil.test; only our base URL was ever asked.
    assert all(url.startswith(f"{BASE}/api/v1/users/u1/charging-sessions/") for url in requested)


async def test_strict_client_accepts_the_real_example(
    mock: aioresponses, example_page: dict[str, Any]
) -> None:
    mock.get(SESSIONS_URL, payload=example_page)
    async with CariqaClient(TOKEN, base_url=BASE, strict=True) as client:
        page = await client.charging_sessions.list("u1")
    assert page.results[0].session_cost.invoice_vat is not None


@pytest.mark.parametrize("hostile", ["../stations", "a/b", "a?b", "", "..", "a#b"])
async def test_hostile_ids_never_reach_the_network(
    mock: aioresponses, client: CariqaClient, hostile: str
) -> None:
    with pytest.raises(ValueError, match="_id"):
        await client.charging_sessions.get(hostile, "s1")
    with pytest.raises(ValueError, match="session_id"):
        await client.charging_sessions.get("u1", hostile)
    with pytest.raises(ValueError, match="user_id"):
        client.charging_sessions.iter(hostile)
    assert not mock.requests


# --- retries -------------------------------------------------------------------


async def test_retry_then_success_yields_each_item_exactly_once(
    mock: aioresponses, client: CariqaClient, example_page: dict[str, Any], sleeps: Sleeps
) -> None:
    ids = [f"s{i}" for i in range(30)]
    serve = paged(example_page, ids)
    failures = {2: [500, 503], 3: ["drop"]}

    def flaky(url: Any, **kwargs: Any) -> CallbackResult:
        page = int(url.query.get("page", "1"))
        pending = failures.get(page)
        if pending:
            what = pending.pop(0)
            if what == "drop":
                raise aiohttp.ServerDisconnectedError()
            return CallbackResult(status=what, body=HTML_502, content_type="text/html")
        return serve(url, **kwargs)

    mock.get(SESSIONS_URL, callback=flaky, repeat=True)
    items = [s.id async for s in client.charging_sessions.iter("u1", page_size=10)]
    assert items == ids
    assert client.stats.retries == 3
    assert client.stats.retries_by_reason == {"500": 1, "503": 1, "connection": 1}
    assert len(sleeps.waits) == 3


async def test_retry_after_is_honoured(
    mock: aioresponses, client: CariqaClient, example_page: dict[str, Any], sleeps: Sleeps
) -> None:
    mock.get(SESSIONS_URL, status=429, payload={"detail": "slow"}, headers={"Retry-After": "7"})
    mock.get(
        SESSIONS_URL,
        status=429,
        payload={"detail": "slow"},
        headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},  # in the past: no wait
    )
    mock.get(SESSIONS_URL, payload=page_json(example_page, ["a"], 1))
    page = await client.charging_sessions.list("u1")
    assert page.results[0].id == "a"
    assert sleeps.waits == [7.0, 0.0]


async def test_retry_after_beyond_the_maximum_is_not_waited_for(
    mock: aioresponses, example_page: dict[str, Any], sleeps: Sleeps
) -> None:
    mock.get(SESSIONS_URL, status=429, payload={"detail": "x"}, headers={"Retry-After": "3600"})
    policy = RetryPolicy(max_retry_after=60, sleep=sleeps)
    async with CariqaClient(TOKEN, base_url=BASE, retry=policy) as client:
        with pytest.raises(RateLimitError) as info:
            await client.charging_sessions.list("u1")
    assert info.value.retry_after == 3600
    assert sleeps.waits == []


async def test_gives_up_after_max_retries_with_the_last_error(
    mock: aioresponses, client: CariqaClient, sleeps: Sleeps
) -> None:
    mock.get(SESSIONS_URL, status=502, body=HTML_502, content_type="text/html", repeat=True)
    with pytest.raises(ServerError) as info:
        await client.charging_sessions.list("u1")
    assert info.value.status == 502
    assert info.value.attempts == 4
    assert "502 Bad Gateway" in str(info.value)
    assert sleeps.waits == [0.5, 1.0, 2.0]  # full jitter with random() pinned to 1
    assert client.stats.requests == 4


async def test_tenacity_runs_only_once_an_attempt_failed(
    mock: aioresponses,
    client: CariqaClient,
    sleeps: Sleeps,
    example_page: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first attempt skips tenacity (its executor costs ~40 us a request); a
    # retryable failure is replayed into it as attempt 1, so waits, counts and
    # hooks are what tenacity alone would have made of it.
    executors: list[object] = []
    real = _client.retrying

    def counted(*args: Any, **kwargs: Any) -> Any:
        executor = real(*args, **kwargs)
        executors.append(executor)
        return executor

    monkeypatch.setattr(_client, "retrying", counted)
    mock.get(SESSIONS_URL, payload=example_page, repeat=True)
    for _ in range(3):
        await client.charging_sessions.list("u1")
    assert executors == []
    mock.clear()
    mock.get(SESSIONS_URL, status=503, payload={"detail": "busy"})
    mock.get(SESSIONS_URL, status=503, payload={"detail": "busy"})
    mock.get(SESSIONS_URL, payload=example_page)
    await client.charging_sessions.list("u1")
    assert len(executors) == 1
    assert sleeps.waits == [0.5, 1.0]  # retries 1 and 2, as without the shortcut
    assert client.stats.retries == 2
    mock.get(SESSIONS_URL, status=404, payload={"detail": "Not found."})
    with pytest.raises(NotFoundError) as info:
        await client.charging_sessions.list("u1")
    assert info.value.attempts == 1
    assert info.value.__context__ is None
    assert len(executors) == 1  # a final error never starts it


async def test_deadline_bounds_the_retrying(mock: aioresponses, sleeps: Sleeps) -> None:
    mock.get(SESSIONS_URL, status=503, payload={"detail": "busy"}, repeat=True)
    policy = RetryPolicy(
        max_retries=50, deadline=3.0, sleep=sleeps, clock=sleeps.clock, random=lambda: 1.0
    )
    async with CariqaClient(TOKEN, base_url=BASE, retry=policy) as client:
        with pytest.raises(ServerError):
            await client.charging_sessions.list("u1")
    assert sum(sleeps.waits) <= 3.0
    assert sleeps.waits == [0.5, 1.0]


@pytest.mark.parametrize(
    ("status", "cls"),
    [(401, AuthenticationError), (403, PermissionDeniedError), (404, NotFoundError)],
)
async def test_4xx_is_never_retried(
    mock: aioresponses, client: CariqaClient, sleeps: Sleeps, status: int, cls: type[Exception]
) -> None:
    mock.get(SESSIONS_URL, status=status, payload={"detail": "no"}, repeat=True)
    with pytest.raises(cls):
        await client.charging_sessions.list("u1")
    assert client.stats.requests == 1
    assert sleeps.waits == []


async def test_truncated_json_is_retried_then_typed(
    mock: aioresponses, client: CariqaClient, example_page: dict[str, Any]
) -> None:
    mock.get(SESSIONS_URL, body='{"count": 1, "next": null, "resu')
    mock.get(SESSIONS_URL, payload=page_json(example_page, ["a"], 1))
    assert (await client.charging_sessions.list("u1")).results[0].id == "a"
    mock.get(SESSIONS_URL, body='{"count": 1, "next": null, "resu', repeat=True)
    with pytest.raises(DecodeError) as info:
        await client.charging_sessions.list("u1")
    assert info.value.attempts == 4
    assert "not valid JSON" in str(info.value)


async def test_html_with_status_200_is_a_decode_error(
    mock: aioresponses, client: CariqaClient
) -> None:
    mock.get(SESSIONS_URL, body="<html>Maintenance</html>", content_type="text/html", repeat=True)
    with pytest.raises(DecodeError) as info:
        await client.charging_sessions.list("u1")
    assert "text/html" in str(info.value)
    assert "<html>Maintenance" in info.value.snippet


async def test_wrong_types_give_a_schema_error_with_both_paths(
    mock: aioresponses, client: CariqaClient, example_page: dict[str, Any]
) -> None:
    page = page_json(example_page, [f"s{i}" for i in range(5)], 5)
    page["results"][3] = {**page["results"][3], "duration": "ten"}
    mock.get(SESSIONS_URL, payload=page, repeat=True)
    with pytest.raises(SchemaError) as info:
        await client.charging_sessions.list("u1", page_size=5)
    assert info.value.field == "results[3].duration"
    assert info.value.path == "/api/v1/users/u1/charging-sessions/?page=1&page_size=5"
    assert client.stats.requests == 1  # not retried: asking again gives the same body
    with pytest.raises(SchemaError) as info:
        [s async for s in client.charging_sessions.iter("u1", page_size=5)]
    assert info.value.field == "results[3].duration"


# --- the concurrency cap -------------------------------------------------------


async def test_the_cap_holds_across_many_concurrent_walks(
    mock: aioresponses, example_page: dict[str, Any]
) -> None:
    ids = [f"s{i}" for i in range(60)]
    serve = paged(example_page, ids)
    in_flight = peak = 0

    async def counting(url: Any, **kwargs: Any) -> CallbackResult:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(5):  # stay "on the wire" across several loop turns
            await asyncio.sleep(0)
        in_flight -= 1
        return serve(url, **kwargs)

    mock.get(SESSIONS_URL, callback=counting, repeat=True)
    async with CariqaClient(TOKEN, base_url=BASE, concurrency=5) as client:

        async def one() -> list[str]:
            return [s.id async for s in client.charging_sessions.iter("u1", page_size=10)]

        results = await asyncio.gather(*(one() for _ in range(30)))
    assert all(r == ids for r in results)
    assert peak == 5  # reached (so the test can fail) and never exceeded
    assert client.stats.max_in_flight == 5


# --- secrets -------------------------------------------------------------------


async def test_the_token_appears_in_no_repr_log_or_exception(
    mock: aioresponses, caplog: pytest.LogCaptureFixture, example_page: dict[str, Any]
) -> None:
    caplog.set_level(logging.DEBUG)
    mock.get(
        SESSIONS_URL,
        status=401,
        payload={"detail": "Authentication credentials were not provided."},
    )
    mock.get(SESSIONS_URL, status=503, body=HTML_502, content_type="text/html")
    mock.get(SESSIONS_URL, exception=aiohttp.ClientConnectionError("reset by peer"), repeat=True)
    policy = RetryPolicy(max_retries=1, sleep=Sleeps())
    raised: list[BaseException] = []
    async with CariqaClient(TOKEN, base_url=BASE, retry=policy) as client:
        texts = [repr(client), str(client), repr(client._token)]
        for _ in range(2):
            with pytest.raises(CariqaError) as info:
                await client.charging_sessions.list("u1")
            raised.append(info.value)
    for exc in raised:
        texts += [str(exc), repr(exc), repr(exc.args), "".join(traceback.format_exception(exc))]
        texts += [repr(vars(exc))]
    texts += [record.getMessage() for record in caplog.records]
    assert isinstance(raised[0], AuthenticationError)
    assert isinstance(raised[1], CariqaConnectionError)
    assert any("retry" in record.getMessage() for record in caplog.records)
    for text in texts:
        assert TOKEN not in text
        assert "SECRET" not in text


async def test_timeouts_are_configurable() -> None:
    client = CariqaClient(TOKEN, base_url=BASE, timeout=5)
    assert client._timeout == Timeout(read=5)
    assert Timeout(connect=1, read=2, total=3).to_aiohttp().sock_read == 2
