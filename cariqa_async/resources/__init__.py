"""Thin resource classes: each binds API paths to the client's request and pagination."""

from __future__ import annotations

from ._billing import BillingDetailsResource
from ._charging import Charging
from ._charging_sessions import ChargingSessions
from ._payment_methods import PaymentMethods
from ._statements import Debts, Invoices
from ._stations import Stations
from ._users import Users

__all__ = [
    "BillingDetailsResource",
    "Charging",
    "ChargingSessions",
    "Debts",
    "Invoices",
    "PaymentMethods",
    "Stations",
    "Users",
]
