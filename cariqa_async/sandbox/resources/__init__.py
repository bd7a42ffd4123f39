"""The API's resources, one module each: its records' generator, its changes, its routes.

Adding an endpoint of the Connect API is adding (or extending) a module here:
a generator of seeded records and a :class:`~.._collection.Kind` if the
resource holds records, handlers built from :mod:`.._http`'s helpers, and its
:class:`~.._http.Route` lines, listed in :data:`ROUTES` below.
"""

from __future__ import annotations

from typing import Final

from .._http import Route
from . import charging_sessions, stations, users

__all__ = ["ROUTES", "charging_sessions", "stations", "users"]

#: Every API endpoint the sandbox serves.
ROUTES: Final[tuple[Route, ...]] = (*users.ROUTES, *charging_sessions.ROUTES, *stations.ROUTES)
