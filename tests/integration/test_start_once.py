"""A start is sent once: under every fault it cannot tell apart, the SDK says it does
not know (``OutcomeUnknownError``) and ``active()`` / ``ensure_started`` reconcile.

The sandbox's ``stats.executed`` is the ground truth of whether the start handler
ran. Faults decided before the handler (``drop``, ``502``) leave nothing behind;
those after it (``lost``, ``truncate``, ``stall``) leave a running session the
client never heard of.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

import pytest

from cariqa_async import (
    AlreadyChargingError,
    APIError,
    CariqaClient,
    CariqaConnectionError,
    CariqaTimeoutError,
    ChargingSession,
    OutcomeUnknownError,
    ServerError,
    Timeout,
)
from cariqa_async.sandbox import Sandbox
from cariqa_async.sandbox._faults import FAULT_KINDS

from .accounts import START, all_of, available_evses, customer, started
from .conftest import client_for

START_PATH = re.compile(r"^/api/v1/users/[^/]+/charging/start/$")
#: Long enough for any answer on this machine, short enough for a stall to be cheap.
READ_TIMEOUT = 1.0


def quick_client(sb: Sandbox) -> CariqaClient:
    """The strict test client, giving up on an answer after ``READ_TIMEOUT``."""
    return client_for(sb, timeout=Timeout(connect=5, read=READ_TIMEOUT))


@pytest.mark.parametrize(
    ("kind", "handler_ran", "seen"),
    [
        ("drop", False, CariqaConnectionError),
        ("502", False, ServerError),
        ("lost", True, CariqaConnectionError),
        ("truncate", True, CariqaConnectionError),  # the body was cut off
        ("stall", True, CariqaTimeoutError),
    ],
)
async def test_a_start_without_an_answer_is_sent_once_then_reconciled(
    kind: str, handler_ran: bool, seen: type[Exception]
) -> None:
    async with Sandbox(seed=8, users=1, stall_time=30) as sb, quick_client(sb) as client:
        first_evse, second_evse = available_evses(sb, 2)
        user, card = await customer(client, sb)
        assert card is not None

        sb.schedule_faults([kind], path=START_PATH)
        sent, received = client.stats.requests, sb.stats.requests
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.charging.start(user.id, evse_id=first_evse, payment_method_id=card)
        assert client.stats.requests - sent == 1
        assert sb.stats.requests - received == 1
        assert client.stats.retries == 0
        assert isinstance(caught.value.__cause__, seen)
        assert caught.value.operation == START
        assert started(sb) == int(handler_ran)
        # The session exists iff the handler ran, and active() finds exactly that.
        assert sb.session_count(user.id) == int(handler_ran)
        running = await client.charging.active(user.id, evse_id=first_evse)
        assert (running is not None) == handler_ran

        # ensure_started on a fresh user and EVSE: the session iff the handler ran.
        other, other_card = await customer(client, sb)
        assert other_card is not None
        sb.schedule_faults([kind], path=START_PATH)
        sent = client.stats.requests
        ensure = client.charging.ensure_started(
            other.id, evse_id=second_evse, payment_method_id=other_card
        )
        if handler_ran:
            session = await ensure
            assert session.is_active
            assert session.evse_id == second_evse
            assert sb.session_ids(other.id) == [session.id]
        else:
            with pytest.raises(OutcomeUnknownError):
                await ensure
            assert sb.session_count(other.id) == 0
        assert started(sb) == 2 * int(handler_ran)
        assert client.stats.requests - sent == 2  # the start, once, and active()


@pytest.mark.parametrize(
    ("kind", "handler_ran"),
    [("drop", False), ("502", False), ("lost", True), ("truncate", True), ("stall", True)],
)
async def test_the_other_call_that_must_not_run_twice_users_create(
    kind: str, handler_ran: bool
) -> None:
    async with Sandbox(seed=8, users=1, stall_time=30) as sb, quick_client(sb) as client:
        sb.schedule_faults([kind], path=re.compile(r"^/api/v1/users/$"))
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.users.create(email="ada@example.com", external_id="crm-7")
        assert caught.value.operation == "users_create"
        assert (client.stats.requests, sb.stats.requests) == (1, 1)
        assert sb.stats.executed.get("users_create", 0) == int(handler_ran)
        # The reconciliation the docs give: look the user up by its external id.
        found = (await client.users.list(search="crm-7")).results
        assert len(found) == int(handler_ran)
        assert len(sb.user_ids) == 1 + int(handler_ran)


@dataclass
class Ledger:
    """Every start call of the soak test: what the handler did, what the caller saw."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    calls: int = 0
    handler_runs: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, list[str]] = field(default_factory=dict)

    def saw(self, outcome: str, ran: int) -> None:
        key = f"{outcome}/{'ran' if ran else 'not run'}"
        self.outcomes[key] = self.outcomes.get(key, 0) + 1


