"""The spec's operations against the SDK: which ones the client and the sandbox implement.

Every operation of ``tests/data/cariqa-openapi.yml`` is stated here: whether the
client has a method for it and the sandbox a route. The set of implemented ones
must equal :data:`IMPLEMENTED`, the explicit list of :data:`CLIENT_CALLS`: all 22.
Every body the sandbox sends on those routes validates against the spec's schema
for its status.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from cariqa_async import CariqaClient
from cariqa_async._endpoints import ENDPOINTS, Endpoint
from cariqa_async._protocol import API_PREFIX
from cariqa_async.sandbox import Sandbox
from cariqa_async.sandbox._control_routes import CONTROL_PREFIX, CONTROL_ROUTES
from cariqa_async.sandbox.resources import ROUTES
from cariqa_async.sandbox.resources.stations import evse_ids

from .schemas import validate
from .spec import Operation, operations, response_schema

#: operationId -> a call of the client's public method for it. The test runs each
#: one against a client that records which declared endpoint it reached.
CLIENT_CALLS: dict[str, Callable[[CariqaClient], object]] = {
    "users_list": lambda c: c.users.list(search="x", page=2),
    "users_create": lambda c: c.users.create(email="a@b.c"),
    "users_retrieve": lambda c: c.users.get("u1"),
    "users_partial_update": lambda c: c.users.update("u1", email=None),
    "users_destroy": lambda c: c.users.delete("u1"),
    "users_billing_details_retrieve": lambda c: c.billing_details.get("u1"),
    "users_billing_details_update": lambda c: c.billing_details.update(
        "u1", line1="a", postal_code="1"
    ),
    "users_payment_methods_list": lambda c: c.payment_methods.list("u1"),
    "users_payment_methods_destroy": lambda c: c.payment_methods.delete("u1", "pm"),
    "users_payment_methods_default_create": lambda c: c.payment_methods.set_default("u1", "pm"),
    "users_setup_intents_retrieve": lambda c: c.payment_methods.setup_intent("u1"),
    "users_charging_start_create": lambda c: c.charging.start(
        "u1", evse_id="E", payment_method_id="pm"
    ),
    "users_charging_stop_create": lambda c: c.charging.stop("u1", "s1"),
    "users_charging_sessions_list": lambda c: c.charging_sessions.list("u1"),
    "users_charging_sessions_retrieve": lambda c: c.charging_sessions.get("u1", "s1"),
    "users_charging_sessions_partial_update": lambda c: c.charging_sessions.rate("u1", "s1", 5),
    "users_charging_debts_list": lambda c: c.debts.list("u1"),
    "users_invoices_list": lambda c: c.invoices.list("u1"),
    "stations_around_list": lambda c: c.stations.around(latitude=1.0, longitude=2.0),
    "stations_details_retrieve": lambda c: c.stations.get(station_id="st"),
    "stations_partners_list": lambda c: c.stations.partners(),
    "stations_tile_retrieve": lambda c: c.stations.tile(z=1, x=0, y=0),
}
#: Walks (``iter``) reach the same paginated endpoints as ``list``.
CLIENT_WALKS: dict[str, Callable[[CariqaClient], object]] = {
    "users_list": lambda c: c.users.iter(search="x"),
    "users_charging_sessions_list": lambda c: c.charging_sessions.iter("u1"),
    "users_payment_methods_list": lambda c: c.payment_methods.iter("u1"),
    "users_charging_debts_list": lambda c: c.debts.iter("u1"),
    "users_invoices_list": lambda c: c.invoices.iter("u1"),
    "stations_around_list": lambda c: c.stations.iter_around(latitude=1.0, longitude=2.0),
}

#: The operations both the client and the sandbox implement: every one of the spec.
IMPLEMENTED = frozenset(CLIENT_CALLS)
#: The reads of a user's records, whose bodies are checked below with the same requests.
USER_READS = frozenset(
    {
        "users_list",
        "users_retrieve",
        "users_charging_sessions_list",
        "users_charging_sessions_retrieve",
    }
)

#: POSTs and PATCHes declared safe to retry, each for the reason its declaration gives:
#: setting a field to a value, making a method the default, stopping a session.
OVERRIDDEN_IDEMPOTENCY = frozenset(
    {
        "users_partial_update",
        "users_charging_sessions_partial_update",
        "users_payment_methods_default_create",
        "users_charging_stop_create",
    }
)

#: The accounts and charging operations, checked by the scripted scenario below.
ACCOUNTS = frozenset(
    {
        "users_create",
        "users_partial_update",
        "users_destroy",
        "users_billing_details_retrieve",
        "users_billing_details_update",
        "users_charging_sessions_partial_update",
        "users_charging_start_create",
        "users_charging_stop_create",
        "users_charging_debts_list",
        "users_invoices_list",
        "users_payment_methods_list",
        "users_payment_methods_destroy",
        "users_payment_methods_default_create",
        "users_setup_intents_retrieve",
    }
)

#: Bodies of statuses an operation does not document, by the envelope NOTES.md
#: says they carry: DRF's 401 and 404 ("Invalid page." on any list), throttling's
#: 429, and the 500 with a support code.
UNDOCUMENTED = {
    400: "ErrorDetail",
    401: "Detail",
    404: "Detail",
    405: "Detail",
    429: "Detail",
    500: "ErrorDetail",
}


def _declared() -> dict[str, Endpoint[Any]]:
    return {endpoint.operation_id: endpoint for endpoint in ENDPOINTS}


def _template(path: str) -> str:
    """A path template with its parameter names erased: ``/users/{}/``."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def _sandbox_routes() -> dict[str, tuple[str, str]]:
    return {r.operation_id: (r.method, r.path) for r in ROUTES if r.operation_id is not None}


