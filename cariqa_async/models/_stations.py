from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from ._api_enums import Amenity, EvseStatus, Speed, StationStatus, Weekday


@attrs.frozen(slots=True, weakref_slot=False)
class Coordinates:
    """Where a station is (``Coordinates``), as the API sends it: decimal text.

    Attributes:
        latitude, longitude: e.g. ``"52.520008"`` and ``"13.404954"``; kept as text so
            no digit is lost or invented (``Decimal(coordinates.latitude)`` if needed).
    """

    latitude: str
    longitude: str


@attrs.frozen(slots=True, weakref_slot=False)
class Contact:
    """How to reach a station's operator (``Contact``)."""

    phone: str | None = None


@attrs.frozen(slots=True, weakref_slot=False)
class OperatorInfo:
    """The operator (CPO) of a station (``OCPIOperatorInfo``).

    Attributes:
        name: e.g. ``"EnBW"``.
        contact: may be ``None``.
    """

    name: str
    contact: Contact | None = None


@attrs.frozen(slots=True, weakref_slot=False)
class Evse:
    """One charging point of a station (``ConnectAPIEvse``).

    Attributes:
        evse_id: the OCPI EVSE id, e.g. ``"DE*CIQ*EELDF6XWZU41P*2"``; what charging
            is started with.
        status: e.g. ``EvseStatus.AVAILABLE``.
    """

    evse_id: str
    status: EvseStatus


@attrs.frozen(slots=True, weakref_slot=False)
class RegularHours:
    """One opening period (``ConnectAPIRegularHours``).

    Attributes:
        period_begin, period_end: ``"hh:mm"`` text as sent, e.g. ``"08:00"``, or ``None``.
        weekday: e.g. ``Weekday.MONDAY``; ``Weekday.ALL`` for every day.
    """

    period_begin: str | None
    period_end: str | None
    weekday: Weekday | None = None


@attrs.frozen(slots=True, weakref_slot=False)
class OpeningTimes:
    """When a station can be used (``ConnectAPIOpeningTimes``).

    Attributes:
        twentyfourseven: open at all times; ``regular_hours`` is then usually empty.
        regular_hours: the opening periods otherwise.
    """

    twentyfourseven: bool
    regular_hours: tuple[RegularHours, ...]


@attrs.frozen(slots=True, weakref_slot=False)
class PriceItem:
    """One tariff element, valid in a time and date window (``TimePriceItem``).

    Attributes:
        time_from, time_to: ``"hh:mm"``, e.g. ``"00:00"`` and ``"23:59"``.
        date_from, date_to: ``"YYYY-MM-DD"``.
        gross_price: the raw price without VAT (per hour if time-based), e.g.
            ``Decimal("12.44")``.
        user_facing_price: the price to show, VAT included (per minute if
            time-based), e.g. ``Decimal("0.25")``.
        grace_period_minutes: minutes before blocking fees apply, e.g. ``240.0``, or ``None``.
        tax: the VAT rate in percent, e.g. ``19.0``.
        blocking_cap: the most blocking fees one session can cost, or ``None``.
    """

    time_from: str
    time_to: str
    date_from: str
    date_to: str
    gross_price: Decimal
    user_facing_price: Decimal
    grace_period_minutes: float | None
    tax: float
    blocking_cap: Decimal | None


@attrs.frozen(slots=True, weakref_slot=False)
class Prices:
    """A price group's tariff by component (``ConnectAPIPrices``).

    Each component is ``None`` when the tariff has none, or a mapping from a key
    the spec leaves open to the :class:`PriceItem` list that applies. Because
    those mappings are dicts, a ``Prices`` (and the price group and station that
    hold it) compares by value but is not hashable.

    Attributes:
        time_price: e.g. 0.22 EUR/min.
        kwh_price: e.g. 0.55 EUR/kWh.
        blocking_fee: for overstaying, e.g. 0.10 EUR/min after 240 min.
        session_fee: one-off, e.g. 0.50 EUR.
        starting_fee: one-off, billed by Cariqa, e.g. 0.59 EUR.
    """

    time_price: dict[str, tuple[PriceItem, ...]] | None = None
    kwh_price: dict[str, tuple[PriceItem, ...]] | None = None
    blocking_fee: dict[str, tuple[PriceItem, ...]] | None = None
    session_fee: dict[str, tuple[PriceItem, ...]] | None = None
    starting_fee: dict[str, tuple[PriceItem, ...]] | None = None


@attrs.frozen(slots=True, weakref_slot=False)
class PriceGroup:
    """The prices of a set of a station's EVSEs (``ConnectAPIPriceGroup``).

    Attributes:
        type: the connector standard as text, e.g. ``"IEC_62196_T2"`` (compares
            equal to :class:`ConnectorType` members); the spec declares no enum.
        power: in kW, e.g. ``22.0``.
        evse_ids: the EVSEs these prices apply to.
        local_datetime: the station's local time the prices were computed for
            (timezone-aware).
        pre_authorization_amount: reserved on the payment method at start, e.g.
            ``Decimal("50.00")``.
        is_fallback: ``True`` when Cariqa set the prices because the operator sent none.
    """

    type: str
    power: float
    evse_ids: tuple[str, ...]
    prices: Prices
    local_datetime: datetime
    currency: str
    pre_authorization_amount: Decimal
    is_fallback: bool = False


@attrs.frozen(slots=True, weakref_slot=False)
class Station:
    """A charging station (``ConnectAPIStation``).

    Attributes:
        id: the station's id, or ``None`` (the spec allows it, e.g. for a station
            looked up by EVSE that Cariqa has no id for).
        coordinates: latitude and longitude as text.
        evses: its charging points; charging starts with an ``evse_id``.
        last_updated: as sent (the spec gives no format), so kept as text.
        price_groups: the prices per connector type and power.
        speed, status: e.g. ``Speed.FAST`` and ``StationStatus.FREE``; ``None`` if not sent.
        amenities: nearby facilities, e.g. ``(Amenity.CAFE,)``.
        is_partner: run by a Cariqa partner (``False`` when not sent, as the spec
            defaults it).
        logo_url: the operator's logo.
    """

    id: str | None
    name: str
    address: str
    coordinates: Coordinates
    opening_times: OpeningTimes
    operator: OperatorInfo
    evses: tuple[Evse, ...]
    last_updated: str
    price_groups: tuple[PriceGroup, ...]
    speed: Speed | None = None
    status: StationStatus | None = None
    amenities: tuple[Amenity, ...] = ()
    is_partner: bool = False
    logo_url: str | None = None


@attrs.frozen(slots=True, weakref_slot=False)
class Partner:
    """A partner operator, to filter stations by (``ConnectAPIPartnerFilterOperator``).

    The partners endpoint answers a plain JSON array of these.

    Attributes:
        name: what the ``operators`` filters take, e.g. ``"EnBW"``.
        logo_url: or ``None``.
    """

    name: str
    logo_url: str | None
