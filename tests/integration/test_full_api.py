"""The whole API through the SDK's public methods, against the sandbox over sockets.

A strict client (drift fails): every one of the 22 operations, the round trip a
platform makes (user, billing, station, card, start, watch, stop, rate, invoice,
debt), and every error type of ``errors.ERROR_TYPES`` raised as its class.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from cariqa_async import (
    AlreadyChargingError,
    AlreadyStoppedError,
    APIError,
    BillingDataRequiredError,
    ChargingProviderError,
    ConflictError,
    EvseStatus,
    FailedDependencyError,
    Locale,
    NotFoundError,
    OutcomeUnknownError,
    PaymentError,
    PaymentMethodError,
    PreAuthorizationFailedError,
    StationAvailabilityError,
    TemporaryLockedError,
    UnexpectedServerError,
    ValidationError,
)
from cariqa_async._endpoints import ENDPOINTS
from cariqa_async.errors import ERROR_TYPES
from cariqa_async.sandbox import Sandbox

from .accounts import EVA, EVA_1, EVA_2, WORMS, customer
from .conftest import client_for


def tile_of(latitude: float, longitude: float, zoom: int) -> tuple[int, int]:
    """The slippy-map tile holding a point (the OSM formula)."""
    n = 2**zoom
    x = int((longitude + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(latitude))) / math.pi) / 2.0 * n)
    return x, y


def kwh(watts: int, seconds: int) -> Decimal:
    """What the sandbox charges in ``seconds`` at ``watts``, in kWh to the Wh."""
    return Decimal(watts * seconds // 3600) / 1000


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


async def test_the_round_trip_calls_every_operation_with_the_values_the_api_gives() -> None:
    async with Sandbox(seed=5, users=2) as sb, client_for(sb) as client:
        # --- find a station ---------------------------------------------------------
        partners = await client.stations.partners()
        assert partners
        assert [p.name for p in partners] == sorted(p.name for p in partners)
        around = await client.stations.around(
            latitude=WORMS[0], longitude=WORMS[1], distance=500, only_available=True
        )
        station = around.results[0]
        assert station.id == EVA
        assert [e.evse_id for e in station.evses] == [EVA_1, EVA_2]
        assert (await client.stations.get(evse_id=EVA_2)).id == EVA
        x, y = tile_of(*WORMS, zoom=18)
        tile = await client.stations.tile(z=18, x=x, y=y)
        assert EVA in {f.station_id for f in tile.features}

        # --- the user ---------------------------------------------------------------
        user = await client.users.create(
            email="ada@example.com", locale=Locale.DE, external_id="crm-42"
        )
        assert (user.email, user.locale) == ("ada@example.com", Locale.DE)
        assert user.custom_properties is not None
        assert user.custom_properties.external_id == "crm-42"
        assert await client.users.get(user.id) == user
        assert (await client.users.list(search="crm-42")).results == (user,)
        assert [u.id async for u in client.users.iter()][-1] == user.id  # the newest is last

        # PATCH: None clears a field, what is not given stays.
        cleared = await client.users.update(user.id, email=None)
        assert cleared.email is None
        assert (cleared.locale, cleared.custom_properties) == (user.locale, user.custom_properties)
        assert await client.users.get(user.id) == cleared

        # --- billing details: required before charging ------------------------------
        assert (await client.billing_details.get(user.id)).line1 == ""
        card = sb.attach_payment_method(user.id, "pm_card_visa")
        with pytest.raises(BillingDataRequiredError):
            await client.charging.start(user.id, evse_id=EVA_1, payment_method_id=card)
        billing = await client.billing_details.update(
            user.id, line1="Ludwigstr. 9", postal_code="67547", city="Worms", country="de"
        )
        assert (billing.line1, billing.postal_code, billing.city) == (
            "Ludwigstr. 9",
            "67547",
            "Worms",
        )
        assert await client.billing_details.get(user.id) == billing

        # --- payment methods --------------------------------------------------------
        first = await client.payment_methods.setup_intent(user.id)
        second = await client.payment_methods.setup_intent(user.id)
        assert first.secret is not None
        assert second.secret is not None
        assert first.secret.startswith("seti_")
        assert first.secret != second.secret  # fresh per call
        assert first.secret not in repr(first)
        methods = await client.payment_methods.list(user.id)
        assert [(m.id, m.default) for m in methods.results] == [(card, True)]

        # --- start, watch, stop -----------------------------------------------------
        session = await client.charging.start(user.id, evse_id=EVA_1, payment_method_id=card)
        assert session.is_active
        assert (session.evse_id, session.end_time, session.consumed_energy) == (
            EVA_1,
            None,
            Decimal("0.000"),
        )
        assert session.start_time == sb.now
        assert (await client.charging_sessions.list(user.id)).results == (session,)
        assert await client.charging.active(user.id) == session
        assert await client.charging.active(user.id, evse_id=EVA_2) is None
        charging_at = {
            e.evse_id: e.status for e in (await client.stations.get(station_id=EVA)).evses
        }
        assert charging_at == {EVA_1: EvseStatus.CHARGING, EVA_2: EvseStatus.AVAILABLE}

        # 22 kW connector, 11 kW car: the energy grows with the sandbox clock.
        readings = []
        for _ in range(3):
            sb.advance_time(600)
            running = await client.charging.active(user.id, evse_id=EVA_1)
            assert running is not None
            assert running.id == session.id
            readings.append(running.consumed_energy)
        assert readings == [kwh(11_000, 600 * n) for n in (1, 2, 3)]

        await client.charging.stop(user.id, session.id)
        assert await client.charging.active(user.id) is None
        done = await client.charging_sessions.get(user.id, session.id)
        assert not done.is_active
        assert done.duration == 1800
        assert done.end_time == session.start_time + timedelta(seconds=1800)
        assert done.consumed_energy == kwh(11_000, 1800)
        prices = done.user_facing_session_prices
        assert prices.kwh_price is not None
        bill = done.session_cost
        assert bill.kwh_cost == cents(prices.kwh_price * kwh(11_000, 1800))
        assert bill.invoice_summary > 0
        assert sb.evse_status(EVA_1) == "AVAILABLE"

        # --- rate -------------------------------------------------------------------
        assert (await client.charging_sessions.rate(user.id, session.id, 4)).rates == 4
        assert (await client.charging_sessions.get(user.id, session.id)).rates == 4
        assert (await client.charging_sessions.rate(user.id, session.id, None)).rates is None
        rated = await client.charging_sessions.rate(user.id, session.id, 5)
        assert (await client.charging_sessions.list(user.id)).results == (rated,)

        # --- the invoice: its total is the session's bill ---------------------------
        invoices = await client.invoices.list(user.id)
        assert invoices.count == 1
        [invoice] = invoices.results
        assert invoice.charging_session_id == session.id
        assert (invoice.total, invoice.currency) == (bill.invoice_summary, bill.currency)
        assert invoice.link == bill.invoice_download
        assert invoice.date == done.end_time
        assert [i async for i in client.invoices.iter(user.id)] == [invoice]
        assert (await client.debts.list(user.id)).count == 0

        # --- a card whose charge fails: the bill becomes a debt ---------------------
        failing = sb.attach_payment_method(user.id, "pm_card_chargeCustomerFail")
        methods = await client.payment_methods.list(user.id)
        assert [(m.id, m.default) for m in methods.results] == [(failing, False), (card, True)]
        await client.payment_methods.set_default(user.id, failing)
        await client.payment_methods.set_default(user.id, failing)  # twice: still the default
        methods = await client.payment_methods.list(user.id)
        assert [(m.id, m.default) for m in methods.results] == [(failing, True), (card, False)]

        unpaid = await client.charging.start(user.id, evse_id=EVA_2, payment_method_id=failing)
        sb.advance_time(900)
        await client.charging.stop(user.id, unpaid.id)
        unpaid = await client.charging_sessions.get(user.id, unpaid.id)
        debts = await client.debts.list(user.id)
        [debt] = debts.results
        assert debt.session_id == unpaid.id
        assert debt.amount == unpaid.session_cost.invoice_summary > 0
        assert debt.currency.lower() == unpaid.session_cost.currency.lower()
        assert debt.secret is not None
        assert debt.secret.startswith("pi_")
        assert debt.secret not in repr(debt)
        assert [d async for d in client.debts.iter(user.id)] == [debt]
        assert [i.charging_session_id async for i in client.invoices.iter(user.id)] == [session.id]

        # A user who owes can neither charge nor be deleted.
        with pytest.raises(PaymentError) as owing:
            await client.charging.start(user.id, evse_id=EVA_1, payment_method_id=card)
        assert owing.value.error_type == "payment_error"
        with pytest.raises(PaymentError):
            await client.users.delete(user.id)

        # --- deleting methods: the newest remaining one becomes the default ---------
        third = sb.attach_payment_method(user.id, "pm_card_mastercard")
        await client.payment_methods.delete(user.id, failing)
        methods = await client.payment_methods.list(user.id)
        assert [(m.id, m.default) for m in methods.results] == [(third, True), (card, False)]
        assert [m.id async for m in client.payment_methods.iter(user.id)] == [third, card]
        with pytest.raises(NotFoundError):
            await client.payment_methods.delete(user.id, failing)  # first attempt: raised

        # --- deleting a user: gone from every route ---------------------------------
        leaving, _ = await customer(client, sb)
        await client.users.delete(leaving.id)
        with pytest.raises(NotFoundError):
            await client.users.get(leaving.id)
        with pytest.raises(NotFoundError):
            await client.charging_sessions.list(leaving.id)
        assert leaving.id not in [u.id async for u in client.users.iter()]
        with pytest.raises(NotFoundError):
            await client.users.delete(leaving.id)

        # Every declared operation reached the sandbox's handler.
        assert {e.operation_id for e in ENDPOINTS} <= set(sb.stats.executed)
        assert len(ENDPOINTS) == 22


async def test_every_error_type_is_raised_as_its_class_with_its_attributes() -> None:
    async with Sandbox(seed=6, users=2) as sb, client_for(sb) as client:
        seen: dict[str, APIError] = {}

        async def expect(error_type: str, call: object) -> APIError:
            cls = ERROR_TYPES[error_type]
            with pytest.raises(cls) as caught:
                await call  # type: ignore[misc]
            assert caught.value.error_type == error_type
            assert type(caught.value) is cls
            seen[error_type] = caught.value
            return caught.value

        # The sandbox's own rules, in the order its start checks them.
        user, card = await customer(client, sb, billing=False)
        assert card is not None
        start = client.charging.start
        await expect("billing_data_required", start(user.id, evse_id=EVA_1, payment_method_id=card))
        await client.billing_details.update(user.id, line1="Ludwigstr. 9", postal_code="67547")
        foreign = sb.attach_payment_method(sb.user_ids[0])
        await expect(
            "payment_method_error", start(user.id, evse_id=EVA_1, payment_method_id=foreign)
        )
        sb.set_evse_status(EVA_2, "OUTOFORDER")
        unavailable = await expect(
            "station_availability_issue", start(user.id, evse_id=EVA_2, payment_method_id=card)
        )
        assert isinstance(unavailable, ConflictError)
        assert unavailable.status == 409
        declined = await expect(
            "pre_authorization_failed",
            start(user.id, evse_id=EVA_1, payment_method_id="pm_card_chargeDeclined"),
        )
        assert isinstance(declined, PreAuthorizationFailedError)
        secret = declined.payment_intent_client_secret
        assert secret is not None
        assert secret.startswith("pi_")
        assert "_secret_" in secret
        assert declined.status == 402
        # The secret is for the user's device: the exception hands it over, never shows it.
        assert secret not in f"{declined} {declined!r}"
        assert sb.token not in f"{declined} {declined!r}"

        session = await start(user.id, evse_id=EVA_1, payment_method_id=card)
        await expect("already_charging", start(user.id, evse_id=EVA_1, payment_method_id=card))
        rating = await expect(
            "validation_error", client.charging_sessions.rate(user.id, session.id, 3)
        )
        assert rating.status == 400
        assert rating.error_details
        await client.charging.stop(user.id, session.id)
        stopped = await expect("already_stopped", client.charging.stop(user.id, session.id))
        assert stopped.attempts == 1  # a first attempt's already_stopped is raised

        owing, failing = await customer(client, sb, "pm_card_chargeCustomerFail")
        assert failing is not None
        unpaid = await start(owing.id, evse_id=EVA_1, payment_method_id=failing)
        sb.advance_time(300)
        await client.charging.stop(owing.id, unpaid.id)
        await expect("payment_error", start(owing.id, evse_id=EVA_1, payment_method_id=failing))

        # The types the sandbox has no rule for: injected, as the API documents them.
        start_path = re.compile(r"/charging/start/$")
        sb.inject_error("temporary_locked", path=start_path)
        locked = await expect(
            "temporary_locked", start(user.id, evse_id=EVA_1, payment_method_id=card)
        )
        assert isinstance(locked, TemporaryLockedError)
        assert locked.status == 423
        sb.inject_error("charging_provider_error", path="/api/v1/users/")
        provider = await expect(
            "charging_provider_error", client.charging.stop(user.id, session.id)
        )
        assert isinstance(provider, ChargingProviderError)
        assert isinstance(provider, FailedDependencyError)
        assert provider.status == 424
        # station_availability_issue is documented with 424 too: the same class.
        sb.inject_error("station_availability_issue", status=424, path=start_path)
        at_424 = await expect(
            "station_availability_issue", start(user.id, evse_id=EVA_1, payment_method_id=card)
        )
        assert isinstance(at_424, StationAvailabilityError)
        assert isinstance(at_424, FailedDependencyError)
        assert at_424.status == 424

        # A 500 on a read is retried, so a client that does not retry sees it.
        sb.inject_error("unexpected_error", path="/api/v1/users/")
        async with client_for(sb, max_retries=0) as once:
            server = await expect("unexpected_error", once.users.get(user.id))
        assert isinstance(server, UnexpectedServerError)
        assert server.status == 500
        assert server.error_details == "Injected by the sandbox."
        # ...and on a start it is no answer: the start may have run.
        sb.inject_error("unexpected_error", path=start_path)
        with pytest.raises(OutcomeUnknownError) as unknown:
            await start(user.id, evse_id=EVA_1, payment_method_id=card)
        assert isinstance(unknown.value.__cause__, UnexpectedServerError)
        assert unknown.value.operation == "users_charging_start_create"

        assert set(seen) == set(ERROR_TYPES)
        assert isinstance(seen["already_charging"], AlreadyChargingError)
        assert isinstance(seen["already_stopped"], AlreadyStoppedError)
        assert isinstance(seen["payment_method_error"], PaymentMethodError)
        assert isinstance(seen["validation_error"], ValidationError)


async def test_the_docs_shapes_invoices_walked_completely_and_secrets_by_either_name() -> None:
    async with (
        Sandbox(seed=7, users=6) as spec_sb,
        Sandbox(seed=7, users=6, doc_variants=True) as docs_sb,
        client_for(spec_sb) as spec,
        client_for(docs_sb) as docs,
    ):
        # The seeded user with the most invoices: several pages of 10.
        counts = {u: (await spec.invoices.list(u)).count or 0 for u in spec_sb.user_ids}
        user = max(counts, key=lambda u: counts[u])
        assert counts[user] > 25

        first = await docs.invoices.list(user)
        assert (first.count, first.next, first.size) == (None, None, 10)
        assert first.next_page_id is not None
        assert first.view_link is not None
        walked = [i async for i in docs.invoices.iter(user, page_size=10)]
        assert len(walked) == counts[user]
        assert len({i.link for i in walked}) == len(walked)
        assert all(i.view_link for i in walked)
        # The same invoices as the spec's envelope lists, in the same order.
        listed = [i async for i in spec.invoices.iter(user)]
        assert [(i.link, i.total, i.date) for i in walked] == [
            (i.link, i.total, i.date) for i in listed
        ]
        last = await docs.invoices.list(user, page=math.ceil(counts[user] / 10))
        assert last.next_page_id is None

        # Debts: the docs' `client_secret`, read through `.secret` either way.
        for sb, client in ((spec_sb, spec), (docs_sb, docs)):
            owing, failing = await customer(client, sb, "pm_card_chargeCustomerFail")
            assert failing is not None
            unpaid = await client.charging.start(owing.id, evse_id=EVA_1, payment_method_id=failing)
            sb.advance_time(600)
            await client.charging.stop(owing.id, unpaid.id)
            [debt] = (await client.debts.list(owing.id)).results
            assert debt.secret is not None
            assert debt.secret.startswith("pi_")
            named = (debt.client_secret, debt.payment_intent_client_secret)
            assert named == ((debt.secret, None) if sb.doc_variants else (None, debt.secret))
            intent = await client.payment_methods.setup_intent(owing.id)
            assert intent.secret is not None
            assert intent.secret.startswith("seti_")
            assert (intent.client_secret is not None) == sb.doc_variants
