"""Every kind of body the sandbox emits, validated against schemas generated from the spec."""

from __future__ import annotations

import copy
from typing import Any

import aiohttp
import jsonschema
import orjson
import pytest

from cariqa_async.sandbox import Sandbox
from cariqa_async.sandbox.resources import charging_sessions
from tests.contract.schemas import (
    CHARGING_SESSION,
    DETAIL,
    ERROR_DETAIL,
    PAGINATED_SESSIONS,
    PAGINATED_USERS,
    USER,
    validate,
)

from .sandbox_helpers import auth, get, sessions_url


async def test_every_success_body_conforms(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    status, users, _ = await get(
        http, f"{sandbox.url}/api/v1/users/?page_size=3&page=2", auth(sandbox)
    )
    assert status == 200
    validate(users, PAGINATED_USERS)
    validated = 0
    for user in sandbox.user_ids:
        status, body, _ = await get(http, f"{sandbox.url}/api/v1/users/{user}/", auth(sandbox))
        validate(body, USER)
        url: str | None = sessions_url(sandbox.url, user, "?page_size=100")
        while url is not None:
            status, page, _ = await get(http, url, auth(sandbox))
            assert status == 200
            validate(page, PAGINATED_SESSIONS)
            validated += len(page["results"])
            url = page["next"]
        for session in sandbox.session_ids(user)[:2]:
            status, body, _ = await get(
                http, sessions_url(sandbox.url, user, f"{session}/"), auth(sandbox)
            )
            validate(body, CHARGING_SESSION)
    assert validated == sum(sandbox.session_count(u) for u in sandbox.user_ids)


async def test_every_error_body_conforms(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    user = sandbox.user_ids[3]
    cases = [
        (f"/api/v1/users/{user}/", {}, 401),
        (f"/api/v1/users/{user}/", auth(sandbox, "bad"), 403),
        ("/api/v1/users/nobody/", auth(sandbox), 404),
        (f"/api/v1/users/{user}/charging-sessions/?page=99", auth(sandbox), 404),
    ]
    for path, headers, expected in cases:
        status, body, _ = await get(http, sandbox.url + path, headers)
        assert status == expected
        validate(body, DETAIL)
    sandbox.schedule_faults(["429", "500"])
    status, body, _ = await get(http, f"{sandbox.url}/api/v1/users/", auth(sandbox))
    assert status == 429
    validate(body, DETAIL)
    status, body, _ = await get(http, f"{sandbox.url}/api/v1/users/", auth(sandbox))
    assert status == 500
    validate(body, ERROR_DETAIL)


def _session(sandbox: Sandbox) -> dict[str, Any]:
    sessions = charging_sessions.collection(sandbox.state.store, 9)
    return orjson.loads(sessions.page(0, 1)[0])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("consumed_energy",), "1.2345"),
        (("consumed_energy",), "123456.0"),
        (("rates",), 0),
        (("start_time",), "2026-04-02 13:51:18"),
        (("user_facing_session_prices", "currency"), "EUR"),
        (("session_cost", "invoice_vat"), None),
        (("station_info", "connector_power"), "22"),
    ],
)
def test_the_schemas_catch_drift(sandbox: Sandbox, path: tuple[str, ...], value: object) -> None:
    session = copy.deepcopy(_session(sandbox))
    validate(session, CHARGING_SESSION)
    target = session
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        validate(session, CHARGING_SESSION)


@pytest.mark.parametrize("missing", ["id", "end_time", "session_cost", "is_active"])
def test_the_schemas_require_the_spec_fields(sandbox: Sandbox, missing: str) -> None:
    session = _session(sandbox)
    del session[missing]
    with pytest.raises(jsonschema.ValidationError):
        validate(session, CHARGING_SESSION)
