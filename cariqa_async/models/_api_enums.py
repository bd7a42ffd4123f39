"""The API's enumerations, as open string enums (see :class:`OpenStrEnum`).

Every member's value is the exact text the API sends. A value this SDK version
does not know yet still parses (to an unnamed member whose ``.value`` is the raw
text); only the SDK's strict mode rejects it.
"""

from __future__ import annotations

from ._enums import OpenStrEnum

__all__ = [
    "AccountType",
    "Amenity",
    "ConnectorType",
    "ErrorType",
    "EvseStatus",
    "Locale",
    "PaymentMethodType",
    "Speed",
    "StationStatus",
    "TilePriceType",
    "Weekday",
]


class Locale(OpenStrEnum):
    """A user's language (``LocaleEnum``)."""

    EN = "en"
    DE = "de"


class AccountType(OpenStrEnum):
    """Whom invoices are made out to (``AccountTypeEnum``)."""

    PERSONAL = "personal"
    BUSINESS = "business"


class PaymentMethodType(OpenStrEnum):
    """The kind of a saved payment method (``ConnectAPIPMTypeEnum``)."""

    CARD = "card"
    APPLE_PAY = "apple_pay"
    GOOGLE_PAY = "google_pay"


class ConnectorType(OpenStrEnum):
    """An OCPI connector standard, as the station filters take it (``connector_types``).

    A price group's ``type`` carries the same text, e.g. ``"IEC_62196_T2"``; since
    members are strings, ``group.type == ConnectorType.IEC_62196_T2`` works.
    """

    CHADEMO = "CHADEMO"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    IEC_60309_2_SINGLE_16 = "IEC_60309_2_single_16"
    IEC_60309_2_THREE_16 = "IEC_60309_2_three_16"
    IEC_60309_2_THREE_32 = "IEC_60309_2_three_32"
    IEC_60309_2_THREE_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"


class Speed(OpenStrEnum):
    """A station's power group (``SpeedEnum``)."""

    SLOW = "slow"
    FAST = "fast"
    TURBO = "turbo"


class StationStatus(OpenStrEnum):
    """Whether a station can be used now (the spec's ``Status80fEnum``)."""

    FREE = "free"
    BUSY = "busy"
    UNKNOWN = "unknown"
    ERROR = "error"


class EvseStatus(OpenStrEnum):
    """The OCPI status of one charging point (``ConnectAPIEvseStatusEnum``)."""

    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


class Amenity(OpenStrEnum):
    """Something near a station (OCPI facilities, the spec's ``AmenitiesEnum``)."""

    HOTEL = "HOTEL"
    RESTAURANT = "RESTAURANT"
    CAFE = "CAFE"
    MALL = "MALL"
    SUPERMARKET = "SUPERMARKET"
    SPORT = "SPORT"
    RECREATION_AREA = "RECREATION_AREA"
    NATURE = "NATURE"
    MUSEUM = "MUSEUM"
    BUS_STOP = "BUS_STOP"
    TAXI_STAND = "TAXI_STAND"
    TRAIN_STATION = "TRAIN_STATION"
    AIRPORT = "AIRPORT"
    CARPOOL_PARKING = "CARPOOL_PARKING"
    FUEL_STATION = "FUEL_STATION"
    WIFI = "WIFI"


class Weekday(OpenStrEnum):
    """The day an opening period applies to (``WeekdayEnum``); ``ALL`` is every day."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"
    ALL = "ALL"


class TilePriceType(OpenStrEnum):
    """What a map tile's price is per (``TilesPricePropertiesTypeEnum``)."""

    CHARGING_PRICE = "charging_price"
    TIME_PRICE = "time_price"


class ErrorType(OpenStrEnum):
    """The ``error.type`` of the API's rich error envelope (``ErrorTypeEnum``)."""

    VALIDATION_ERROR = "validation_error"
    PAYMENT_METHOD_ERROR = "payment_method_error"
    PAYMENT_ERROR = "payment_error"
    TEMPORARY_LOCKED = "temporary_locked"
    ALREADY_CHARGING = "already_charging"
    ALREADY_STOPPED = "already_stopped"
    STATION_AVAILABILITY_ISSUE = "station_availability_issue"
    BILLING_DATA_REQUIRED = "billing_data_required"
    CHARGING_PROVIDER_ERROR = "charging_provider_error"
    UNEXPECTED_ERROR = "unexpected_error"
    PRE_AUTHORIZATION_FAILED = "pre_authorization_failed"
