"""The one call path: statuses, shapes and the location errors name."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aioresponses import CallbackResult, aioresponses

from cariqa_async import CariqaClient, InvalidArgumentError, SchemaError, User
from cariqa_async._endpoints import Empty, Many, One

from .conftest import BASE, SESSIONS_URL, TOKEN, page_json

# Declared retryable so that its errors come as they are, not as OutcomeUnknownError
# (tests/client/test_must_not_run_twice.py covers that).
CREATE = One("users_create", "POST", "users/", User, 201, idempotent=True)
ITEMS = Many("stations_partners_list", "GET", "things/", User)
GONE = Empty("users_destroy", "DELETE", "users/{user_id}/", type(None), 204)
USERS = re.compile(r"^https://api\.test/api/v1/users/$")


async def test_an_item_error_names_the_page_size_actually_sent(
    mock: aioresponses, client: CariqaClient, example_page: dict[str, Any]
) -> None:
    # The server caps page_size at 50; the walk asked for 1000 and then sends 50.
    ids = [f"s{i}" for i in range(100)]
    sent: list[str] = []

    def serve(url: Any, **kwargs: Any) -> CallbackResult:
        sent.append(url.query_string)
        page = int(url.query["page"])
        body = page_json(example_page, ids[(page - 1) * 50 : page * 50], 100, page == 1)
        if page == 2:
            body["results"][3]["duration"] = "ten"
        return CallbackResult(payload=body)

    mock.get(SESSIONS_URL, callback=serve, repeat=True)
    with pytest.raises(SchemaError) as info:
        async for _ in client.charging_sessions.iter("u1", page_size=1000):
            pass
    assert "page=2&page_size=50" in sent
    assert info.value.path == "/api/v1/users/u1/charging-sessions/?page=2&page_size=50"
    assert info.value.field == "results[3].duration"


async def test_a_schema_error_reports_the_status_received(
    mock: aioresponses, client: CariqaClient
) -> None:
    mock.post(USERS, status=201, payload={"id": 7})
    with pytest.raises(SchemaError) as info:
        await client._call(CREATE, body={"email": None})
    assert info.value.status == 201
    assert info.value.field == "id"


async def test_strict_mode_refuses_an_undocumented_success_status(
    mock: aioresponses, example_page: dict[str, Any]
) -> None:
    mock.post(USERS, status=200, payload={"id": "u1"})
    mock.post(USERS, status=201, payload={"id": "u1"})
    async with CariqaClient(TOKEN, base_url=BASE, strict=True) as strict:
        with pytest.raises(SchemaError, match="expected HTTP 201, got 200") as info:
            await strict._call(CREATE, body={})
        assert info.value.status == 200
    async with CariqaClient(TOKEN, base_url=BASE) as lenient:
        assert (await lenient._call(CREATE, body={})).id == "u1"


async def test_shapes_array_and_no_body(mock: aioresponses) -> None:
    mock.get(f"{BASE}/api/v1/things/", payload=[{"id": "a"}, {"id": 3}])
    mock.get(f"{BASE}/api/v1/things/", payload=[{"id": "a"}, {"id": "b"}])
    mock.delete(f"{BASE}/api/v1/users/u1/", status=204)
    async with CariqaClient(TOKEN, base_url=BASE) as client:
        with pytest.raises(SchemaError) as info:
            await client._call(ITEMS)
        assert info.value.field == "[1].id"
        assert await client._call(ITEMS) == (User("a"), User("b"))
        assert await client._call(GONE, {"user_id": "u1"}) is None


async def test_bodies_are_json_and_carry_null(mock: aioresponses) -> None:
    seen: list[Any] = []

    def record(url: Any, **kwargs: Any) -> CallbackResult:
        seen.append((kwargs["data"], kwargs["headers"]["Content-Type"]))
        return CallbackResult(status=201, payload={"id": "u9"})

    mock.post(USERS, callback=record)
    async with CariqaClient(TOKEN, base_url=BASE) as client:
        await client._call(CREATE, body={"email": None, "locale": "de"})
    assert seen == [(b'{"email":null,"locale":"de"}', "application/json")]


@pytest.mark.parametrize(("page", "page_size"), [(0, None), (1, 0), (-1, 5), (1, True)])
async def test_page_arguments_are_checked_before_sending(
    mock: aioresponses, client: CariqaClient, page: int, page_size: int | None
) -> None:
    with pytest.raises(InvalidArgumentError):
        await client.charging_sessions.list("u1", page=page, page_size=page_size)
    assert not mock.requests