def test_every_operation_is_stated() -> None:
    sandbox = _sandbox_routes()
    declared = _declared()
    status = {
        op.operation_id: (op.operation_id in declared, op.operation_id in sandbox)
        for op in operations()
    }
    assert len(status) == len(operations()) == 22  # ids are unique
    assert {op for op, (client, _) in status.items() if client} == IMPLEMENTED
    assert {op for op, (_, served) in status.items() if served} == IMPLEMENTED
    assert len(IMPLEMENTED) == 22
    assert set(CLIENT_CALLS) == set(declared)  # every declared operation has a method


def test_sandbox_routes_are_the_spec_s() -> None:
    spec = {op.operation_id: (op.method, op.path) for op in operations()}
    for route in ROUTES:
        assert route.operation_id is not None, route.path
        assert spec[route.operation_id] == (route.method, route.path)
    assert all(r.operation_id is None and r.path.startswith(CONTROL_PREFIX) for r in CONTROL_ROUTES)


def test_declared_endpoints_are_the_spec_s() -> None:
    spec = {op.operation_id: op for op in operations()}
    for endpoint in ENDPOINTS:
        op = spec[endpoint.operation_id]
        assert endpoint.method == op.method, endpoint.operation_id
        assert _template(API_PREFIX + endpoint.path) == _template(op.path), endpoint.operation_id
        documented = {int(code) for code in op.responses if code.startswith("2")}
        assert documented == {endpoint.status}, endpoint.operation_id
        assert endpoint.idempotent == (endpoint.method not in ("POST", "PATCH")) or (
            endpoint.operation_id in OVERRIDDEN_IDEMPOTENCY
        ), endpoint.operation_id


class _Recorder:
    """Stands in for the client's call path: records the endpoint each method reaches."""

    def __init__(self) -> None:
        self.reached: list[str] = []

    async def call(self, endpoint: Endpoint[Any], *args: object) -> None:
        self.reached.append(endpoint.operation_id)

    def walk(self, endpoint: Endpoint[Any], *args: object, **options: object) -> None:
        self.reached.append(endpoint.operation_id)


@pytest.mark.parametrize(
    ("operation_id", "calls"),
    [(op, CLIENT_CALLS) for op in CLIENT_CALLS] + [(op, CLIENT_WALKS) for op in CLIENT_WALKS],
)
async def test_each_method_reaches_its_declared_endpoint(
    monkeypatch: pytest.MonkeyPatch,
    operation_id: str,
    calls: dict[str, Callable[[CariqaClient], object]],
) -> None:
    recorder = _Recorder()
    client = CariqaClient("t", base_url="https://api.test")
    monkeypatch.setattr(client, "_call", recorder.call)
    monkeypatch.setattr(client, "_walk", recorder.walk)
    outcome = calls[operation_id](client)
    if inspect.isawaitable(outcome):
        await outcome
    assert recorder.reached == [operation_id]


@pytest.fixture
async def served() -> AsyncIterator[tuple[Sandbox, aiohttp.ClientSession]]:
    async with (
        Sandbox(seed=5, sessions_per_user=[0, 3, 25, 120]) as sb,
        aiohttp.ClientSession() as http,
    ):
        yield sb, http


def _url(sb: Sandbox, op: Operation, params: dict[str, str], query: str = "") -> str:
    return sb.url + op.path.format(**params) + query


