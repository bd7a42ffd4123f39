"""Charging start/stop, rating, debts and invoices, the sandbox clock, and faults around writes."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from cariqa_async.sandbox import Sandbox
from cariqa_async.sandbox.resources import debts
from cariqa_async.sandbox.resources.stations import evse, evse_ids
from tests.contract.schemas import CHARGING_SESSION, ERROR_DETAIL, validate

from .sandbox_helpers import auth, raw_request
from .test_sandbox_accounts import call

#: EVA Charge, Worms: both its EVSEs start AVAILABLE whatever the seed.
EVSE_1, EVSE_2 = evse_ids()[:2]


async def new_user(http: aiohttp.ClientSession, sb: Sandbox, billing: bool = True) -> str:
    _, user = await call(http, sb, "POST", "users/", {})
    if billing:
        body = {"line1": "Ring 1", "postal_code": "67547"}
        assert (await call(http, sb, "PUT", f"users/{user['id']}/billing-details/", body))[0] == 200
    return str(user["id"])


async def start(
    http: aiohttp.ClientSession, sb: Sandbox, user_id: str, pm: str, evse_id: str = EVSE_1
) -> tuple[int, Any]:
    body = {"evse_id": evse_id, "payment_method_id": pm}
    return await call(http, sb, "POST", f"users/{user_id}/charging/start/", body)


def error_type(status_body: tuple[int, Any]) -> tuple[int, str]:
    status, body = status_body
    validate(body, ERROR_DETAIL)
    return status, body["error"]["type"]


async def test_start_checks_in_the_documented_order(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user = await new_user(http, sandbox, billing=False)
    pm = sandbox.attach_payment_method(user)
    assert (await start(http, sandbox, "00000000-0000-4000-8000-000000000000", pm))[0] == 404
    assert (await start(http, sandbox, user, pm, "DE*CIQ*ENOPE*1")) == (
        404,
        {"detail": "Not found."},
    )
    assert error_type(await start(http, sandbox, user, pm)) == (409, "billing_data_required")
    await call(
        http, sandbox, "PUT", f"users/{user}/billing-details/", {"line1": "a", "postal_code": "1"}
    )
    other = sandbox.attach_payment_method(sandbox.user_ids[1])
    assert error_type(await start(http, sandbox, user, other)) == (402, "payment_method_error")
    assert error_type(await start(http, sandbox, user, "pm_card_nope")) == (
        402,
        "payment_method_error",
    )
    sandbox.state.store.evse_statuses[EVSE_2] = "OUTOFORDER"
    assert error_type(await start(http, sandbox, user, pm, EVSE_2)) == (
        409,
        "station_availability_issue",
    )
    status, body = await start(http, sandbox, user, "pm_card_chargeDeclined")
    assert error_type((status, body)) == (402, "pre_authorization_failed")
    assert body["error"]["payment_intent_client_secret"].startswith("pi_")
    assert "_secret_" in body["error"]["payment_intent_client_secret"]
    status, _session = await start(http, sandbox, user, pm)
    assert status == 201
    # Running now: already_charging comes before the EVSE's (now CHARGING) status.
    assert error_type(await start(http, sandbox, user, pm, EVSE_2)) == (409, "already_charging")
    owing = await new_user(http, sandbox)
    debts.add(sandbox.state.store, sandbox.user_ids.index(owing), debts.record("s", "1.00", "eur"))
    assert error_type(await start(http, sandbox, owing, pm)) == (402, "payment_method_error")
    assert error_type(await start(http, sandbox, owing, "pm_card_visa")) == (402, "payment_error")
    status, body = await call(http, sandbox, "POST", f"users/{user}/charging/start/", {})
    assert status == 400
    assert body["evse_id"] == body["payment_method_id"] == ["This field is required."]


async def test_a_started_session_heads_the_list_and_charges_with_the_clock(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user = sandbox.user_ids[9]  # 250 seeded sessions
    before = sandbox.session_ids(user)
    status, session = await start(http, sandbox, user, "pm_card_visa")
    assert status == 201
    validate(session, CHARGING_SESSION)
    assert session["is_active"]
    assert session["end_time"] is None
    assert (session["consumed_energy"], session["evse_id"]) == ("0.000", EVSE_1)
    assert session["station_info"]["station_name"] == "EVA Charge"
    assert sandbox.session_ids(user) == [session["id"], *before]
    _, head = await call(http, sandbox, "GET", f"users/{user}/charging-sessions/?page_size=2")
    assert head["results"][0] == session
    assert head["results"][1]["start_time"] < session["start_time"]
    assert session["start_time"] == sandbox.now.isoformat().replace("+00:00", "Z")
    store = sandbox.state.store
    facts = evse(store, EVSE_1)
    assert facts is not None
    assert facts.status == "CHARGING"

    sandbox.advance_time(1800)  # 30 min at min(22 kW, an 11 kW car)
    path = f"users/{user}/charging-sessions/{session['id']}/"
    _, running = await call(http, sandbox, "GET", path)
    assert running["consumed_energy"] == "5.500"
    assert await call(http, sandbox, "POST", f"users/{user}/charging/stop/{session['id']}/") == (
        204,
        None,
    )
    _, ended = await call(http, sandbox, "GET", path)
    validate(ended, CHARGING_SESSION)
    assert (ended["is_active"], ended["duration"], ended["consumed_energy"]) == (
        False,
        1800,
        "5.500",
    )
    prices = ended["user_facing_session_prices"]
    cost = ended["session_cost"]
    expected = Decimal(0)
    if prices["kwh_price"] is not None:
        expected += (Decimal(prices["kwh_price"]) * Decimal("5.5")).quantize(Decimal("0.01"))
    if prices["time_price"] is not None:
        expected += Decimal(prices["time_price"]) * 30
    for fee in ("session_fee", "starting_fee"):
        if prices[fee] is not None:
            expected += Decimal(prices[fee])
    assert Decimal(cost["invoice_summary"]) == expected > 0
    facts = evse(store, EVSE_1)
    assert facts is not None
    assert facts.status == "AVAILABLE"
    status, answer = await call(
        http, sandbox, "POST", f"users/{user}/charging/stop/{session['id']}/"
    )
    assert error_type((status, answer)) == (409, "already_stopped")

    _, invoices = await call(http, sandbox, "GET", f"users/{user}/invoices/?page_size=1")
    validate(invoices, "PaginatedConnectAPIInvoiceListList")
    [invoice] = invoices["results"]
    assert invoice == {
        "link": cost["invoice_download"],
        "total": cost["invoice_summary"],
        "date": ended["end_time"],
        "refund": False,
        "charging_session_id": session["id"],
        "currency": cost["currency"],
    }


async def test_a_failing_card_turns_the_bill_into_a_debt(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user = await new_user(http, sandbox)
    pm = sandbox.attach_payment_method(user, "pm_card_chargeCustomerFail")
    _, session = await start(http, sandbox, user, pm)
    sandbox.advance_time(3600)
    await call(http, sandbox, "POST", f"users/{user}/charging/stop/{session['id']}/")
    _, ended = await call(http, sandbox, "GET", f"users/{user}/charging-sessions/{session['id']}/")
    assert ended["session_cost"]["invoice_download"] is None
    _, page = await call(http, sandbox, "GET", f"users/{user}/charging/debts/")
    validate(page, "PaginatedConnectAPIDebtList")
    [debt] = page["results"]
    assert debt["session_id"] == session["id"]
    assert debt["amount"] == ended["session_cost"]["invoice_summary"]
    assert debt["currency"] == "EUR"
    assert (await call(http, sandbox, "GET", f"users/{user}/invoices/"))[1]["count"] == 0
    assert error_type(await start(http, sandbox, user, "pm_card_visa")) == (402, "payment_error")
    assert error_type(await call(http, sandbox, "DELETE", f"users/{user}/")) == (
        402,
        "payment_error",
    )


async def test_delete_is_refused_while_charging(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user = await new_user(http, sandbox)
    _, session = await start(http, sandbox, user, "pm_card_visa")
    assert error_type(await call(http, sandbox, "DELETE", f"users/{user}/")) == (
        400,
        "validation_error",
    )
    await call(http, sandbox, "POST", f"users/{user}/charging/stop/{session['id']}/")
    assert (await call(http, sandbox, "DELETE", f"users/{user}/"))[0] == 204


async def test_rating_finished_sessions_only(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    user = sandbox.user_ids[5]
    finished = sandbox.session_ids(user)[3]
    path = f"users/{user}/charging-sessions/{finished}/"
    for rates in (1, 5, None):
        status, body = await call(http, sandbox, "PATCH", path, {"rates": rates})
        assert (status, body["rates"]) == (200, rates)
        assert (await call(http, sandbox, "GET", path))[1] == body
    assert (await call(http, sandbox, "PATCH", path, {}))[1]["rates"] is None
    for bad in (0, 6, "5", True, 2.5):
        status, body = await call(http, sandbox, "PATCH", path, {"rates": bad})
        assert error_type((status, body)) == (400, "validation_error")
        assert body["rates"] == [f'"{bad}" is not a valid choice.']
    _, session = await start(http, sandbox, user, "pm_card_visa")
    running = f"users/{user}/charging-sessions/{session['id']}/"
    status, body = await call(http, sandbox, "PATCH", running, {"rates": 4})
    assert error_type((status, body)) == (400, "validation_error")
    missing = f"users/{user}/charging-sessions/{sandbox.session_ids(sandbox.user_ids[6])[0]}/"
    assert (await call(http, sandbox, "PATCH", missing, {"rates": 4}))[0] == 404


async def test_seeded_debts_and_invoices_derive_from_seeded_sessions(
    http: aiohttp.ClientSession,
) -> None:
    async with Sandbox(seed=3, users=120) as sb:
        owing = 0
        for user_id in sb.user_ids:
            _, debt_page = await call(http, sb, "GET", f"users/{user_id}/charging/debts/")
            _, invoices = await call(http, sb, "GET", f"users/{user_id}/invoices/?page_size=100")
            _, sessions = await call(
                http, sb, "GET", f"users/{user_id}/charging-sessions/?page_size=100"
            )
            validate(debt_page, "PaginatedConnectAPIDebtList")
            validate(invoices, "PaginatedConnectAPIInvoiceListList")
            owed = {d["session_id"] for d in debt_page["results"]}
            owing += bool(owed)
            finished = [s for s in sessions["results"] if not s["is_active"]]
            # One invoice per finished session, newest first, but for the one owed.
            billed = [s for s in finished if s["id"] not in owed]
            assert [i["charging_session_id"] for i in invoices["results"]] == [
                s["id"] for s in billed
            ][: len(invoices["results"])]
            for invoice, session in zip(invoices["results"], billed, strict=False):
                assert invoice["total"] == session["session_cost"]["invoice_summary"]
                assert invoice["date"] == session["end_time"]
            for debt in debt_page["results"]:
                assert debt["session_id"] == finished[0]["id"]  # the newest finished one
                assert Decimal(debt["amount"]) > 0
        assert 1 <= owing <= 15


async def test_doc_variants_serve_the_docs_shapes(http: aiohttp.ClientSession) -> None:
    async with Sandbox(seed=5, sessions_per_user=[25], doc_variants=True) as sb:
        user_id = sb.user_ids[0]
        ids, pages = [], 0
        page: dict[str, Any] = {"next_page_id": "start"}
        while page["next_page_id"] is not None:
            pages += 1
            status, page = await call(
                http, sb, "GET", f"users/{user_id}/invoices/?page={pages}&page_size=10"
            )
            assert status == 200
            assert set(page) == {"size", "next_page_id", "prev_page_id", "view_link", "data"}
            assert page["size"] == len(page["data"])
            assert (page["prev_page_id"] is None) == (pages == 1)
            assert all(
                i["view_link"].startswith("https://invoice.stripe.com/") for i in page["data"]
            )
            ids += [i["charging_session_id"] for i in page["data"]]
        assert pages == 3
        assert len(ids) == len(set(ids)) >= 23
        debt = debts.record("s1", "2.00", "eur")
        debts.add(sb.state.store, 0, debt)
        _, debt_page = await call(http, sb, "GET", f"users/{user_id}/charging/debts/")
        assert debt_page["results"] == [
            {
                "session_id": "s1",
                "client_secret": debt[debts._SECRET],
                "amount": "2.00",
                "currency": "EUR",
            }
        ]


async def test_concurrent_starts_only_one_wins(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user = await new_user(http, sandbox)
    outcomes = await asyncio.gather(*(start(http, sandbox, user, "pm_card_visa") for _ in range(8)))
    statuses = sorted(status for status, _ in outcomes)
    assert statuses == [201] + [409] * 7
    assert sandbox.stats.executed["users_charging_start_create"] == 8


def test_controls_from_other_threads_while_serving() -> None:
    with Sandbox(seed=2, users=4).run_in_thread() as sb:
        user = sb.user_ids[0]
        attached: list[str] = []

        def attach() -> None:
            for _ in range(25):
                attached.append(sb.attach_payment_method(user))

        threads = [threading.Thread(target=attach) for _ in range(4)]
        for thread in threads:
            thread.start()
        for _ in range(20):
            sb.advance_time(1)
        for thread in threads:
            thread.join()
        assert len(set(attached)) == 100
        assert sb.now.isoformat() == "2026-04-03T12:00:20+00:00"


@pytest.mark.parametrize(
    ("kind", "runs"),
    [("429", 0), ("500", 0), ("502", 0), ("503", 0), ("drop", 0), ("truncate", 1), ("lost", 1)],
)
async def test_executed_counts_handler_runs_under_faults(
    sandbox: Sandbox, kind: str, runs: int
) -> None:
    before = len(sandbox.user_ids)
    sandbox.schedule_faults([kind])  # type: ignore[list-item]
    headers = {**auth(sandbox), "Content-Type": "application/json", "Content-Length": "2"}
    await raw_request(sandbox.url, "/api/v1/users/", headers, method="POST", body=b"{}")
    assert sandbox.stats.executed.get("users_create", 0) == runs
    assert len(sandbox.user_ids) == before + runs
    assert sandbox.stats.faults == {kind: 1}


async def test_lost_closes_unanswered_after_the_handler_ran(sandbox: Sandbox) -> None:
    sandbox.schedule_faults(["lost"])
    headers = {**auth(sandbox), "Content-Type": "application/json", "Content-Length": "2"}
    data = await raw_request(sandbox.url, "/api/v1/users/", headers, method="POST", body=b"{}")
    assert data == b""
    assert len(sandbox.user_ids) == 11


async def test_a_stalled_request_ran_even_if_the_client_gave_up(
    http: aiohttp.ClientSession,
) -> None:
    async with Sandbox(users=2, stall_time=30) as sb:
        sb.schedule_faults(["stall"])
        with pytest.raises(asyncio.TimeoutError):
            await http.post(
                f"{sb.url}/api/v1/users/",
                headers=auth(sb),
                json={},
                timeout=aiohttp.ClientTimeout(total=0.2),
            )
        assert len(sb.user_ids) == 3
        assert sb.stats.executed == {"users_create": 1}


async def test_inject_error_answers_the_next_matching_request(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user = await new_user(http, sandbox)
    sandbox.reset_stats()
    sandbox.inject_error("temporary_locked", path=f"/api/v1/users/{user}/charging/")
    sandbox.inject_error("charging_provider_error", status=500)
    status, body = await call(http, sandbox, "GET", "users/")
    assert error_type((status, body)) == (500, "charging_provider_error")
    assert error_type(await start(http, sandbox, user, "pm_card_visa")) == (423, "temporary_locked")
    assert sandbox.stats.executed == {}  # neither handler ran
    assert (await start(http, sandbox, user, "pm_card_visa"))[0] == 201
    async with http.post(
        f"{sandbox.url}/_sandbox/errors", json={"error_type": "pre_authorization_failed"}
    ) as response:
        assert response.status == 200
    status, body = await call(http, sandbox, "GET", "users/")
    assert error_type((status, body)) == (402, "pre_authorization_failed")
    assert body["error"]["payment_intent_client_secret"].startswith("pi_")
    with pytest.raises(ValueError, match="unknown error type"):
        sandbox.inject_error("nope")
    with pytest.raises(ValueError, match=r"400\.\.599"):
        sandbox.inject_error("payment_error", status=200)
    async with http.post(f"{sandbox.url}/_sandbox/errors", json={"error_type": "x"}) as response:
        assert response.status == 400


async def test_clock_control_routes(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sandbox.url}/_sandbox/clock") as response:
        assert await response.json() == {"now": "2026-04-03T12:00:00Z"}
    async with http.post(f"{sandbox.url}/_sandbox/clock/advance", json={"seconds": 90}) as response:
        assert await response.json() == {"now": "2026-04-03T12:01:30Z"}
    async with http.post(f"{sandbox.url}/_sandbox/clock/advance", json={"seconds": -1}) as response:
        assert response.status == 400
    with pytest.raises(ValueError, match="forward"):
        sandbox.advance_time(-5)
