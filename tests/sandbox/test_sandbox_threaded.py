"""The threaded variant: sync code drives a sandbox served from a background thread."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import pytest

from cariqa_async.sandbox import Sandbox, ThreadedSandbox

from .sandbox_helpers import auth


def fetch(sb: ThreadedSandbox, path: str, token: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(sb.url + path, headers=auth(sb, token))  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local URL)
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def test_sync_code_against_a_threaded_sandbox() -> None:
    with Sandbox(seed=2, sessions_per_user=[15, 0]).run_in_thread() as sb:
        assert sb.url.startswith("http://127.0.0.1:")
        user = sb.user_ids[0]
        status, body = fetch(sb, f"/api/v1/users/{user}/charging-sessions/")
        assert (status, body["count"], len(body["results"])) == (200, 15, 10)
        assert fetch(sb, "/api/v1/users/", token="wrong")[0] == 403

        # Controls from this (another) thread take effect at once.
        new = sb.insert_sessions(user, 2)
        assert (
            fetch(sb, f"/api/v1/users/{user}/charging-sessions/")[1]["results"][0]["id"] == new[0]
        )
        sb.schedule_faults(["503"])
        request = urllib.request.Request(sb.url + "/api/v1/users/", headers=auth(sb))  # noqa: S310
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310
        info.value.close()
        assert info.value.code == 503
        assert sb.stats.requests == 4
        assert sb.stats.faults == {"503": 1}
    with pytest.raises(RuntimeError, match="not running"):
        _ = sb.url


def test_hold_release_and_wait_in_flight_across_threads() -> None:
    with ThreadedSandbox(Sandbox(users=3)) as sb:
        sb.hold()
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(fetch, sb, "/api/v1/users/") for _ in range(4)]
            sb.wait_in_flight(4, timeout=10)
            assert sb.stats.in_flight == 4
            assert not any(f.done() for f in futures)
            sb.release()
            assert [f.result()[0] for f in futures] == [200] * 4
        assert sb.stats.max_in_flight == 4
        with pytest.raises(TimeoutError):
            sb.wait_in_flight(1, timeout=0.01)


def test_lifecycle() -> None:
    sb = ThreadedSandbox(Sandbox(users=1))
    with pytest.raises(RuntimeError, match="not running"):
        sb.release()
    sb.start()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            sb.start()
        assert sb.sandbox.url == sb.url
    finally:
        sb.close()
    sb.close()  # idempotent
    assert not any(t.name == "cariqa-sandbox" for t in threading.enumerate())


def test_start_failure_is_raised_in_the_caller() -> None:
    with Sandbox(users=1).run_in_thread() as first:
        port = int(first.url.rsplit(":", 1)[1])
        with pytest.raises(OSError):  # noqa: PT011 (the errno depends on the platform)
            Sandbox(users=1, port=port).run_in_thread().start()


def test_close_is_prompt_with_a_stalled_request() -> None:
    sb = Sandbox(users=1, stall_time=30.0).run_in_thread().start()
    sb.schedule_faults(["stall"])
    with ThreadPoolExecutor(1) as pool:
        stalled = pool.submit(fetch, sb, "/api/v1/users/")
        sb.wait_in_flight(1, timeout=10)
        started = time.perf_counter()
        sb.close()
        assert time.perf_counter() - started < 2.0
        with pytest.raises(OSError):  # noqa: PT011 (reset or refused)
            stalled.result(timeout=10)


async def test_a_threaded_sandbox_serves_async_clients_too(http: aiohttp.ClientSession) -> None:
    with Sandbox(users=4).run_in_thread() as sb:
        async with http.get(f"{sb.url}/api/v1/users/", headers=auth(sb)) as response:
            assert (await response.json())["count"] == 4
