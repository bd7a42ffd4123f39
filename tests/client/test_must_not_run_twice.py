"""Calls that must not run twice: retried only when they provably never reached the API."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from cariqa_async import (
    CariqaClient,
    CariqaConnectionError,
    CariqaTimeoutError,
    ConflictError,
    DecodeError,
    OutcomeUnknownError,
    RetryPolicy,
    SchemaError,
    ServerError,
)
from cariqa_async._endpoints import One
from cariqa_async.models import User

from .conftest import BASE, TOKEN, Sleeps

CREATE = One("users_create", "POST", "users/", User, 201)
USERS = re.compile(r"^https://api\.test/api/v1/users/$")
CREATED = {"id": "u1"}


def refused() -> aiohttp.ClientConnectorError:
    key = aiohttp.client_reqrep.ConnectionKey("api.test", 443, True, True, None, None, None)
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "Connection refused"))


@pytest.fixture
async def client() -> Any:
    policy = RetryPolicy(max_retries=3, sleep=Sleeps())
    async with CariqaClient(TOKEN, base_url=BASE, retry=policy) as c:
        yield c


@pytest.mark.parametrize(
    "first",
    [
        {"exception": None},  # placeholder replaced below
        {"status": 429, "payload": {"detail": "slow down"}},
        {"exception": aiohttp.ConnectionTimeoutError("connect timeout")},
    ],
    ids=["refused", "429", "connect-timeout"],
)
async def test_failures_before_the_api_are_retried(
    mock: aioresponses, client: CariqaClient, first: dict[str, Any]
) -> None:
    if first == {"exception": None}:
        first = {"exception": refused()}
    mock.post(USERS, **first)
    mock.post(USERS, status=201, payload=CREATED)
    assert (await client._call(CREATE, body={})).id == "u1"
    assert client.stats.requests == 2


@pytest.mark.parametrize(
    ("answer", "cause"),
    [
        ({"exception": aiohttp.ServerDisconnectedError()}, CariqaConnectionError),
        ({"exception": aiohttp.SocketTimeoutError("read")}, CariqaTimeoutError),
        ({"status": 502, "body": "<html>502</html>"}, ServerError),
        (
            {"status": 500, "payload": {"detail": "x", "error": {"type": "unexpected_error"}}},
            ServerError,
        ),
        ({"status": 201, "body": '{"id": "u1", "ema'}, DecodeError),
        ({"status": 201, "payload": {"id": 5}}, SchemaError),
    ],
    ids=["reset", "read-timeout", "502", "500", "truncated-201", "bad-201"],
)
async def test_failures_after_sending_are_outcome_unknown_after_one_request(
    mock: aioresponses, client: CariqaClient, answer: dict[str, Any], cause: type[Exception]
) -> None:
    mock.post(USERS, **answer)
    mock.post(USERS, status=201, payload=CREATED)  # a retry would get this: it must not
    with pytest.raises(OutcomeUnknownError) as info:
        await client._call(CREATE, body={})
    assert client.stats.requests == 1
    assert info.value.operation == "users_create"
    assert info.value.method == "POST"
    assert isinstance(info.value.__cause__, cause)
    assert info.value.__cause__.__context__ is None  # nothing foreign chained


async def test_a_definite_answer_is_its_typed_error(
    mock: aioresponses, client: CariqaClient
) -> None:
    body = {"detail": "Charging Error", "error": {"type": "already_charging", "details": "x"}}
    mock.post(USERS, status=409, payload=body)
    with pytest.raises(ConflictError) as info:
        await client._call(CREATE, body={})
    assert info.value.error_type == "already_charging"
    assert client.stats.requests == 1


async def test_refusal_after_every_retry_is_the_transport_error(
    mock: aioresponses, client: CariqaClient
) -> None:
    mock.post(USERS, exception=refused(), repeat=True)
    with pytest.raises(CariqaConnectionError) as info:
        await client._call(CREATE, body={})
    assert info.value.sent is False
    assert info.value.attempts == 4  # the first and three retries: nothing reached the API
