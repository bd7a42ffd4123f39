from __future__ import annotations

from decimal import Decimal

import attrs

from ._api_enums import Speed, StationStatus, TilePriceType
from ._fields import NumberText, may_be_absent


@attrs.frozen(slots=True, weakref_slot=False)
class TileGeometry:
    """Where a tile feature is (``TilesGeometryPoint``).

    Attributes:
        coordinates: latitude and longitude, in that order, as text: the spec
            declares strings, the API's description speaks of floats, and both
            are accepted; numbers become their text (``52.52`` -> ``"52.52"``), so
            the type is the same either way and no digit is invented.
        type: ``"Point"``.
    """

    coordinates: tuple[NumberText, ...]
    type: str = "Point"


@attrs.frozen(slots=True, weakref_slot=False)
class TileProperties:
    """What a tile feature shows (``TilesProperty``).

    Attributes:
        count: the stations it stands for; ``1`` for a single station, more for a cluster.
        expansion_zoom: the zoom level at which a cluster splits up; clusters only.
        speed, status: e.g. ``Speed.TURBO`` and ``StationStatus.BUSY``.
        operator_id: the station's operator; single stations only.

    The two kind-specific fields are optional even in strict mode, since every
    feature lacks one of them.
    """

    count: int
    speed: Speed | None = None
    status: StationStatus | None = None
    expansion_zoom: int | None = may_be_absent()
    operator_id: str | None = may_be_absent()


@attrs.frozen(slots=True, weakref_slot=False)
class TileCustomProperties:
    """Cariqa's additions to a tile feature (``TilesCustomProperties``)."""

    is_partner: bool


@attrs.frozen(slots=True, weakref_slot=False)
class TilePriceProperties:
    """The price a tile feature shows (``TilesPriceProperties``).

    Attributes:
        price: e.g. ``Decimal("0.59")``, in ``currency``.
        type: per kWh (``TilePriceType.CHARGING_PRICE``) or per minute (``.TIME_PRICE``).
    """

    price: Decimal
    type: TilePriceType
    currency: str


@attrs.frozen(slots=True, weakref_slot=False)
class TileFeature:
    """One station or cluster of stations on a map tile (``TilesFeatureCollection``).

    Attributes:
        geometry: where it is.
        properties: count, speed, status.
        station_id: only for a single station; ``cluster_id`` only for a cluster.
            The spec says so, so strict mode accepts either one missing.
        type: ``"Feature"``.
    """

    geometry: TileGeometry
    properties: TileProperties
    type: str = "Feature"
    station_id: str | None = may_be_absent()
    cluster_id: str | None = may_be_absent()
    custom_properties: TileCustomProperties | None = None
    price_properties: TilePriceProperties | None = None


@attrs.frozen(slots=True, weakref_slot=False)
class Tile:
    """The stations on a map tile, as a GeoJSON-like collection (``ConnectAPITileResponse``).

    Attributes:
        features: the stations and clusters.
        type: ``"FeatureCollection"``.
    """

    features: tuple[TileFeature, ...]
    type: str = "FeatureCollection"
