"""Inserting and deleting sessions while serving: Python API, control endpoints, page shifts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp
import orjson
import pytest

from cariqa_async.sandbox import Sandbox, UnknownSessionsError
from cariqa_async.sandbox._sequence import KeySequence
from cariqa_async.sandbox.resources import charging_sessions, users
from tests.contract.schemas import CHARGING_SESSION, validate

from .sandbox_helpers import auth, get, sessions_url


def start(session: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(session["start_time"].replace("Z", "+00:00"))


def bodies(sb: Sandbox, user_id: str) -> list[dict[str, Any]]:
    user = users.find(sb.state.store, user_id)
    assert user is not None
    sessions = charging_sessions.collection(sb.state.store, user)
    return [orjson.loads(b) for b in sessions.page(0, len(sessions))]


async def page_ids(http: aiohttp.ClientSession, sb: Sandbox, user_id: str, page: int) -> list[str]:
    status, body, _ = await get(http, sessions_url(sb.url, user_id, f"?page={page}"), auth(sb))
    assert status == 200
    return [s["id"] for s in body["results"]]


def test_insert_at_head_is_newer_than_everything(sandbox: Sandbox) -> None:
    for user in (sandbox.user_ids[0], sandbox.user_ids[5], sandbox.user_ids[9]):
        before = sandbox.session_ids(user)
        new = sandbox.insert_sessions(user, 3)
        assert sandbox.session_ids(user) == new + before
        sessions = bodies(sandbox, user)
        for s in sessions[:3]:
            validate(s, CHARGING_SESSION)
            assert not s["is_active"]
        starts = [start(s) for s in sessions]
        assert starts == sorted(starts, reverse=True)
        assert len(set(starts)) == len(starts)
        if before:
            head = sessions[3]
            head_end = head["end_time"] or head["start_time"]
            assert start(sessions[2]) > datetime.fromisoformat(head_end.replace("Z", "+00:00"))


def test_insert_in_the_middle_and_at_the_tail(sandbox: Sandbox) -> None:
    user = sandbox.user_ids[5]  # 25 sessions
    before = sandbox.session_ids(user)
    middle = sandbox.insert_sessions(user, 2, at=10)
    tail = sandbox.insert_sessions(user, 1, at=27)
    assert sandbox.session_ids(user) == before[:10] + middle + before[10:] + tail
    starts = [start(s) for s in bodies(sandbox, user)]
    assert starts == sorted(starts, reverse=True)
    assert sandbox.session_count(user) == 28


def test_delete_by_ids_and_by_range(sandbox: Sandbox) -> None:
    user = sandbox.user_ids[6]  # 99 sessions
    ids = sandbox.session_ids(user)
    assert sandbox.delete_sessions(user, [ids[5], ids[0]]) == [ids[5], ids[0]]
    assert sandbox.delete_sessions(user, at=10, count=3) == ids[12:15]
    expected = ids[1:5] + ids[6:12] + ids[15:]
    assert sandbox.session_ids(user) == expected

    with pytest.raises(UnknownSessionsError) as info:
        sandbox.delete_sessions(user, [ids[1], ids[0]])  # ids[0] is gone already
    assert info.value.ids == [ids[0]]
    assert sandbox.session_ids(user) == expected  # all or nothing
    with pytest.raises(UnknownSessionsError):
        sandbox.delete_sessions(user, [ids[1], ids[1]])
    with pytest.raises(UnknownSessionsError):
        sandbox.delete_sessions(sandbox.user_ids[7], [ids[1]])  # another user's session
    with pytest.raises(IndexError):
        sandbox.delete_sessions(user, at=90, count=5)
    with pytest.raises(IndexError):
        sandbox.insert_sessions(user, at=1000)
    with pytest.raises(ValueError, match="either ids or at"):
        sandbox.delete_sessions(user)
    with pytest.raises(ValueError, match="count"):
        sandbox.insert_sessions(user, -1)
    with pytest.raises(KeyError):
        sandbox.session_ids("nobody")


async def test_mutation_shifts_pages_mid_walk(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user = sandbox.user_ids[7]  # 100 sessions
    first = await page_ids(http, sandbox, user, 1)
    sandbox.insert_sessions(user, 3)
    second = await page_ids(http, sandbox, user, 2)
    assert second[:3] == first[-3:]  # pushed down: seen twice by a naive walk
    sandbox.delete_sessions(user, at=0, count=8)
    third = await page_ids(http, sandbox, user, 3)
    ids = sandbox.session_ids(user)
    assert third == ids[20:30]
    assert set(third).isdisjoint(second)
    _, body, _ = await get(http, sessions_url(sandbox.url, user), auth(sandbox))
    assert body["count"] == 95


async def test_detail_follows_mutations(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    user = sandbox.user_ids[3]
    (new,) = sandbox.insert_sessions(user, 1, at=4)
    status, body, _ = await get(http, sessions_url(sandbox.url, user, f"{new}/"), auth(sandbox))
    assert status == 200
    assert body == bodies(sandbox, user)[4]
    sandbox.delete_sessions(user, [new])
    assert (await get(http, sessions_url(sandbox.url, user, f"{new}/"), auth(sandbox)))[0] == 404


def test_same_mutations_same_bytes() -> None:
    runs = []
    for _ in range(2):
        sb = Sandbox(seed=4, sessions_per_user=[30, 5])
        user = sb.user_ids[0]
        sb.insert_sessions(user, 2)
        sb.delete_sessions(user, at=5, count=3)
        sb.insert_sessions(user, 4, at=7)
        runs.append(charging_sessions.collection(sb.state.store, 0).page(0, 40))
    assert runs[0] == runs[1]


async def test_control_endpoints(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    user = sandbox.user_ids[5]  # 25 sessions
    control = f"{sandbox.url}/_sandbox/users/{user}/sessions"
    async with http.get(control) as r:
        assert (await r.json())["ids"] == sandbox.session_ids(user)
    async with http.post(control, json={"count": 2, "at": 0}) as r:
        assert r.status == 201
        new = (await r.json())["ids"]
    assert sandbox.session_ids(user)[:2] == new
    async with http.post(control) as r:  # defaults: one, at the head
        assert r.status == 201
        (newest,) = (await r.json())["ids"]
    async with http.delete(control, json={"ids": [newest, new[1]]}) as r:
        assert await r.json() == {"deleted": [newest, new[1]]}
    ids = sandbox.session_ids(user)
    async with http.delete(control, json={"at": 1, "count": 2}) as r:
        assert await r.json() == {"deleted": ids[1:3]}
    assert sandbox.session_count(user) == 24

    async with http.delete(control, json={"ids": [newest]}) as r:
        assert r.status == 404
        assert (await r.json())["ids"] == [newest]
    for method, payload in (
        ("POST", {"count": "two"}),
        ("POST", {"at": 999}),
        ("POST", {"count": -1}),
        ("POST", [1]),
        ("DELETE", {}),
        ("DELETE", {"ids": "x"}),
        ("DELETE", {"ids": [], "at": 0}),
        ("DELETE", {"at": 20, "count": 10}),
        ("DELETE", {"at": True}),
    ):
        async with http.request(method, control, json=payload) as r:
            assert r.status == 400, payload
    async with http.get(f"{sandbox.url}/_sandbox/users/nobody/sessions") as r:
        assert r.status == 404
    async with http.get(f"{sandbox.url}/_sandbox/nothing") as r:
        assert r.status == 404
    assert sandbox.stats.requests == 0  # control requests are not API requests


def test_key_sequence() -> None:
    seq = KeySequence([range(10)])
    assert seq.slice(3, 6) == [3, 4, 5]
    seq.insert(4, range(100, 103))
    assert list(seq) == [0, 1, 2, 3, 100, 101, 102, 4, 5, 6, 7, 8, 9]
    assert seq.slice(2, 6) == [2, 3, 100, 101]
    assert seq.slice(-5, 100) == list(seq)
    assert seq.at(4) == 100
    assert seq.delete(3, 3) == [3, 100, 101]
    assert seq.remove(8) == 8
    assert list(seq) == [0, 1, 2, 102, 4, 5, 6, 7, 9]
    assert len(seq) == 9
    assert 102 in seq
    assert 101 not in seq
    seq.insert(len(seq), range(7, 7))  # empty: no-op
    seq.insert(len(seq), range(200, 201))
    assert seq.at(len(seq) - 1) == 200
    assert len(seq.runs) == 5
    with pytest.raises(IndexError):
        seq.at(len(seq))
    with pytest.raises(IndexError):
        seq.insert(11, range(1))
    with pytest.raises(IndexError):
        seq.delete(8, 5)
    with pytest.raises(KeyError):
        seq.remove(3)
    with pytest.raises(ValueError, match="step"):
        KeySequence([range(0, 10, 2)])
