"""Every operation's request as sent (verb, path, query, body) and its special rules."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aioresponses import CallbackResult, aioresponses
from yarl import URL

from cariqa_async import (
    AlreadyChargingError,
    AlreadyStoppedError,
    CariqaClient,
    InvalidArgumentError,
    NotFoundError,
    OutcomeUnknownError,
    RetryPolicy,
)
from cariqa_async._endpoints import ENDPOINTS
from tests.contract.schemas import validate_request

from .conftest import BASE, TOKEN, Sleeps, session_json

MODELS = Path(__file__).resolve().parents[1] / "data" / "models"
USER = {"id": "u1", "email": None, "locale": "en", "custom_properties": None}


def sample(name: str) -> Any:
    return json.loads((MODELS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
async def client() -> Any:
    policy = RetryPolicy(max_retries=2, sleep=Sleeps())
    async with CariqaClient(TOKEN, base_url=BASE, retry=policy, strict=True) as c:
        yield c


class Wire:
    """Serves one canned answer and records the request exactly as it went out."""

    def __init__(self, mock: aioresponses) -> None:
        self.mock = mock
        self.sent: list[tuple[str, str, list[tuple[str, str]], Any]] = []

    def serve(self, method: str, path: str, status: int, payload: Any = None) -> None:
        def record(url: URL, **kwargs: Any) -> CallbackResult:
            data = kwargs.get("data")
            body = None if data is None else json.loads(data)
            self.sent.append((method, url.path, sorted(url.query.items()), body))
            if payload is None:
                return CallbackResult(status=status, body="")
            return CallbackResult(status=status, payload=payload)

        # aioresponses hands the callback the URL with its query sorted.
        pattern = re.compile(re.escape(BASE + path) + r"(\?.*)?$")
        self.mock.add(pattern, method, callback=record, repeat=True)


# operation id -> (call, method, path, query sent, body sent, status, answer, request schema)
Case = tuple[
    Callable[[CariqaClient], Any], str, str, list[tuple[str, str]], Any, int, Any, str | None
]


def cases(example: dict[str, Any]) -> dict[str, Case]:
    session = session_json(example, "s1")
    ended = {**session, "rates": 4}
    page = {"count": 1, "next": None, "previous": None, "results": [session]}
    return {
        "users_create": (
            lambda c: c.users.create(email="ada@example.com", external_id="crm-1"),
            "POST", "/api/v1/users/", [],
            {"email": "ada@example.com", "custom_properties": {"external_id": "crm-1"}},
            201, USER, "ConnectAPIUser",
        ),
        "users_partial_update": (
            lambda c: c.users.update("u1", email=None, locale="de"),
            "PATCH", "/api/v1/users/u1/", [], {"email": None, "locale": "de"},
            200, USER, "PatchedConnectAPIUser",
        ),
        "users_destroy": (
            lambda c: c.users.delete("u1"),
            "DELETE", "/api/v1/users/u1/", [], None, 204, None, None,
        ),
        "users_billing_details_retrieve": (
            lambda c: c.billing_details.get("u1"),
            "GET", "/api/v1/users/u1/billing-details/", [], None,
            200, sample("billing_details"), None,
        ),
        "users_billing_details_update": (
            lambda c: c.billing_details.update("u1", line1="Hauptstr. 1", postal_code="67547"),
            "PUT", "/api/v1/users/u1/billing-details/", [],
            {
                "line1": "Hauptstr. 1", "postal_code": "67547", "city": None, "country": None,
                "first_name": None, "last_name": None, "account_type": "personal",
                "company_name": None, "tax_id": None, "vat_id": None,
            },
            200, sample("billing_details"), "ConnectAPIBillingDetails",
        ),
        "users_payment_methods_list": (
            lambda c: c.payment_methods.list("u1", page_size=5),
            "GET", "/api/v1/users/u1/payment-methods/", [("page", "1"), ("page_size", "5")], None,
            200, sample("payment_methods_page"), None,
        ),
        "users_payment_methods_destroy": (
            lambda c: c.payment_methods.delete("u1", "pm_1"),
            "DELETE", "/api/v1/users/u1/payment-methods/pm_1/", [], None, 204, None, None,
        ),
        "users_payment_methods_default_create": (
            lambda c: c.payment_methods.set_default("u1", "pm_1"),
            "POST", "/api/v1/users/u1/payment-methods/pm_1/default/", [], None, 204, None, None,
        ),
        "users_setup_intents_retrieve": (
            lambda c: c.payment_methods.setup_intent("u1"),
            "GET", "/api/v1/users/u1/setup-intents/", [("pm_type", "card")], None,
            200, sample("setup_intent"), None,
        ),
        "users_charging_start_create": (
            lambda c: c.charging.start("u1", evse_id="DE*CIQ*E1*1", payment_method_id="pm_1"),
            "POST", "/api/v1/users/u1/charging/start/", [],
            {"evse_id": "DE*CIQ*E1*1", "payment_method_id": "pm_1"},
            201, session, "ConnectAPIStartChargingRequest",
        ),
        "users_charging_stop_create": (
            lambda c: c.charging.stop("u1", "s1"),
            "POST", "/api/v1/users/u1/charging/stop/s1/", [], None, 204, None, None,
        ),
        "users_charging_sessions_partial_update": (
            lambda c: c.charging_sessions.rate("u1", "s1", 4),
            "PATCH", "/api/v1/users/u1/charging-sessions/s1/", [], {"rates": 4},
            200, ended, "PatchedConnectAPIChargingSession",
        ),
        "users_charging_debts_list": (
            lambda c: c.debts.list("u1"),
            "GET", "/api/v1/users/u1/charging/debts/", [("page", "1")], None,
            200, sample("debts_page"), None,
        ),
        "users_invoices_list": (
            lambda c: c.invoices.list("u1", page=2),
            "GET", "/api/v1/users/u1/invoices/", [("page", "2")], None,
            200, sample("invoices_page"), None,
        ),
        "stations_around_list": (
            lambda c: c.stations.around(
                latitude=49.63, longitude=8.37, distance=500,
                connector_types=["IEC_62196_T2", "CHADEMO"], only_available=True,
            ),
            "GET", "/api/v1/stations/around/",
            [
                ("latitude", "49.63"), ("longitude", "8.37"), ("distance", "500"),
                ("connector_types", "IEC_62196_T2"), ("connector_types", "CHADEMO"),
                ("only_available", "true"), ("page", "1"),
            ],
            None, 200, sample("stations_page"), None,
        ),
        "stations_details_retrieve": (
            lambda c: c.stations.get(evse_id="DE*CIQ*E1*1"),
            "GET", "/api/v1/stations/details/", [("id", "DE*CIQ*E1*1"), ("type", "evse_id")],
            None, 200, sample("stations_page")["results"][0], None,
        ),
        "stations_partners_list": (
            lambda c: c.stations.partners(),
            "GET", "/api/v1/stations/partners/", [], None, 200, sample("partners"), None,
        ),
        "stations_tile_retrieve": (
            lambda c: c.stations.tile(z=12, x=[2142, 2143], y=1399, power_groups=["fast"]),
            "GET", "/api/v1/stations/tile/",
            [("z", "12"), ("x", "2142"), ("x", "2143"), ("y", "1399"), ("power_groups", "fast")],
            None, 200, sample("tile"), None,
        ),
        "users_list": (
            lambda c: c.users.list(search="crm-1"),
            "GET", "/api/v1/users/", [("search", "crm-1"), ("page", "1")], None,
            200, {"count": 1, "next": None, "previous": None, "results": [USER]}, None,
        ),
        "users_retrieve": (
            lambda c: c.users.get("u1"), "GET", "/api/v1/users/u1/", [], None, 200, USER, None,
        ),
        "users_charging_sessions_list": (
            lambda c: c.charging_sessions.list("u1"),
            "GET", "/api/v1/users/u1/charging-sessions/", [("page", "1")], None, 200, page, None,
        ),
        "users_charging_sessions_retrieve": (
            lambda c: c.charging_sessions.get("u1", "s1"),
            "GET", "/api/v1/users/u1/charging-sessions/s1/", [], None, 200, session, None,
        ),
    }  # fmt: skip


@pytest.mark.parametrize("operation_id", sorted(e.operation_id for e in ENDPOINTS))
async def test_each_operation_sends_what_the_spec_asks(
    mock: aioresponses,
    client: CariqaClient,
    example_page: dict[str, Any],
    operation_id: str,
) -> None:
    call, method, path, query, body, status, answer, schema = cases(example_page)[operation_id]
    wire = Wire(mock)
    wire.serve(method, path, status, answer)
    result = await call(client)
    assert wire.sent == [(method, path, sorted(query), body)]
    if schema is not None:
        validate_request(body, schema)
    assert (result is None) == (status == 204)


async def test_a_retried_stop_answered_already_stopped_returns(
    mock: aioresponses, client: CariqaClient
) -> None:
    url = f"{BASE}/api/v1/users/u1/charging/stop/s1/"
    stopped = {"detail": "x", "error": {"type": "already_stopped", "details": "done"}}
    mock.post(url, status=503, body="<html>503</html>")  # the stop ran; its answer was lost
    mock.post(url, status=409, payload=stopped)
    assert await client.charging.stop("u1", "s1") is None
    mock.post(url, status=409, payload=stopped)  # a first answer of already_stopped is news
    with pytest.raises(AlreadyStoppedError):
        await client.charging.stop("u1", "s1")


async def test_a_retried_delete_answered_404_returns(
    mock: aioresponses, client: CariqaClient
) -> None:
    url = f"{BASE}/api/v1/users/u1/"
    mock.delete(url, status=502, body="<html>502</html>")
    mock.delete(url, status=404, payload={"detail": "Not found."})
    assert await client.users.delete("u1") is None
    mock.delete(url, status=404, payload={"detail": "Not found."})
    with pytest.raises(NotFoundError):
        await client.users.delete("u1")


@pytest.mark.parametrize(("rates"), [0, 6, True, 2.5])
async def test_a_rating_out_of_range_is_refused_before_sending(
    mock: aioresponses, client: CariqaClient, rates: Any
) -> None:
    with pytest.raises(InvalidArgumentError):
        await client.charging_sessions.rate("u1", "s1", rates)
    assert not mock.requests


@pytest.mark.parametrize("given", [{}, {"station_id": "a", "evse_id": "b"}])
async def test_a_station_is_looked_up_by_exactly_one_id(
    client: CariqaClient, given: dict[str, str]
) -> None:
    with pytest.raises(InvalidArgumentError, match="exactly one"):
        await client.stations.get(**given)


START = f"{BASE}/api/v1/users/u1/charging/start/"
SESSIONS = f"{BASE}/api/v1/users/u1/charging-sessions/?page=1"


def active_page(example: dict[str, Any], evse_id: str | None) -> dict[str, Any]:
    results = []
    if evse_id is not None:
        results.append({**session_json(example, "live"), "is_active": True, "evse_id": evse_id,
                        "end_time": None, "duration": None})  # fmt: skip
    results.append(session_json(example, "old"))
    return {"count": len(results), "next": None, "previous": None, "results": results}


async def test_ensure_started_returns_the_session_a_lost_start_began(
    mock: aioresponses, client: CariqaClient, example_page: dict[str, Any]
) -> None:
    mock.post(START, status=502, body="<html>502</html>")  # it ran, the answer got lost
    mock.get(SESSIONS, payload=active_page(example_page, "E1"))
    session = await client.charging.ensure_started("u1", evse_id="E1", payment_method_id="pm")
    assert (session.id, session.is_active) == ("live", True)
    assert sum(key[0] == "POST" for key in mock.requests) == 1  # the start was sent once


async def test_ensure_started_reraises_when_nothing_runs(
    mock: aioresponses, client: CariqaClient, example_page: dict[str, Any]
) -> None:
    mock.post(START, status=502, body="<html>502</html>")
    mock.get(SESSIONS, payload=active_page(example_page, None))
    with pytest.raises(OutcomeUnknownError):
        await client.charging.ensure_started("u1", evse_id="E1", payment_method_id="pm")


async def test_ensure_started_names_the_other_active_session(
    mock: aioresponses, client: CariqaClient, example_page: dict[str, Any]
) -> None:
    busy = {"detail": "x", "error": {"type": "already_charging", "details": "busy"}}
    mock.post(START, status=409, payload=busy)
    mock.get(SESSIONS, payload=active_page(example_page, "OTHER"))
    with pytest.raises(AlreadyChargingError) as info:
        await client.charging.ensure_started("u1", evse_id="E1", payment_method_id="pm")
    assert info.value.active_session is not None
    assert info.value.active_session.evse_id == "OTHER"


async def test_invoices_in_the_docs_envelope_are_walked_page_after_page(
    mock: aioresponses, client: CariqaClient
) -> None:
    docs = sample("invoices_page_docs")
    url = f"{BASE}/api/v1/users/u1/invoices/"
    invoice = docs["data"][0]
    pages = [
        [{**invoice, "link": f"{invoice['link']}?n={n}"} for n in range(3)],
        [{**invoice, "link": f"{invoice['link']}?n={n}"} for n in range(3, 5)],
    ]
    asked: list[str] = []

    def serve(url_: URL, **kwargs: Any) -> CallbackResult:
        number = int(url_.query["page"])
        asked.append(url_.query["page"])
        more = str(number + 1) if number < len(pages) else None
        envelope = {**docs, "data": pages[number - 1], "next_page_id": more, "size": 3}
        return CallbackResult(payload=envelope)

    mock.get(url + "?page=1&page_size=100", callback=serve)
    mock.get(url + "?page=2&page_size=3", callback=serve)
    links = [invoice.link async for invoice in client.invoices.iter("u1")]
    assert asked == ["1", "2"]
    assert links == [f"{invoice['link']}?n={n}" for n in range(5)]