async def _check(
    http: aiohttp.ClientSession, op: Operation, url: str, headers: dict[str, str], seen: set[int]
) -> Any:
    async with http.request(op.method, url, headers=headers, allow_redirects=False) as response:
        assert response.content_type == "application/json", (url, response.status)
        body = await response.json()
    content = op.responses.get(str(response.status), {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if schema.get("type") == "array":  # a plain JSON array (stations' partners)
        assert isinstance(body, list)
        for item in body:
            validate(item, schema["items"]["$ref"].rsplit("/", 1)[-1])
    else:
        validate(body, response_schema(op, response.status) or UNDOCUMENTED[response.status])
    seen.add(response.status)
    return body


async def test_every_body_on_the_implemented_routes_validates(
    served: tuple[Sandbox, aiohttp.ClientSession],
) -> None:
    sb, http = served
    auth = {"Authorization": f"Bearer {sb.token}"}
    user = sb.user_ids[3]
    params = {"user_id": user, "session_id": sb.session_ids(user)[7]}
    unknown = {"user_id": "00000000-0000-4000-8000-000000000000", "session_id": user}
    seen: dict[str, set[int]] = {}
    for op in operations():
        if op.operation_id not in USER_READS:
            continue
        statuses = seen[op.operation_id] = set()
        url = _url(sb, op, params)
        await _check(http, op, url, auth, statuses)
        await _check(http, op, url, {}, statuses)
        await _check(http, op, url, {"Authorization": "Bearer nope"}, statuses)
        if "{" in op.path:
            await _check(http, op, _url(sb, op, {**params, **unknown}), auth, statuses)
        if op.operation_id.endswith("_list"):
            for query in ("?page_size=3&page=2", "?page=last&page_size=100", "?page=999"):
                await _check(http, op, _url(sb, op, params, query), auth, statuses)
        sb.schedule_faults(["429", "500"])
        await _check(http, op, url, auth, statuses)
        await _check(http, op, url, auth, statuses)
    assert set(seen) == USER_READS
    assert all({200, 401, 403, 404, 429, 500} <= statuses for statuses in seen.values()), seen


#: A stations operation's query: one that answers 200, and one that answers 404 (if any).
STATION_QUERIES = {
    "stations_around_list": (
        "?latitude=49.630383&longitude=8.368902&distance=500000",
        "?latitude=49.630383&longitude=8.368902&distance=500000&page=999",
    ),
    "stations_details_retrieve": (
        "?id=DE*CIQ*E02SSKRNPJRRC&type=station_id",
        "?id=DE*CIQ*EXXXX*1&type=evse_id",
    ),
    "stations_partners_list": ("", None),
    "stations_tile_retrieve": ("?z=4&x=8&x=9&y=5&y=4", None),
}


STATIONS = frozenset(STATION_QUERIES)


async def test_every_body_on_the_stations_routes_validates(
    served: tuple[Sandbox, aiohttp.ClientSession],
) -> None:
    sb, http = served
    auth = {"Authorization": f"Bearer {sb.token}"}
    seen: dict[str, set[int]] = {}
    for op in operations():
        if op.operation_id not in STATIONS:
            continue
        statuses = seen[op.operation_id] = set()
        good, missing = STATION_QUERIES[op.operation_id]
        url = _url(sb, op, {}, good)
        await _check(http, op, url, auth, statuses)
        await _check(http, op, url, {}, statuses)
        await _check(http, op, url, {"Authorization": "Bearer nope"}, statuses)
        if missing is not None:
            await _check(http, op, _url(sb, op, {}, missing), auth, statuses)
        if good:  # a query the spec requires, refused
            await _check(http, op, _url(sb, op, {}, "?z=x&latitude=x&type=x"), auth, statuses)
        sb.schedule_faults(["429", "500"])
        await _check(http, op, url, auth, statuses)
        await _check(http, op, url, auth, statuses)
    assert set(seen) == STATIONS
    expected = {200, 401, 403, 429, 500}
    assert all(expected <= statuses for statuses in seen.values()), seen
    assert {op for op, statuses in seen.items() if 404 in statuses} == {
        "stations_around_list",
        "stations_details_retrieve",
    }
    assert {op for op, statuses in seen.items() if 400 in statuses} == STATIONS - {
        "stations_partners_list"
    }


async def _send(
    http: aiohttp.ClientSession,
    op: Operation,
    url: str,
    headers: dict[str, str],
    seen: set[int],
    body: object = None,
) -> Any:
    """Send one request of ``op``; validate its body (if any) against the spec for its status."""
    async with http.request(
        op.method, url, headers=headers, json=body, allow_redirects=False
    ) as response:
        seen.add(response.status)
        if response.status == 204:
            assert await response.read() == b""
            return None
        assert response.content_type == "application/json", (url, response.status)
        data = await response.json()
    validate(data, response_schema(op, response.status) or UNDOCUMENTED[response.status])
    return data


async def test_every_body_on_the_accounts_and_charging_routes_validates(
    served: tuple[Sandbox, aiohttp.ClientSession],
) -> None:
    sb, http = served
    auth = {"Authorization": f"Bearer {sb.token}"}
    spec = {op.operation_id: op for op in operations()}
    seen: dict[str, set[int]] = {op: set() for op in ACCOUNTS}
    nobody = "00000000-0000-4000-8000-000000000000"

    async def send(
        op_id: str, params: dict[str, str], body: object = None, headers: dict[str, str] = auth
    ) -> Any:
        op = spec[op_id]
        return await _send(http, op, _url(sb, op, params), headers, seen[op_id], body)

    # Every operation: unauthenticated, a bad token, an unknown user, throttled, a 500.
    user = (await send("users_create", {}, {"email": "a.b@example.com"}))["id"]
    sid = sb.session_ids(sb.user_ids[3])[7]
    pm = sb.attach_payment_method(user, "pm_card_visa")
    params = {"user_id": user, "session_id": sid, "pm": pm}
    for op_id in sorted(ACCOUNTS):
        await send(op_id, params, headers={})
        await send(op_id, params, headers={"Authorization": "Bearer nope"})
        if "{user_id}" in spec[op_id].path:
            await send(op_id, {**params, "user_id": nobody})
        sb.schedule_faults(["429", "500"])
        await send(op_id, params)
        await send(op_id, params)

    # Then each one's own answers.
    await send("users_create", {}, {"locale": "fr", "email": "nope"})
    await send("users_partial_update", params, {"locale": "de"})
    await send("users_partial_update", params, {"email": 5})
    await send("users_billing_details_retrieve", params)
    await send("users_billing_details_update", params, {"line1": ""})
    start = {"evse_id": evse_ids()[0], "payment_method_id": pm}
    await send("users_charging_start_create", params, start)  # 409 billing_data_required
    await send("users_billing_details_update", params, {"line1": "Ring 1", "postal_code": "1"})
    await send("users_charging_start_create", params, {})  # 400
    await send("users_charging_start_create", params, {**start, "evse_id": "DE*CIQ*E0*9"})
    await send("users_charging_start_create", params, {**start, "payment_method_id": "pm_x"})
    declined = {**start, "payment_method_id": "pm_card_chargeDeclined"}
    await send("users_charging_start_create", params, declined)  # 402
    session = await send("users_charging_start_create", params, start)  # 201
    await send("users_charging_start_create", params, start)  # 409 already_charging
    running = {**params, "session_id": session["id"]}
    await send("users_charging_sessions_partial_update", running, {"rates": 5})  # 400: running
    await send("users_destroy", params)  # 400: charging
    sb.advance_time(1800)
    await send("users_charging_stop_create", running)  # 204
    await send("users_charging_stop_create", running)  # 409
    await send("users_charging_stop_create", {**params, "session_id": nobody})  # 404
    await send("users_charging_sessions_partial_update", running, {"rates": 4})
    await send("users_charging_sessions_partial_update", running, {"rates": 9})
    await send("users_charging_sessions_partial_update", {**running, "session_id": nobody})
    await send("users_invoices_list", params)
    await send("users_invoices_list", {"user_id": sb.user_ids[3]})
    await send("users_charging_debts_list", params)
    await send("users_payment_methods_list", params)
    await send("users_payment_methods_list", {"user_id": sb.user_ids[2]})
    await send("users_setup_intents_retrieve", params)
    op = spec["users_setup_intents_retrieve"]
    setup = _url(sb, op, params, "?pm_type=sepa_debit")
    await _send(http, op, setup, auth, seen["users_setup_intents_retrieve"])
    await send("users_payment_methods_default_create", params)
    await send("users_payment_methods_default_create", {**params, "pm": "pm_nope"})
    await send("users_payment_methods_destroy", params)
    await send("users_payment_methods_destroy", params)  # 404: gone
    # A user whose last card fails the charge owes the bill, and cannot go.
    owing = sb.user_ids[1]
    await send(
        "users_charging_start_create",
        {"user_id": owing},
        {"evse_id": evse_ids()[1], "payment_method_id": "pm_card_chargeCustomerFail"},
    )
    sb.advance_time(3600)
    [running_id] = sb.session_ids(owing)[:1]
    await send("users_charging_stop_create", {"user_id": owing, "session_id": running_id})
    await send("users_charging_debts_list", {"user_id": owing})
    await send("users_destroy", {"user_id": owing})  # 402 payment_error
    await send("users_destroy", params)  # 204

    for op_id, statuses in seen.items():
        success = {int(code) for code in spec[op_id].responses if code.startswith("2")}
        assert success | {401, 403, 429, 500} <= statuses, (op_id, statuses)
    assert {400, 402, 404, 409} <= seen["users_charging_start_create"]
