"""Stations through the SDK against the sandbox over real sockets (strict client)."""

from __future__ import annotations

import math

import pytest

from cariqa_async import ConnectorType, EvseStatus, NotFoundError, Station
from cariqa_async.sandbox import Sandbox

from .conftest import client_for

EVA = "DE*CIQ*E02SSKRNPJRRC"  # EVA Charge, Worms
WORMS = (49.630383, 8.368902)
FAR = 20_040_000  # meters: every station of the planet is closer


def meters(station: Station) -> float:
    lat, lon = float(station.coordinates.latitude), float(station.coordinates.longitude)
    p1, p2 = math.radians(WORMS[0]), math.radians(lat)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon - WORMS[1]) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


async def test_around_is_nearest_first_and_the_walk_yields_each_station_once() -> None:
    async with Sandbox(seed=3, users=1) as sb, client_for(sb) as client:
        first = await client.stations.around(latitude=WORMS[0], longitude=WORMS[1], distance=500)
        assert first.results
        assert first.results[0].id == EVA
        walked = [
            s async for s in client.stations.iter_around(
                latitude=WORMS[0], longitude=WORMS[1], distance=FAR, page_size=2
            )
        ]  # fmt: skip
        distances = [meters(s) for s in walked]
        assert distances == sorted(distances)
        assert len({s.id for s in walked}) == len(walked) > 2


async def test_filters_go_on_the_wire_and_are_applied() -> None:
    async with Sandbox(seed=3, users=1) as sb, client_for(sb) as client:
        wanted = [ConnectorType.CHADEMO, ConnectorType.IEC_62196_T2_COMBO]
        found = [
            s async for s in client.stations.iter_around(
                latitude=WORMS[0], longitude=WORMS[1], distance=FAR, connector_types=wanted
            )
        ]  # fmt: skip
        everything = [
            s async for s in client.stations.iter_around(
                latitude=WORMS[0], longitude=WORMS[1], distance=FAR
            )
        ]  # fmt: skip
        assert 0 < len(found) < len(everything)
        for station in found:
            assert {g.type for g in station.price_groups} & set(wanted), station.id


async def test_a_station_by_id_or_by_evse_and_an_evse_status_change() -> None:
    async with Sandbox(seed=3, users=1) as sb, client_for(sb) as client:
        by_id = await client.stations.get(station_id=EVA)
        evse = by_id.evses[0]
        assert evse.status is EvseStatus.AVAILABLE
        by_evse = await client.stations.get(evse_id=evse.evse_id)
        assert by_evse.id == EVA
        sb.set_evse_status(evse.evse_id, "CHARGING")
        again = await client.stations.get(evse_id=evse.evse_id)
        assert next(e for e in again.evses if e.evse_id == evse.evse_id).status == "CHARGING"
        with pytest.raises(NotFoundError):
            await client.stations.get(station_id="DE*CIQ*ENOSUCHTHING")


async def test_partners_and_a_map_tile() -> None:
    async with Sandbox(seed=3, users=1) as sb, client_for(sb) as client:
        partners = await client.stations.partners()
        assert partners
        assert all(p.name for p in partners)
        zoom = 12
        n = 2**zoom
        x = int((WORMS[1] + 180.0) / 360.0 * n)
        lat = math.radians(WORMS[0])
        y = int((1.0 - math.asinh(math.tan(lat)) / math.pi) / 2.0 * n)
        tile = await client.stations.tile(z=zoom, x=x, y=y)
        assert tile.features
        empty = await client.stations.tile(z=zoom, x=(x + n // 2) % n, y=y)
        assert not empty.features
