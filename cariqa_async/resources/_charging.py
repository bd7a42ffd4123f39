from __future__ import annotations

from .._endpoints import CHARGING_START, CHARGING_STOP, SESSIONS_LIST
from ..errors import AlreadyChargingError, OutcomeUnknownError
from ..models import ChargingSession
from ._base import Resource


class Charging(Resource):
    """Start and stop charging: ``client.charging``.

    ``start`` must never run twice (the API has no idempotency key): it is retried
    only when it provably never reached the API, and otherwise raises
    :class:`OutcomeUnknownError`. :meth:`ensure_started` wraps it with the
    reconciliation most callers want.
    """

    __slots__ = ()

    async def start(
        self,
        user_id: str,
        *,
        evse_id: str,
        payment_method_id: str,
        timeout: float | None = None,
    ) -> ChargingSession:
        """Start charging at an EVSE, paying with one of the user's payment methods.

        Args:
            evse_id: e.g. ``"DE*CIQ*EELDF6XWZU41P*2"`` (``Station.evses``).
            payment_method_id: one of ``payment_methods.list(user_id)``.
            timeout: this call's read timeout in seconds (starting waits on the
                charge point; the client's default may be too short or too long).

        Returns:
            The new, active session.

        Raises:
            BillingDataRequiredError: set ``billing_details`` first.
            PaymentMethodError, PaymentError, PreAuthorizationFailedError: payment
                problems (the last carries ``payment_intent_client_secret``).
            AlreadyChargingError: the user has an active session already.
            StationAvailabilityError, ChargingProviderError: the EVSE cannot charge.
            NotFoundError: no such user or EVSE.
            OutcomeUnknownError: the start may have run; use :meth:`active` (or
                :meth:`ensure_started`) to find out.
        """
        body = {"evse_id": evse_id, "payment_method_id": payment_method_id}
        return await self._call(
            CHARGING_START, {"user_id": user_id}, body=body, read_timeout=timeout
        )

    async def stop(self, user_id: str, session_id: str, *, timeout: float | None = None) -> None:
        """Stop a session. Safe to retry: a retry answered ``already_stopped`` returns.

        Raises:
            AlreadyStoppedError: the session had ended before this call.
            NotFoundError: no such user or session.
            ChargingProviderError: the charge point did not stop.
        """
        args = {"user_id": user_id, "session_id": session_id}
        await self._call(CHARGING_STOP, args, read_timeout=timeout)

    async def active(self, user_id: str, *, evse_id: str | None = None) -> ChargingSession | None:
        """The user's active session (at ``evse_id`` if given), or ``None``.

        Read from the newest page of the user's sessions, where an active session
        comes first.

        Raises:
            NotFoundError: no such user.
        """
        page = await self._page(SESSIONS_LIST, {"user_id": user_id}, page=1, page_size=None)
        for session in page.results:
            if session.is_active and (evse_id is None or session.evse_id == evse_id):
                return session
        return None

    async def ensure_started(
        self,
        user_id: str,
        *,
        evse_id: str,
        payment_method_id: str,
        timeout: float | None = None,
    ) -> ChargingSession:
        """Start charging unless it already runs at this EVSE; the start is sent once.

        On ``already_charging`` or :class:`OutcomeUnknownError` it looks at
        :meth:`active`: a session at ``evse_id`` is returned (the start ran, or was
        running). Otherwise the error is raised again; an
        :class:`AlreadyChargingError` then carries the user's other active session
        (or ``None``) as ``active_session``. ``timeout`` is the start's read timeout.

        Example::

            session = await client.charging.ensure_started(
                user_id, evse_id=evse.evse_id, payment_method_id=method.id
            )
        """
        try:
            return await self.start(
                user_id, evse_id=evse_id, payment_method_id=payment_method_id, timeout=timeout
            )
        except (AlreadyChargingError, OutcomeUnknownError) as exc:
            failure = exc
        running = await self.active(user_id)
        if running is not None and running.evse_id == evse_id:
            return running
        if isinstance(failure, AlreadyChargingError):
            failure.active_session = running
        raise failure
