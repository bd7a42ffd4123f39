"""What the end-to-end tests share: a customer ready to charge, and where to charge."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Iterable
from typing import TypeVar

from cariqa_async import CariqaClient, User
from cariqa_async.sandbox import Sandbox

T = TypeVar("T")

#: EVA Charge in Worms: its two EVSEs start AVAILABLE whatever the seed.
WORMS = (49.630383, 8.368902)
EVA = "DE*CIQ*E02SSKRNPJRRC"
EVA_1, EVA_2 = f"{EVA}*1", f"{EVA}*2"
START = "users_charging_start_create"

_serial = itertools.count(1)


async def customer(
    client: CariqaClient, sb: Sandbox, card: str | None = "pm_card_visa", *, billing: bool = True
) -> tuple[User, str | None]:
    """A user created through the API, with billing details and (as Stripe's front
    end would add it) a card: ``(user, payment_method_id)``."""
    user = await client.users.create(
        email=f"driver{next(_serial)}@example.com", external_id=f"crm-{next(_serial)}"
    )
    if billing:
        await client.billing_details.update(user.id, line1="Ludwigstr. 9", postal_code="67547")
    pm = None if card is None else sb.attach_payment_method(user.id, card)
    return user, pm


def available_evses(sb: Sandbox, count: int) -> list[str]:
    """``count`` EVSEs that are AVAILABLE now, so each test case charges at its own."""
    found = [e for e in sb.evse_ids if sb.evse_status(e) == "AVAILABLE"][:count]
    assert len(found) == count, "the sandbox has too few available EVSEs"
    return found


def started(sb: Sandbox) -> int:
    """How many times the sandbox ran the start handler."""
    return sb.stats.executed.get(START, 0)


async def all_of(coros: Iterable[Awaitable[T]], timeout: float = 60) -> list[T]:
    """Run ``coros`` concurrently; the first failure cancels the rest (no task leaks),
    and ``timeout`` only guards against a hang."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return await asyncio.wait_for(asyncio.gather(*tasks), timeout)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
