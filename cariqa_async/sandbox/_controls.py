"""The one implementation of every sandbox control: tokens, stats, faults, the gate, data.

:class:`SandboxControls` is the Python API that :class:`~cariqa_async.sandbox.Sandbox`
and :class:`~cariqa_async.sandbox.ThreadedSandbox` inherit, and what the HTTP
control routes (:mod:`._control_routes`) call. Everything here only touches
lock-protected state, so it is safe to call from any thread while serving.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from ._faults import FaultConfig, FaultKind, InjectedError, PathMatcher
from ._state import SandboxState
from ._stats import Stats
from .resources import charging, charging_sessions, payment_methods, stations, users

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._faults import FaultSettings

__all__ = ["SandboxControls"]


class SandboxControls:
    """Data, fault and stats controls shared by both ways of running a sandbox.

    Every method here is safe to call from any thread while the server runs.
    """

    def __init__(self, state: SandboxState) -> None:
        self._state = state

    @property
    def state(self) -> SandboxState:
        """The live state the server answers from (for building your own app)."""
        return self._state

    @property
    def seed(self) -> int:
        """The data set's seed."""
        return self._state.store.seed

    @property
    def token(self) -> str:
        """The first accepted bearer token.

        Raises:
            RuntimeError: If every token was revoked.
        """
        tokens = self._state.tokens.all
        if not tokens:
            raise RuntimeError("every sandbox token was revoked")
        return tokens[0]

    @property
    def tokens(self) -> tuple[str, ...]:
        """All accepted bearer tokens."""
        return self._state.tokens.all

    def add_token(self, token: str) -> None:
        """Accept another token (to test rotation).

        Raises:
            ValueError: If ``token`` is empty.
        """
        self._state.tokens.add(token)

    def revoke_token(self, token: str) -> None:
        """Stop accepting ``token``; requests with it get ``403`` from now on."""
        self._state.tokens.revoke(token)

    @property
    def user_ids(self) -> list[str]:
        """All user ids, in the order ``GET /api/v1/users/`` lists them."""
        return users.ids(self._state.store)

    @property
    def stats(self) -> Stats:
        """A snapshot of the request and fault counters."""
        return self._state.counters.snapshot()

    def reset_stats(self) -> None:
        """Zero the counters (``max_in_flight`` restarts from the current in-flight count)."""
        self._state.counters.reset()

    @property
    def faults(self) -> FaultConfig:
        """The current fault configuration."""
        return self._state.faults.config

    def set_faults(self, **changes: Unpack[FaultSettings]) -> FaultConfig:
        """Change some fault settings at run time; ``None`` keeps a setting.

        Takes ``latency``, ``jitter``, ``fault_rate``, ``fault_kinds``, ``faults``,
        ``retry_after`` and ``stall_time`` (see :class:`FaultSettings`):
        ``fault_rate`` (spread over ``fault_kinds``, default all) or ``faults``
        replace every fault probability. Returns the new configuration.

        Raises:
            ValueError: On an unknown kind, a negative time, or probabilities
                outside [0, 1] or summing to more than 1.
            TypeError: On an unknown setting or a value of the wrong type.
        """
        return self._state.faults.update(lambda config: config.updated(**changes))

    def schedule_faults(
        self, outcomes: Iterable[FaultKind | None], *, path: PathMatcher | None = None
    ) -> None:
        """Give the next API requests these outcomes, in order, before random faults.

        Args:
            outcomes: Fault kinds, or ``None`` for a normal answer (no random fault).
            path: Only requests whose path starts with this string, or matches this
                compiled regex (``re.search``), take from this schedule.

        Raises:
            ValueError: On an unknown fault kind.
        """
        self._state.faults.schedule(outcomes, path)

    def clear_faults(self) -> None:
        """Remove latency, fault probabilities and pending scheduled outcomes."""
        self._state.faults.update(lambda _: FaultConfig())
        self._state.faults.clear_schedule()

    def hold(self) -> None:
        """Make API requests wait (counted in flight) until ``release()``."""
        self._state.gate.hold()

    def _user(self, user_id: str) -> int:
        user = users.find(self._state.store, user_id)
        if user is None:
            raise KeyError(f"no sandbox user {user_id!r}")
        return user

    def session_ids(self, user_id: str) -> list[str]:
        """Return the ids of a user's sessions in server order (newest first).

        Raises:
            KeyError: If there is no such user.
        """
        return charging_sessions.ids(self._state.store, self._user(user_id))

    def session_count(self, user_id: str) -> int:
        """Return how many sessions a user has now.

        Raises:
            KeyError: If there is no such user.
        """
        return charging_sessions.count(self._state.store, self._user(user_id))

    def insert_sessions(self, user_id: str, count: int = 1, *, at: int = 0) -> list[str]:
        """Insert ``count`` new sessions before position ``at`` (0: newest); return their ids.

        Raises:
            KeyError: If there is no such user.
            IndexError: If ``at`` is not within ``0..session_count``.
            ValueError: If ``count < 0``.
        """
        return charging_sessions.insert(self._state.store, self._user(user_id), count, at)

    def delete_sessions(
        self,
        user_id: str,
        ids: Iterable[str] | None = None,
        *,
        at: int | None = None,
        count: int = 1,
    ) -> list[str]:
        """Delete sessions by ``ids``, or ``count`` of them from position ``at``.

        Returns:
            The deleted ids.

        Raises:
            KeyError: If there is no such user; ``UnknownSessionsError`` (a
                ``KeyError``) if an id is not one of the user's sessions.
            IndexError: If the span is outside the user's sessions.
            ValueError: Unless exactly one of ``ids`` and ``at`` is given.
        """
        user = self._user(user_id)
        if (ids is None) == (at is None):
            raise ValueError("give either ids or at")
        if ids is not None:
            return charging_sessions.delete(self._state.store, user, ids)
        assert at is not None  # checked above; narrows the type
        return charging_sessions.delete_at(self._state.store, user, at, count)

    @property
    def evse_ids(self) -> list[str]:
        """The ids of every EVSE the stations endpoints list, station by station."""
        return stations.evse_ids()

    def evse_status(self, evse_id: str) -> str:
        """Return an EVSE's OCPI status now (``"AVAILABLE"``, ``"CHARGING"``, ...).

        Raises:
            KeyError: If there is no such EVSE.
        """
        found = stations.evse(self._state.store, evse_id)
        if found is None:
            raise KeyError(f"no sandbox EVSE {evse_id!r}")
        return found.status

    def set_evse_status(self, evse_id: str, status: str) -> None:
        """Give an EVSE this OCPI status from now on, as its operator would report it.

        ``sb.set_evse_status("DE*CIQ*E02SSKRNPJRRC*1", "OUTOFORDER")``: the station's
        ``status`` and the ``only_available`` filters follow, and charging there
        is refused unless the EVSE is ``"AVAILABLE"``.

        Raises:
            KeyError: If there is no such EVSE.
            ValueError: If ``status`` is not an OCPI EVSE status.
        """
        stations.set_evse_status(self._state.store, evse_id, status)

    @property
    def doc_variants(self) -> bool:
        """Whether the docs' shapes are served where they differ from the spec."""
        return self._state.doc_variants

    @property
    def now(self) -> datetime:
        """The sandbox clock (UTC): running sessions charge by it, stops end at it."""
        with self._state.store.lock:
            return _datetime(self._state.store.now_us)

    def advance_time(self, seconds: float) -> datetime:
        """Move the sandbox clock forward; running sessions charge on. Return the new time.

        The clock never follows the wall clock, so a test's energy and bills are exact.

        Raises:
            ValueError: If ``seconds`` is negative.
        """
        return _datetime(charging.advance(self._state.store, seconds))

    def attach_payment_method(self, user_id: str, test_id: str = "pm_card_visa") -> str:
        """Attach a card to a user as Stripe's front end would; return its ``pm_…`` id.

        Args:
            test_id: A Stripe test payment method: ``pm_card_visa``,
                ``pm_card_mastercard``, ``pm_card_amex``, ``pm_card_visa_debit``,
                ``pm_card_chargeDeclined`` (starts fail ``pre_authorization_failed``)
                or ``pm_card_chargeCustomerFail`` (stops leave a debt).

        Raises:
            KeyError: If there is no such user.
            ValueError: If ``test_id`` is not one of those.
        """
        return payment_methods.attach(self._state.store, self._user(user_id), test_id)

    def inject_error(
        self, error_type: str, *, status: int | None = None, path: PathMatcher | None = None
    ) -> None:
        """Answer the next matching API request with Cariqa's rich error of ``error_type``.

        The request's handler does not run (nothing changes). Example:
        ``sb.inject_error("temporary_locked", path="/api/v1/users/")``.

        Args:
            error_type: One of the spec's ``ErrorTypeEnum`` (``"already_charging"``, ...).
            status: The status; by default the one the type is documented with.
            path: Only a request whose path starts with this string, or matches this
                compiled regex, gets it.

        Raises:
            ValueError: On an unknown error type or a status outside 400..599.
        """
        self._state.faults.schedule([InjectedError.of(error_type, status)], path)


def _datetime(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=us)
