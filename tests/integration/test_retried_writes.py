"""Writes that are retried, and the answer a retry gets when the work is done already.

A stop answered ``already_stopped``, or a DELETE answered ``404``, on a retry means
"an earlier attempt did it" only if an earlier attempt may have reached the API.
After a 429 (the API refused without acting) it means what it says: the session
had ended, the user was gone, before this call.
"""

from __future__ import annotations

import re

import pytest

from cariqa_async import AlreadyStoppedError, NotFoundError
from cariqa_async.sandbox import Sandbox

from .accounts import EVA_1, customer
from .conftest import client_for

STOP = "users_charging_stop_create"


async def test_a_stop_whose_first_answer_was_lost_returns_and_the_session_is_stopped() -> None:
    async with Sandbox(seed=12, users=1) as sb, client_for(sb) as client:
        user, card = await customer(client, sb)
        assert card is not None
        session = await client.charging.start(user.id, evse_id=EVA_1, payment_method_id=card)
        sb.schedule_faults(["lost"], path=re.compile(r"/charging/stop/"))
        assert await client.charging.stop(user.id, session.id) is None
        assert sb.stats.executed[STOP] == 2  # it stopped, then the retry met already_stopped
        assert await client.charging.active(user.id) is None


async def test_a_stop_of_a_session_ended_before_the_call_raises_even_after_a_429() -> None:
    async with Sandbox(seed=12, users=1, retry_after=0) as sb, client_for(sb) as client:
        user, card = await customer(client, sb)
        assert card is not None
        session = await client.charging.start(user.id, evse_id=EVA_1, payment_method_id=card)
        await client.charging.stop(user.id, session.id)
        sb.schedule_faults(["429"], path=re.compile(r"/charging/stop/"))
        with pytest.raises(AlreadyStoppedError) as caught:
            await client.charging.stop(user.id, session.id)
        assert caught.value.attempts == 2


async def test_deleting_what_was_gone_before_the_call_raises_even_after_a_429() -> None:
    async with Sandbox(seed=12, users=1, retry_after=0) as sb, client_for(sb) as client:
        user, card = await customer(client, sb)
        assert card is not None
        await client.payment_methods.delete(user.id, card)
        sb.schedule_faults(["429"], path=re.compile(r"/payment-methods/"))
        with pytest.raises(NotFoundError):
            await client.payment_methods.delete(user.id, card)

        await client.users.delete(user.id)
        sb.schedule_faults(["429", "429"], path=f"/api/v1/users/{user.id}/")
        with pytest.raises(NotFoundError) as caught:
            await client.users.delete(user.id)
        assert caught.value.attempts == 3

        # After an answer that may hide a deletion (a lost one), the 404 is success.
        other, _ = await customer(client, sb)
        sb.schedule_faults(["429", "lost"], path=f"/api/v1/users/{other.id}/")
        assert await client.users.delete(other.id) is None
        with pytest.raises(NotFoundError):
            await client.users.get(other.id)
