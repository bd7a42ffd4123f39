"""Typed, immutable models of the Cariqa Connect API's resources."""

from __future__ import annotations

from ._api_enums import (
    AccountType,
    Amenity,
    ConnectorType,
    ErrorType,
    EvseStatus,
    Locale,
    PaymentMethodType,
    Speed,
    StationStatus,
    TilePriceType,
    Weekday,
)
from ._billing import BillingDetails
from ._charging_sessions import ChargingSession, SessionCost, SessionPrices, StationInfo
from ._enums import OpenStrEnum
from ._invoices import Invoice, InvoicePage
from ._page import Page
from ._payments import Card, Debt, PaymentMethod, SetupIntent
from ._stations import (
    Contact,
    Coordinates,
    Evse,
    OpeningTimes,
    OperatorInfo,
    Partner,
    PriceGroup,
    PriceItem,
    Prices,
    RegularHours,
    Station,
)
from ._tiles import (
    Tile,
    TileCustomProperties,
    TileFeature,
    TileGeometry,
    TilePriceProperties,
    TileProperties,
)
from ._users import User, UserCustomProperties

__all__ = [
    "AccountType",
    "Amenity",
    "BillingDetails",
    "Card",
    "ChargingSession",
    "ConnectorType",
    "Contact",
    "Coordinates",
    "Debt",
    "ErrorType",
    "Evse",
    "EvseStatus",
    "Invoice",
    "InvoicePage",
    "Locale",
    "OpenStrEnum",
    "OpeningTimes",
    "OperatorInfo",
    "Page",
    "Partner",
    "PaymentMethod",
    "PaymentMethodType",
    "PriceGroup",
    "PriceItem",
    "Prices",
    "RegularHours",
    "SessionCost",
    "SessionPrices",
    "SetupIntent",
    "Speed",
    "Station",
    "StationInfo",
    "StationStatus",
    "Tile",
    "TileCustomProperties",
    "TileFeature",
    "TileGeometry",
    "TilePriceProperties",
    "TilePriceType",
    "TileProperties",
    "User",
    "UserCustomProperties",
    "Weekday",
]
