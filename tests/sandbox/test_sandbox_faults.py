"""Latency, each fault kind, schedules, random faults, counters and prompt shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from typing import Any

import aiohttp
import orjson
import pytest

from cariqa_async.sandbox import FAULT_KINDS, FaultConfig, Sandbox
from tests.contract.schemas import DETAIL, ERROR_DETAIL, PAGINATED_USERS, validate

from .sandbox_helpers import auth, get, raw_request, sessions_url, split_http


async def users_page(http: aiohttp.ClientSession, sb: Sandbox) -> tuple[int, Any]:
    status, body, _ = await get(http, f"{sb.url}/api/v1/users/", auth(sb))
    return status, body


async def test_429_has_retry_after_and_a_detail(http: aiohttp.ClientSession) -> None:
    async with Sandbox(users=3, retry_after=7) as sb:
        sb.schedule_faults(["429"])
        status, body, response = await get(http, f"{sb.url}/api/v1/users/", auth(sb))
        assert status == 429
        assert response.headers["Retry-After"] == "7"
        validate(body, DETAIL)
        assert body["detail"] == "Request was throttled. Expected available in 7 seconds."
        assert sb.stats.faults == {"429": 1}


async def test_500_has_the_rich_envelope(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    sandbox.schedule_faults(["500"])
    status, body = await users_page(http, sandbox)
    assert status == 500
    validate(body, ERROR_DETAIL)
    assert body["error"]["type"] == "unexpected_error"
    assert re.fullmatch(r"Support code: [0-9A-F]{8}", body["error"]["details"])


@pytest.mark.parametrize(("kind", "title"), [("502", "502 Bad Gateway"), ("503", "503 Service")])
async def test_gateway_errors_are_nginx_html(
    sandbox: Sandbox, http: aiohttp.ClientSession, kind: str, title: str
) -> None:
    sandbox.schedule_faults([kind])  # type: ignore[list-item]
    status, body, response = await get(http, f"{sandbox.url}/api/v1/users/", auth(sandbox))
    assert status == int(kind)
    assert response.content_type == "text/html"
    assert f"<title>{title}" in body
    assert response.headers["Server"] == "nginx"


async def test_drop_closes_before_any_byte(sandbox: Sandbox) -> None:
    sandbox.schedule_faults(["drop"])
    data = await raw_request(sandbox.url, "/api/v1/users/", auth(sandbox))
    assert data == b""
    assert sandbox.stats.faults == {"drop": 1}


async def test_drop_as_an_aiohttp_client_sees_it(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    # aiohttp itself retries an idempotent request once on a dropped connection.
    sandbox.schedule_faults(["drop", "drop"])
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await users_page(http, sandbox)
    assert sandbox.stats.faults == {"drop": 2}
    assert sandbox.stats.requests == 2


async def test_truncate_sends_half_the_announced_body(sandbox: Sandbox) -> None:
    sandbox.schedule_faults(["truncate"])
    status, headers, body = split_http(
        await raw_request(sandbox.url, "/api/v1/users/", auth(sandbox))
    )
    assert status == 200
    assert headers["content-type"] == "application/json"
    full = int(headers["content-length"])
    assert 0 < len(body) < full
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body)
    # The full body it announced is the normal answer.
    normal = split_http(await raw_request(sandbox.url, "/api/v1/users/", auth(sandbox)))[2]
    assert len(normal) == full
    assert normal.startswith(body)


async def test_truncate_as_an_aiohttp_client_sees_it(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    sandbox.schedule_faults(["truncate"])
    with pytest.raises(aiohttp.ClientPayloadError):
        await users_page(http, sandbox)


async def test_stall_answers_late(http: aiohttp.ClientSession) -> None:
    async with Sandbox(users=2, stall_time=0.2) as sb:
        sb.schedule_faults(["stall", "stall"])
        with pytest.raises(asyncio.TimeoutError):
            await http.get(
                f"{sb.url}/api/v1/users/",
                headers=auth(sb),
                timeout=aiohttp.ClientTimeout(total=0.05),
            )
        started = time.perf_counter()
        status, body = await users_page(http, sb)
        assert time.perf_counter() - started >= 0.2
        assert status == 200
        validate(body, PAGINATED_USERS)
        assert sb.stats.faults == {"stall": 2}


async def test_latency_delays_every_api_request(http: aiohttp.ClientSession) -> None:
    async with Sandbox(users=2, latency=0.05, jitter=0.02) as sb:
        for _ in range(3):
            started = time.perf_counter()
            assert (await users_page(http, sb))[0] == 200
            assert time.perf_counter() - started >= 0.05
        sb.set_faults(latency=30.0)
        started = time.perf_counter()
        await get(http, f"{sb.url}/_sandbox/stats")
        assert time.perf_counter() - started < 10.0  # control endpoints are not delayed


async def test_schedule_order_none_and_path_filters(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    sandbox.set_faults(fault_rate=1.0, fault_kinds=["503"])
    user = sandbox.user_ids[4]
    sandbox.schedule_faults(["429", None, "500"], path=f"/api/v1/users/{user}/")
    sandbox.schedule_faults([None, "502"], path=re.compile(r"^/api/v1/users/$"))
    sessions = sessions_url(sandbox.url, user)
    statuses = [
        (await get(http, sessions, auth(sandbox)))[0],  # 429 (first schedule)
        (await users_page(http, sandbox))[0],  # None: normal despite fault_rate=1
        (await get(http, sessions, auth(sandbox)))[0],  # None
        (await users_page(http, sandbox))[0],  # 502
        (await get(http, sessions, auth(sandbox)))[0],  # 500
        (await get(http, sessions, auth(sandbox)))[0],  # schedules empty: random 503
    ]
    assert statuses == [429, 200, 200, 502, 500, 503]
    assert sandbox.stats.faults == {"429": 1, "502": 1, "500": 1, "503": 1}
    assert sandbox.stats.requests == 6


async def test_random_faults_follow_rates_and_fault_seed(http: aiohttp.ClientSession) -> None:
    runs = []
    for _ in range(2):
        async with Sandbox(users=1, faults={"429": 0.3, "500": 0.2}, fault_seed=42) as sb:
            runs.append([(await users_page(http, sb))[0] for _ in range(200)])
            stats = sb.stats
        assert stats.faults == {"429": runs[-1].count(429), "500": runs[-1].count(500)}
        assert stats.requests == 200
    assert runs[0] == runs[1]
    assert 35 <= runs[0].count(429) <= 85
    assert 20 <= runs[0].count(500) <= 60


async def test_fault_rate_spreads_over_all_kinds_but_lost_by_default() -> None:
    config = FaultConfig.create(fault_rate=0.7)
    assert set(config.rates) == set(FAULT_KINDS) - {"lost"}  # "lost" is opt-in
    assert sum(config.rates.values()) == pytest.approx(0.7)
    two = FaultConfig.create(fault_rate=0.5, fault_kinds=["429", "drop"], faults={"429": 0.1})
    assert two.rates == {"429": pytest.approx(0.35), "drop": pytest.approx(0.25)}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"fault_rate": 1.5},
        {"faults": {"429": 0.8, "500": 0.8}},
        {"faults": {"teapot": 0.1}},
        {"fault_rate": 0.1, "fault_kinds": ["nope"]},
        {"fault_rate": 0.1, "fault_kinds": []},
        {"latency": -1},
        {"stall_time": -1},
    ],
)
def test_invalid_fault_settings(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (messages vary by setting)
        FaultConfig.create(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError):  # noqa: PT011
        Sandbox(users=1, **kwargs)  # type: ignore[arg-type]


async def test_faults_change_at_run_time(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    sandbox.set_faults(faults={"503": 1.0})
    assert (await users_page(http, sandbox))[0] == 503
    sandbox.set_faults(latency=0.01)  # keeps the rates
    assert sandbox.faults.rates == {"503": 1.0}
    assert sandbox.faults.latency == 0.01
    sandbox.clear_faults()
    assert sandbox.faults == FaultConfig()
    assert (await users_page(http, sandbox))[0] == 200
    with pytest.raises(ValueError, match="unknown fault kinds"):
        sandbox.schedule_faults(["boom"])  # type: ignore[list-item]


async def test_fault_control_endpoints(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    control = f"{sandbox.url}/_sandbox/faults"
    async with http.patch(
        control, json={"fault_rate": 1.0, "fault_kinds": ["502"], "retry_after": 3}
    ) as r:
        assert r.status == 200
        body = await r.json()
    assert body["rates"] == {"502": 1.0}
    assert body["retry_after"] == 3
    assert (await users_page(http, sandbox))[0] == 502
    async with http.get(f"{sandbox.url}/_sandbox/stats") as r:
        assert await r.json() == {
            "requests": 1,
            "faults": {"502": 1},
            "in_flight": 0,
            "max_in_flight": 1,
            "executed": {},
        }

    schedule = {"outcomes": ["429", None], "path_regex": "^/api/v1/users/$"}
    async with http.post(control + "/schedule", json=schedule) as r:
        assert (await r.json())["scheduled"] == 2
    assert (await users_page(http, sandbox))[0] == 429
    assert (await users_page(http, sandbox))[0] == 200
    async with http.post(control + "/schedule", json={"outcomes": ["500"], "path": "/api/"}) as r:
        assert r.status == 200
    async with http.delete(control + "/schedule") as r:
        assert (await r.json())["scheduled"] == 0
    async with http.delete(control) as r:
        assert (await r.json())["rates"] == {}
    assert (await users_page(http, sandbox))[0] == 200

    for bad in (
        {"fault_rate": 2},
        {"latency": "slow"},
        {"retry_after": 1.5},
        {"unknown": 1},
        {"faults": {"418": 1}},
    ):
        async with http.patch(control, json=bad) as r:
            assert r.status == 400, bad
            validate(await r.json(), DETAIL)
    for bad_schedule in (
        {"outcomes": "429"},
        {"outcomes": ["x"]},
        {"outcomes": [], "path_regex": "("},
    ):
        async with http.post(control + "/schedule", json=bad_schedule) as r:
            assert r.status == 400, bad_schedule
    async with http.patch(control, data=b"{not json") as r:
        assert r.status == 400


async def test_stats_count_api_requests_only_and_reset(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    sandbox.set_faults(faults={"500": 1.0})
    await users_page(http, sandbox)
    await get(http, f"{sandbox.url}/api/v1/users/")  # a 401 is still an API request
    async with http.get(f"{sandbox.url}/_sandbox/") as r:
        info = await r.json()
    assert info["users"] == 10
    assert info["sessions"] == sum(sandbox.session_count(u) for u in sandbox.user_ids)
    stats = sandbox.stats
    assert (stats.requests, stats.total_faults, stats.in_flight) == (2, 2, 0)
    async with http.post(f"{sandbox.url}/_sandbox/stats/reset") as r:
        assert (await r.json())["requests"] == 0
    sandbox.reset_stats()
    assert sandbox.stats.to_json() == {
        "requests": 0,
        "faults": {},
        "in_flight": 0,
        "max_in_flight": 0,
        "executed": {},
    }


async def test_max_in_flight_with_the_gate(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    sandbox.hold()
    tasks = [asyncio.create_task(users_page(http, sandbox)) for _ in range(6)]
    await sandbox.wait_in_flight(6)
    assert sandbox.stats.in_flight == 6
    assert not any(t.done() for t in tasks)
    sandbox.release()
    assert [status for status, _ in await asyncio.gather(*tasks)] == [200] * 6
    stats = sandbox.stats
    assert (stats.in_flight, stats.max_in_flight, stats.requests) == (0, 6, 6)
    with pytest.raises(TimeoutError):
        await sandbox.wait_in_flight(1, timeout=0.01)


async def test_gate_control_endpoints(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{sandbox.url}/_sandbox/hold") as r:
        assert await r.json() == {"held": True}
    task = asyncio.create_task(users_page(http, sandbox))
    await sandbox.wait_in_flight(1)
    async with http.post(f"{sandbox.url}/_sandbox/release") as r:
        assert await r.json() == {"held": False}
    assert (await task)[0] == 200


async def test_close_is_prompt_with_stalled_and_held_requests(http: aiohttp.ClientSession) -> None:
    sb = Sandbox(users=2, stall_time=30.0)
    await sb.start()
    sb.schedule_faults(["stall"])
    stalled = asyncio.create_task(users_page(http, sb))
    await sb.wait_in_flight(1)
    sb.hold()
    held = asyncio.create_task(users_page(http, sb))
    await sb.wait_in_flight(2)
    started = time.perf_counter()
    await sb.close()
    assert time.perf_counter() - started < 2.0
    for task in (stalled, held):
        with contextlib.suppress(aiohttp.ClientError):
            await task
    await sb.close()  # idempotent
    with pytest.raises(RuntimeError, match="not running"):
        _ = sb.url
