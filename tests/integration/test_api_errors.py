"""An APIError from the sandbox, over real sockets: request id, headers, body, the path."""

from __future__ import annotations

import logging

import orjson
import pytest

from cariqa_async import NotFoundError, ValidationError
from cariqa_async.sandbox import Sandbox

from .conftest import client_for


async def test_an_api_error_carries_the_request_id_headers_and_body() -> None:
    async with Sandbox(seed=2, users=1) as sb, client_for(sb) as client:
        with pytest.raises(NotFoundError) as info:
            await client.users.get("no-such-user")
    exc = info.value
    assert exc.request_id is not None
    assert exc.request_id.startswith("req_")
    assert exc.headers["x-request-id"] == exc.request_id
    assert exc.headers["Content-Type"].startswith("application/json")
    assert orjson.loads(exc.body) == {"detail": "Not found."}
    assert exc.request_id in str(exc)


async def test_each_request_gets_its_own_id() -> None:
    async with Sandbox(seed=2, users=1) as sb, client_for(sb) as client:
        ids = set()
        for _ in range(3):
            with pytest.raises(NotFoundError) as info:
                await client.users.get("no-such-user")
            ids.add(info.value.request_id)
    assert len(ids) == 3


async def test_a_rich_envelope_error_keeps_its_raw_body() -> None:
    async with Sandbox(seed=2, users=1) as sb, client_for(sb) as client:
        with pytest.raises(ValidationError) as info:
            await client.users.update(sb.user_ids[0], email="not an email")
    body = orjson.loads(info.value.body)
    assert body["error"]["type"] == "validation_error"
    assert info.value.request_id is not None


async def test_a_non_ascii_id_shows_once_encoded_in_errors_and_debug_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="cariqa_async")
    async with Sandbox(seed=2, users=1) as sb, client_for(sb) as client:
        with pytest.raises(NotFoundError) as info:
            await client.users.get("über")
    assert info.value.path == "/api/v1/users/%C3%BCber/"
    assert "%25" not in str(info.value)
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("GET /api/v1/users/%C3%BCber/ -> 404" in line for line in lines), lines
    assert not any("%25" in line for line in lines)