async def start_once(
    client: CariqaClient, sb: Sandbox, ledger: Ledger, user_id: str, evse_id: str, card: str
) -> tuple[ChargingSession | Exception, int]:
    """One start call and how often its handler ran.

    Starts go one at a time (other calls run concurrently), so the sandbox's
    counter of start handler runs moves only for this call.
    """
    async with ledger.lock:
        before = started(sb)
        outcome: ChargingSession | Exception
        try:
            outcome = await client.charging.start(user_id, evse_id=evse_id, payment_method_id=card)
        except (OutcomeUnknownError, APIError) as exc:
            outcome = exc
        ran = started(sb) - before
    ledger.calls += 1
    ledger.handler_runs += ran
    assert ran in (0, 1), f"one start call ran the handler {ran} times"
    return outcome, ran


async def drive(
    client: CariqaClient,
    sb: Sandbox,
    ledger: Ledger,
    user_id: str,
    evse_id: str,
    card: str,
    rounds: int,
) -> None:
    """Start, start again, charge a minute and stop, ``rounds`` times, checking each outcome."""
    mine = ledger.sessions.setdefault(user_id, [])
    for _ in range(rounds):
        outcome, ran = await start_once(client, sb, ledger, user_id, evse_id, card)
        if isinstance(outcome, ChargingSession):
            assert ran == 1
            ledger.saw("session", ran)
            session: ChargingSession | None = outcome
        else:
            assert isinstance(outcome, OutcomeUnknownError), repr(outcome)
            ledger.saw("unknown", ran)
            session = await client.charging.active(user_id, evse_id=evse_id)
            # The start ran iff a session runs now: nothing else starts this user.
            assert (session is not None) == (ran == 1)
        if session is None:
            continue
        mine.append(session.id)

        # A second start while charging: refused, or unknown; never a second session.
        again, ran = await start_once(client, sb, ledger, user_id, evse_id, card)
        if isinstance(again, AlreadyChargingError):
            assert ran == 1
            ledger.saw("already_charging", ran)
        else:
            assert isinstance(again, OutcomeUnknownError), repr(again)
            ledger.saw("unknown", ran)
        running = await client.charging.active(user_id)
        assert running is not None
        assert running.id == session.id

        sb.advance_time(60)
        await client.charging.stop(user_id, session.id)  # retried: it is idempotent
        assert await client.charging.active(user_id) is None


async def test_under_20_percent_faults_of_every_kind_no_start_ever_runs_twice() -> None:
    users, rounds = 5, 10
    async with Sandbox(seed=9, users=1, stall_time=30) as sb, quick_client(sb) as client:
        customers = [await customer(client, sb) for _ in range(users)]
        evses = available_evses(sb, users)
        # Faults from here on: the customers above were made without (a create that
        # may have run is a different test's business).
        sb.set_faults(fault_rate=0.2, fault_kinds=FAULT_KINDS, retry_after=0)
        sb.reset_stats()
        ledger = Ledger()
        await all_of(
            drive(client, sb, ledger, user.id, evse, card, rounds)
            for (user, card), evse in zip(customers, evses, strict=True)
            if card is not None
        )
        faults = sb.stats.faults
        sb.clear_faults()

        # Every kind of fault happened, and starts met both kinds of silence.
        assert set(faults) == set(FAULT_KINDS)
        assert ledger.outcomes.get("unknown/ran", 0) > 0
        assert ledger.outcomes.get("unknown/not run", 0) > 0
        # The handler ran exactly once for every call that did not fail before it.
        assert started(sb) == ledger.handler_runs <= ledger.calls
        # Each user's sessions are exactly those the reconciled outcomes counted.
        for user, _ in customers:
            assert sb.session_ids(user.id) == ledger.sessions[user.id][::-1]
        assert sum(map(len, ledger.sessions.values())) > users * rounds // 2


async def test_ensure_started_gives_the_start_its_own_read_timeout() -> None:
    # The client waits 30 s for an answer; this start allows 0.3 s, then reconciles.
    patient = Timeout(connect=5, read=30)
    async with (
        Sandbox(seed=8, users=1, stall_time=30) as sb,
        client_for(sb, timeout=patient) as client,
    ):
        (evse,) = available_evses(sb, 1)
        user, card = await customer(client, sb)
        assert card is not None
        sb.schedule_faults(["stall"], path=START_PATH)
        ensure = client.charging.ensure_started(
            user.id, evse_id=evse, payment_method_id=card, timeout=0.3
        )
        session = await asyncio.wait_for(ensure, 10)  # fails only if the 30 s applied
        assert session.evse_id == evse
        assert started(sb) == 1
