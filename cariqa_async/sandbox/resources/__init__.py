"""The API's resources, one module each: its records' generator, its changes, its routes.

Adding an endpoint of the Connect API is adding (or extending) a module here:
a generator of seeded records and a :class:`~.._collection.Kind` if the
resource holds records, handlers built from :mod:`.._http`'s helpers, and its
:class:`~.._http.Route` lines, listed in :data:`ROUTES` below.
"""

from __future__ import annotations

from typing import Final

from .._http import Route
from . import (
    billing,
    charging,
    charging_sessions,
    debts,
    invoices,
    payment_methods,
    stations,
    users,
)

__all__ = [
    "ROUTES",
    "billing",
    "charging",
    "charging_sessions",
    "debts",
    "invoices",
    "payment_methods",
    "stations",
    "users",
]

#: Every API endpoint the sandbox serves.
ROUTES: Final[tuple[Route, ...]] = (
    *users.ROUTES,
    *charging.ROUTES,
    *billing.ROUTES,
    *payment_methods.ROUTES,
    *charging_sessions.ROUTES,
    *debts.ROUTES,
    *invoices.ROUTES,
    *stations.ROUTES,
)
