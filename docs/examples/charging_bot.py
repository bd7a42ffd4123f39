"""A charging bot: find a station, start charging, watch it, stop, rate.

Run it against an embedded sandbox (no token, no network)::

    python -m pip install .
    python docs/examples/charging_bot.py

:func:`run_bot` is what a real bot (a chat bot, a fleet job) would run with a
client of the real API; :func:`main` gives it a sandbox, a user with billing
details and a card, and a clock that jumps ten minutes per poll instead of
waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

from cariqa_async import AlreadyStoppedError, CariqaClient, EvseStatus
from cariqa_async.sandbox import Sandbox

#: EVA Charge in Worms, where the sandbox always has free EVSEs.
WORMS = (49.630383, 8.368902)


@dataclass(frozen=True)
class Summary:
    """What the bot did: where it charged, what it saw while watching, what it cost."""

    station: str
    evse_id: str
    session_id: str
    readings: tuple[Decimal, ...]  # kWh at each poll
    energy: Decimal  # kWh charged in all
    duration: int  # seconds
    cost: Decimal
    currency: str
    rating: int | None


async def one_minute() -> None:
    """The bot's pause between two looks at the session (a test passes its own)."""
    await asyncio.sleep(60)


# --8<-- [start:run_bot]
async def run_bot(
    client: CariqaClient,
    user_id: str,
    *,
    latitude: float,
    longitude: float,
    distance: int = 1000,
    target_kwh: Decimal = Decimal(10),
    max_polls: int = 60,
    wait: Callable[[], Awaitable[None]] = one_minute,
    rating: int = 5,
) -> Summary:
    """Charge ``target_kwh`` at the nearest free EVSE, paying with the default card.

    Raises:
        LookupError: no EVSE is free within ``distance`` meters, or no card.
        OutcomeUnknownError: the start may have run, and no session shows it.
        cariqa_async.APIError: a refusal (``BillingDataRequiredError``, ...).
    """
    # 1. The nearest station with a free EVSE.
    nearby = await client.stations.around(
        latitude=latitude, longitude=longitude, distance=distance, only_available=True
    )
    free = [
        (station, evse)
        for station in nearby.results
        for evse in station.evses
        if evse.status is EvseStatus.AVAILABLE
    ]
    if not free:
        raise LookupError(f"no free EVSE within {distance} m")
    station, evse = free[0]
    methods = await client.payment_methods.list(user_id)
    card = next((m for m in methods.results if m.default), None)
    if card is None:
        raise LookupError("the user has no payment method")

    # 2. Start once: on a lost answer, ensure_started looks for the session
    #    instead of sending a second start.
    session = await client.charging.ensure_started(
        user_id, evse_id=evse.evse_id, payment_method_id=card.id
    )

    # 3. Watch until the target is reached (or the session ended elsewhere).
    readings: list[Decimal] = []
    for _ in range(max_polls):
        await wait()
        running = await client.charging.active(user_id, evse_id=evse.evse_id)
        if running is None:
            break  # unplugged, or stopped from the car
        readings.append(running.consumed_energy or Decimal(0))
        if readings[-1] >= target_kwh:
            break

    # 4. Stop (safe to retry; already stopped is fine) and rate.
    with contextlib.suppress(AlreadyStoppedError):
        await client.charging.stop(user_id, session.id)
    done = await client.charging_sessions.rate(user_id, session.id, rating)
    return Summary(
        station=station.name,
        evse_id=done.evse_id,
        session_id=done.id,
        readings=tuple(readings),
        energy=done.consumed_energy or Decimal(0),
        duration=done.duration or 0,
        cost=done.session_cost.invoice_summary,
        currency=done.session_cost.currency,
        rating=done.rates,
    )


# --8<-- [end:run_bot]


# --8<-- [start:main]
async def main() -> Summary:
    """Run the bot for a new user of an embedded sandbox and print what it did."""
    async with (
        Sandbox(seed=1, users=1) as sb,
        CariqaClient(sb.token, base_url=sb.url) as client,
    ):
        user = await client.users.create(email="driver@example.com", external_id="bot-demo")
        await client.billing_details.update(
            user.id, line1="Ludwigstr. 9", postal_code="67547", city="Worms"
        )
        # What Stripe.js does on the user's device with a setup intent's secret.
        sb.attach_payment_method(user.id, "pm_card_visa")

        async def ten_minutes() -> None:
            sb.advance_time(600)  # the sandbox's clock: nothing really waits

        summary = await run_bot(
            client,
            user.id,
            latitude=WORMS[0],
            longitude=WORMS[1],
            target_kwh=Decimal(5),
            wait=ten_minutes,
        )
    print(f"Charged at {summary.station} ({summary.evse_id}), session {summary.session_id}")
    print("Energy at each look (kWh):", ", ".join(str(r) for r in summary.readings))
    print(
        f"{summary.energy} kWh in {summary.duration // 60} min for "
        f"{summary.cost} {summary.currency.upper()}, rated {summary.rating}/5"
    )
    return summary


# --8<-- [end:main]


if __name__ == "__main__":
    asyncio.run(main())
