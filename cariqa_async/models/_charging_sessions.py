from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs


@attrs.frozen(slots=True, weakref_slot=False)
class StationInfo:
    """Where a session took place (``StationInfo``). Every field may be ``None``.

    Attributes:
        connector_power: in kW, e.g. ``22.0`` or ``3.7``.
        latitude, longitude: as the API sends them: decimal text, e.g. ``"49.630383"``.
    """

    station_name: str | None = None
    station_address: str | None = None
    country: str | None = None
    station_speed: str | None = None
    connector_standard: str | None = None
    connector_power: float | None = None
    support_phone: str | None = None
    latitude: str | None = None
    longitude: str | None = None


@attrs.frozen(slots=True, weakref_slot=False)
class SessionPrices:
    """The prices shown to the user for a session (``user_facing_session_prices``).

    Prices are ``Decimal`` amounts in ``currency`` (lower case, e.g. ``"eur"``), or
    ``None`` where the tariff has no such component.
    """

    kwh_price: Decimal | None
    time_price: Decimal | None
    session_fee: Decimal | None
    blocking_fee: Decimal | None
    starting_fee: Decimal | None
    grace_period_minutes: int | None
    blocking_cap: Decimal | None
    currency: str | None = None


@attrs.frozen(slots=True, weakref_slot=False)
class SessionCost:
    """What a session cost (``session_cost``, the API's ``ConnectAPIPAYGSummary``).

    ``invoice_view`` is sent by the API and shown in its docs but missing from the
    published spec, hence optional.
    """

    kwh_cost: Decimal | None
    time_cost: Decimal | None
    session_fee_cost: Decimal | None
    blocking_fee_cost: Decimal | None
    starting_fee_cost: Decimal | None
    invoice_download: str | None
    invoice_vat: Decimal
    invoice_summary: Decimal
    invoice_credits: Decimal
    invoice_discount: Decimal
    currency: str
    invoice_view: str | None = None


@attrs.frozen(slots=True, weakref_slot=False)
class ChargingSession:
    """One charging session of a user (``ConnectAPIChargingSession``).

    Attributes:
        id: the session's id (a UUID in practice).
        start_time, end_time: timezone-aware; ``end_time`` is ``None`` while active.
        duration: seconds, ``None`` while active.
        consumed_energy: kWh as ``Decimal``, e.g. ``Decimal("10.000")``.
        evse_id: the OCPI EVSE id, e.g. ``"DE*CIQ*EELDF6XWZU41P*2"``.
        rates: the user's rating 1..5, or ``None``.
    """

    id: str
    start_time: datetime | None
    end_time: datetime | None
    duration: int | None
    consumed_energy: Decimal | None
    is_active: bool
    evse_id: str
    station_info: StationInfo
    is_partner: bool
    logo_url: str | None
    user_facing_session_prices: SessionPrices
    session_cost: SessionCost
    rates: int | None = None
