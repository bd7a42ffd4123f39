"""Thin resource classes: each binds API paths to the client's request and pagination."""

from __future__ import annotations

from ._charging_sessions import ChargingSessions
from ._users import Users

__all__ = ["ChargingSessions", "Users"]
