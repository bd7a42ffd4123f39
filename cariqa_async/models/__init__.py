"""Typed, immutable models of the Cariqa Connect API's resources."""

from __future__ import annotations

from ._charging_sessions import ChargingSession, SessionCost, SessionPrices, StationInfo
from ._enums import OpenStrEnum
from ._page import Page
from ._users import User, UserCustomProperties

__all__ = [
    "ChargingSession",
    "OpenStrEnum",
    "Page",
    "SessionCost",
    "SessionPrices",
    "StationInfo",
    "User",
    "UserCustomProperties",
]
