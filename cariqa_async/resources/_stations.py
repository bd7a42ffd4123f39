from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._endpoints import STATIONS_AROUND, STATIONS_DETAILS, STATIONS_PARTNERS, STATIONS_TILE
from .._pagination import PageWalk
from ..errors import InvalidArgumentError
from ..models import ConnectorType, Page, Partner, Station, Tile
from ._base import Resource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._pagination import WalkArgs


class Stations(Resource):
    """Charging stations: search around a point, look one up, map tiles: ``client.stations``."""

    __slots__ = ()

    async def around(
        self,
        *,
        latitude: float,
        longitude: float,
        distance: int | None = None,
        connector_types: Sequence[ConnectorType | str] | None = None,
        only_available: bool | None = None,
        only_partners: bool | None = None,
        operators: Sequence[str] | None = None,
        page: int = 1,
        page_size: int | None = None,
    ) -> Page[Station]:
        """One page of the stations around a point, nearest first.

        Args:
            distance: the radius in meters (the API's default is 100).
            connector_types: any of these (sent as repeated parameters).
            operators: any of these (sent as repeated parameters).
            only_available: narrows the search.
            only_partners: narrows the search.

        Raises:
            ValidationError: e.g. a latitude out of range.

        Example::

            page = await client.stations.around(latitude=49.63, longitude=8.37, distance=500)
        """
        query = _around(
            latitude, longitude, distance, connector_types, only_available, only_partners, operators
        )
        return await self._page(STATIONS_AROUND, query=query, page=page, page_size=page_size)

    def iter_around(
        self,
        *,
        latitude: float,
        longitude: float,
        distance: int | None = None,
        connector_types: Sequence[ConnectorType | str] | None = None,
        only_available: bool | None = None,
        only_partners: bool | None = None,
        operators: Sequence[str] | None = None,
        **options: Unpack[WalkArgs],
    ) -> PageWalk[Station]:
        """Every station around a point, each once (by ``id``, or by name, address and
        coordinates for a station without one), nearest first.

        Raises:
            InvalidArgumentError: an option is unusable.
        """
        query = _around(
            latitude, longitude, distance, connector_types, only_available, only_partners, operators
        )
        return self._walk(STATIONS_AROUND, query=query, **options)

    async def get(self, *, station_id: str | None = None, evse_id: str | None = None) -> Station:
        """One station, by its id or by the id of one of its EVSEs (exactly one of them).

        Raises:
            InvalidArgumentError: neither or both given (also a ``ValueError``).
            NotFoundError: no such station or EVSE.
        """
        if (station_id is None) == (evse_id is None):
            raise InvalidArgumentError("give exactly one of station_id and evse_id")
        query = (
            {"id": station_id, "type": "station_id"}
            if station_id is not None
            else {"id": evse_id, "type": "evse_id"}
        )
        return await self._call(STATIONS_DETAILS, query=query)

    async def partners(self) -> tuple[Partner, ...]:
        """The partner operators, whose names the ``operators`` filters take."""
        return await self._call(STATIONS_PARTNERS)

    async def tile(
        self,
        *,
        z: int,
        x: int | Sequence[int],
        y: int | Sequence[int],
        connector_types: Sequence[ConnectorType | str] | None = None,
        max_price: float | None = None,
        only_available: bool | None = None,
        only_partners: bool | None = None,
        operators: Sequence[str] | None = None,
        power_groups: Sequence[str] | None = None,
    ) -> Tile:
        """The stations of slippy-map tiles (zoom ``z``; ``x``, ``y``: one or more), as
        GeoJSON features, for drawing a map.

        Raises:
            ValidationError: e.g. a tile outside the zoom level's grid.
        """
        query = {
            "z": z,
            "x": [x] if isinstance(x, int) else list(x),
            "y": [y] if isinstance(y, int) else list(y),
            "connector_types": connector_types,
            "max_price": max_price,
            "only_available": only_available,
            "only_partners": only_partners,
            "operators": operators,
            "power_groups": power_groups,
        }
        return await self._call(STATIONS_TILE, query=query)


def _around(
    latitude: float,
    longitude: float,
    distance: int | None,
    connector_types: Sequence[ConnectorType | str] | None,
    only_available: bool | None,
    only_partners: bool | None,
    operators: Sequence[str] | None,
) -> dict[str, object]:
    return {
        "latitude": latitude,
        "longitude": longitude,
        "distance": distance,
        "connector_types": connector_types,
        "only_available": only_available,
        "only_partners": only_partners,
        "operators": operators,
    }
