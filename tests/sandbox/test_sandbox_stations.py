"""Stations in the sandbox: around, details, partners, tile, and the EVSE registry."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from cariqa_async.sandbox import Sandbox
from cariqa_async.sandbox._catalog import SITES, STATIONS
from cariqa_async.sandbox._store import Store
from cariqa_async.sandbox.resources import stations
from tests.contract.schemas import validate

from .sandbox_helpers import auth, get

EVA = "DE*CIQ*E02SSKRNPJRRC"  # EVA Charge, Ludwigstraße 9, Worms
WORMS = (49.630383, 8.368902)
HALF_EARTH_M = 20_040_000  # every station of the planet is closer than this


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * r * math.asin(math.sqrt(a))


def osm_tile(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    """The OpenStreetMap wiki's formula, written independently of the sandbox's."""
    n = 2**zoom
    lat_rad = math.radians(lat)
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.log(math.tan(lat_rad) + 1 / math.cos(lat_rad)) / math.pi) / 2.0 * n)
    return x, y


def tile_bounds(x: int, y: int, zoom: int) -> tuple[float, float, float, float]:
    """(north, south, west, east) of a tile, from the wiki's inverse formula."""
    n = 2**zoom

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return lat(y), lat(y + 1), x / n * 360 - 180, (x + 1) / n * 360 - 180


def coords(station: dict[str, Any]) -> tuple[float, float]:
    c = station["coordinates"]
    return float(c["latitude"]), float(c["longitude"])


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(seed=11, users=2) as sandbox:
        yield sandbox


async def api(
    http: aiohttp.ClientSession, sb: Sandbox, path: str, component: str | None = None
) -> tuple[int, Any]:
    """GET ``/api/v1/stations/<path>``; validate a 200 body against ``component``, a 400 too."""
    status, body, _ = await get(http, f"{sb.url}/api/v1/stations/{path}", auth(sb))
    if status == 200 and component is not None:
        validate(body, component)
    elif status == 400:
        validate(body, "ErrorDetail")
        assert body["error"]["type"] == "validation_error"
    elif status == 404:
        validate(body, "Detail")
    return status, body


async def around(
    http: aiohttp.ClientSession, sb: Sandbox, lat: float, lon: float, query: str = ""
) -> list[dict[str, Any]]:
    status, body = await api(
        http, sb, f"around/?latitude={lat}&longitude={lon}&page_size=100{query}",
        "PaginatedConnectAPIStationList",
    )  # fmt: skip
    assert status == 200, body
    assert body["count"] == len(body["results"])
    return body["results"]  # type: ignore[no-any-return]


# --- the catalogue and the EVSE registry ---------------------------------------------


def test_the_directory_is_the_complete_catalogue_entries_plus_map_only_ones() -> None:
    complete = [s for s in STATIONS if s.name and s.address and s.latitude and s.longitude]
    listed = [site.station for site in SITES]
    assert [s for s in listed if s in STATIONS] == complete
    assert all(s.name and s.address and s.latitude and s.longitude for s in listed)
    assert len(set(stations.station_ids())) == len(SITES)
    # Entries lacking name, address or coordinates exist only in sessions.
    berlin_no_name = STATIONS[4]
    assert berlin_no_name.name is None
    assert stations.evse(Store(1, []), f"DE*CIQ*E{berlin_no_name.evse_code}*1") is None


def test_evse_facts_and_eva_charge_starts_available() -> None:
    for seed in range(40):
        store = Store(seed, [])
        for number in (1, 2):
            found = stations.evse(store, f"{EVA}*{number}")
            assert found is not None
            assert found.status == "AVAILABLE"
            assert (found.station.name, found.station_id, found.number) == (
                "EVA Charge", EVA, number,
            )  # fmt: skip
            assert (found.standard, found.power_kw, found.currency) == ("IEC_62196_T2", 22.0, "eur")
            assert found.kwh_price is not None or found.time_price is not None
    statuses = [stations.evse(Store(3, []), e) for e in stations.evse_ids()]
    assert all(s is not None for s in statuses)
    kinds = [s.status for s in statuses if s is not None]
    assert kinds.count("AVAILABLE") > len(kinds) / 2  # most, not all
    assert set(kinds) - {"AVAILABLE"}


@pytest.mark.parametrize(
    "evse_id",
    [f"{EVA}*0", f"{EVA}*3", f"{EVA}*01", f"{EVA}*", EVA, f"{EVA}*1*1", "DE*CIQ*EXXXX*1", ""],
)
def test_unknown_evse_ids(evse_id: str) -> None:
    store = Store(1, [])
    assert stations.evse(store, evse_id) is None
    with pytest.raises(KeyError):
        stations.set_evse_status(store, evse_id, "CHARGING")


def test_set_evse_status_is_per_store_and_checked() -> None:
    store, other = Store(1, []), Store(1, [])
    stations.set_evse_status(store, f"{EVA}*2", "CHARGING")
    assert stations.evse(store, f"{EVA}*2").status == "CHARGING"  # type: ignore[union-attr]
    assert stations.evse(store, f"{EVA}*1").status == "AVAILABLE"  # type: ignore[union-attr]
    assert stations.evse(other, f"{EVA}*2").status == "AVAILABLE"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="unknown EVSE status"):
        stations.set_evse_status(store, f"{EVA}*1", "charging")


def test_seeded_facts_are_reproducible_per_seed() -> None:
    def facts(seed: int) -> list[Any]:
        store = Store(seed, [])
        return [stations.evse(store, evse_id) for evse_id in stations.evse_ids()]

    assert facts(5) == facts(5)
    assert facts(5) != facts(6)


# --- around ----------------------------------------------------------------------------


async def test_around_is_nearest_first_within_the_radius(
    http: aiohttp.ClientSession, sb: Sandbox
) -> None:
    everything = await around(http, sb, *WORMS, f"&distance={HALF_EARTH_M}")
    assert len(everything) == len(SITES)
    distances = [haversine_m(*WORMS, *coords(s)) for s in everything]
    assert distances == sorted(distances)
    assert everything[0]["id"] == EVA
    assert [s["name"] for s in everything[1:3]] == ["Stadtwerke Worms", "EWR Ladepunkt"]

    # distance is a radius in meters: the station just inside is in, just outside not.
    second = distances[1]
    inside = await around(http, sb, *WORMS, f"&distance={math.ceil(second) + 1}")
    outside = await around(http, sb, *WORMS, f"&distance={math.floor(second) - 1}")
    assert [s["id"] for s in inside] == [s["id"] for s in everything[:2]]
    assert [s["id"] for s in outside] == [EVA]
    # The default radius is 100 m.
    assert [s["id"] for s in await around(http, sb, 49.6306, 8.3692)] == [EVA]
    assert await around(http, sb, 49.64, 8.3692) == []  # about 1 km north


async def test_around_filters(http: aiohttp.ClientSession, sb: Sandbox) -> None:
    world = f"&distance={HALF_EARTH_M}"
    everything = await around(http, sb, *WORMS, world)

    partners = await around(http, sb, *WORMS, world + "&only_partners=true")
    assert partners == [s for s in everything if s["is_partner"]]
    assert 0 < len(partners) < len(everything)

    chosen = await around(http, sb, *WORMS, world + "&operators=EnBW&operators=Allego")
    assert chosen == [s for s in everything if s["operator"]["name"] in ("EnBW", "Allego")]
    assert {s["operator"]["name"] for s in chosen} == {"EnBW", "Allego"}

    query = world + "&connector_types=CHADEMO&connector_types=DOMESTIC_F"
    plugs = await around(http, sb, *WORMS, query)
    wanted = {"CHADEMO", "DOMESTIC_F"}
    assert plugs == [s for s in everything if {g["type"] for g in s["price_groups"]} & wanted]
    assert plugs

    for evse_id in (f"{EVA}*1", f"{EVA}*2"):
        sb.set_evse_status(evse_id, "CHARGING")
    available = await around(http, sb, *WORMS, world + "&only_available=1")
    assert EVA not in {s["id"] for s in available}
    assert all(any(e["status"] == "AVAILABLE" for e in s["evses"]) for s in available)
    assert all(s["status"] == "free" for s in available)
    busy = (await around(http, sb, *WORMS))[0]
    assert (busy["id"], busy["status"]) == (EVA, "busy")


async def test_around_paginates_like_drf(http: aiohttp.ClientSession, sb: Sandbox) -> None:
    base = f"around/?latitude={WORMS[0]}&longitude={WORMS[1]}&distance={HALF_EARTH_M}"
    everything = await around(http, sb, *WORMS, f"&distance={HALF_EARTH_M}")
    seen = []
    for page in (1, 2, 3):
        status, body = await api(
            http, sb, f"{base}&page_size=10&page={page}", "PaginatedConnectAPIStationList"
        )
        assert status == 200
        assert body["count"] == len(everything)
        seen += body["results"]
    assert body["next"] is None
    assert body["previous"].endswith("page=2&page_size=10")
    assert seen == everything
    status, body = await api(http, sb, f"{base}&page=9")
    assert (status, body) == (404, {"detail": "Invalid page."})


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("", ["latitude", "longitude"]),
        ("latitude=49.6", ["longitude"]),
        ("latitude=north&longitude=8.3", ["latitude"]),
        ("latitude=91&longitude=8.3", ["latitude"]),
        ("latitude=nan&longitude=inf", ["latitude", "longitude"]),
        ("latitude=49.6&longitude=8.3&distance=far", ["distance"]),
        ("latitude=49.6&longitude=8.3&distance=-1", ["distance"]),
        ("latitude=49.6&longitude=8.3&only_available=maybe", ["only_available"]),
        ("latitude=49.6&longitude=8.3&only_partners=", ["only_partners"]),
        ("latitude=49.6&longitude=8.3&connector_types=T2", ["connector_types"]),
    ],
)
async def test_around_refuses_bad_parameters(
    http: aiohttp.ClientSession, sb: Sandbox, query: str, fields: list[str]
) -> None:
    status, body = await api(http, sb, f"around/?{query}")
    assert status == 400
    named = [key for key in body if key not in ("detail", "error")]  # DRF's field map
    assert named == fields


# --- details and partners ---------------------------------------------------------------


async def test_details_by_station_and_by_evse(http: aiohttp.ClientSession, sb: Sandbox) -> None:
    for sid in stations.station_ids():
        status, by_station = await api(
            http, sb, f"details/?id={sid}&type=station_id", "ConnectAPIStation"
        )
        assert status == 200
        assert by_station["id"] == sid
        for evse in by_station["evses"]:
            assert evse["evse_id"].startswith(sid + "*")
            status, by_evse = await api(
                http, sb, f"details/?type=evse_id&id={evse['evse_id']}", "ConnectAPIStation"
            )
            assert (status, by_evse) == (200, by_station)
        grouped = sorted(e for g in by_station["price_groups"] for e in g["evse_ids"])
        assert grouped == sorted(e["evse_id"] for e in by_station["evses"])


async def test_details_shows_what_the_registry_holds(
    http: aiohttp.ClientSession, sb: Sandbox
) -> None:
    sb.set_evse_status(f"{EVA}*2", "OUTOFORDER")
    _, body = await api(http, sb, f"details/?id={EVA}&type=station_id", "ConnectAPIStation")
    assert [e["status"] for e in body["evses"]] == ["AVAILABLE", "OUTOFORDER"]
    evse = stations.evse(sb.state.store, f"{EVA}*1")
    assert evse is not None
    (group,) = body["price_groups"]
    prices = group["prices"]
    assert group["currency"] == evse.currency.upper()
    for field in ("kwh_price", "time_price", "session_fee", "starting_fee", "blocking_fee"):
        expected = getattr(evse, field)
        shown = prices[field]
        assert (shown is None) == (expected is None), field
        if shown is not None:
            assert Decimal(shown["default"][0]["user_facing_price"]) == expected
            assert shown["default"][0]["tax"] == 19.0


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("id=DE*CIQ*EXXXX&type=station_id", 404),
        (f"id={EVA}*1&type=station_id", 404),  # an EVSE id is no station id
        (f"id={EVA}&type=evse_id", 404),
        (f"id={EVA}*9&type=evse_id", 404),
        (f"id=DE*CIQ*E{STATIONS[4].evse_code}*1&type=evse_id", 404),  # in sessions only
        (f"id={EVA}", 400),
        ("type=station_id", 400),
        ("id=&type=station_id", 400),
        (f"id={EVA}&type=station", 400),
        ("", 400),
    ],
)
async def test_details_404_and_400(
    http: aiohttp.ClientSession, sb: Sandbox, query: str, status: int
) -> None:
    assert (await api(http, sb, f"details/?{query}"))[0] == status


async def test_partners_is_a_plain_array_of_partner_operators(
    http: aiohttp.ClientSession, sb: Sandbox
) -> None:
    status, body = await api(http, sb, "partners/")
    assert status == 200
    assert isinstance(body, list)
    for item in body:
        validate(item, "ConnectAPIPartnerFilterOperator")
    names = [p["name"] for p in body]
    assert names == sorted(set(names))
    assert set(names) == {site.operator for site in SITES if site.station.is_partner}
    # Every partner name filters `around` down to that operator's stations.
    world = f"&distance={HALF_EARTH_M}"
    for name in names:
        found = await around(http, sb, *WORMS, f"{world}&operators={name}")
        assert found
        assert {s["operator"]["name"] for s in found} == {name}


# --- tiles ---------------------------------------------------------------------------------


async def tile(
    http: aiohttp.ClientSession, sb: Sandbox, z: int, xs: list[int], ys: list[int], extra: str = ""
) -> list[dict[str, Any]]:
    query = "&".join([f"z={z}", *(f"x={x}" for x in xs), *(f"y={y}" for y in ys)])
    status, body = await api(http, sb, f"tile/?{query}{extra}", "ConnectAPITileResponse")
    assert status == 200, body
    assert body["type"] == "FeatureCollection"
    return body["features"]  # type: ignore[no-any-return]


def station_ids_in(features: list[dict[str, Any]]) -> set[str]:
    assert all(f["properties"]["count"] == 1 for f in features)
    return {f["station_id"] for f in features}


async def test_a_station_is_in_its_tile_and_not_in_the_neighbours(
    http: aiohttp.ClientSession, sb: Sandbox
) -> None:
    z = 17  # deep enough that every station is alone in its tile
    for site in SITES:
        lat, lon = float(site.station.latitude or 0), float(site.station.longitude or 0)
        x, y = osm_tile(lat, lon, z)
        north, south, west, east = tile_bounds(x, y, z)
        assert south <= lat <= north
        assert west <= lon <= east
        sid = stations.station_id(site.station)
        assert station_ids_in(await tile(http, sb, z, [x], [y])) == {sid}
        for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            assert sid not in station_ids_in(await tile(http, sb, z, [x + dx], [y + dy]))
    assert stations.tile_of(*WORMS, 10) == osm_tile(*WORMS, 10)


async def test_repeated_x_and_y_ask_for_the_block_of_tiles(
    http: aiohttp.ClientSession, sb: Sandbox
) -> None:
    z = 16
    worms = {stations.station_id(s.station) for s in SITES if "Worms" in (s.station.address or "")}
    spots = {
        osm_tile(float(s.station.latitude or 0), float(s.station.longitude or 0), z)
        for s in SITES
        if stations.station_id(s.station) in worms
    }
    xs, ys = sorted({x for x, _ in spots}), sorted({y for _, y in spots})
    assert len(spots) == 3
    block = await tile(http, sb, z, xs, ys)
    assert station_ids_in(block) == worms


async def test_clusters_merge_nearby_stations_and_split_when_zooming_in(
    http: aiohttp.ClientSession, sb: Sandbox
) -> None:
    x, y = osm_tile(*WORMS, 6)
    features = await tile(http, sb, 6, [x], [y])
    clusters = [f for f in features if "cluster_id" in f]
    assert clusters
    worms = next(c for c in clusters if c["properties"]["count"] == 3)
    assert "station_id" not in worms
    lat, lon = (float(v) for v in worms["geometry"]["coordinates"])
    assert haversine_m(lat, lon, *WORMS) < 2000
    assert worms["custom_properties"] == {"is_partner": True}
    zoom = worms["properties"]["expansion_zoom"]
    assert zoom > 6

    async def near_worms(z: int) -> list[dict[str, Any]]:
        spots = {osm_tile(*coords(s), z) for s in await around(http, sb, *WORMS, "&distance=3000")}
        xs, ys = sorted({x for x, _ in spots}), sorted({y for _, y in spots})
        features = await tile(http, sb, z, xs, ys)
        return [
            f
            for f in features
            if haversine_m(*(float(v) for v in f["geometry"]["coordinates"]), *WORMS) < 3000
        ]

    # One zoom level above its expansion zoom the cluster holds; at it, it splits.
    assert [f["properties"]["count"] for f in await near_worms(zoom - 1)] == [3]
    split = await near_worms(zoom)
    assert len(split) > 1
    assert sum(f["properties"]["count"] for f in split) == 3
    total = await tile(http, sb, 0, [0], [0])
    assert sum(f["properties"]["count"] for f in total) == len(SITES)


async def test_tile_filters(http: aiohttp.ClientSession, sb: Sandbox) -> None:
    z = 17
    every = {}
    for site in SITES:
        lat, lon = float(site.station.latitude or 0), float(site.station.longitude or 0)
        (feature,) = await tile(http, sb, z, *([c] for c in osm_tile(lat, lon, z)))
        every[feature["station_id"]] = (feature, site)

    async def kept(extra: str) -> set[str]:
        found: set[str] = set()
        for _feature, site in every.values():
            lat, lon = float(site.station.latitude or 0), float(site.station.longitude or 0)
            x, y = osm_tile(lat, lon, z)
            found |= station_ids_in(await tile(http, sb, z, [x], [y], extra))
        return found

    turbo = {sid for sid, (f, _) in every.items() if f["properties"]["speed"] == "turbo"}
    assert await kept("&power_groups=turbo") == turbo
    assert turbo
    prices = {sid: Decimal(f["price_properties"]["price"]) for sid, (f, _) in every.items()}
    cheap = {sid for sid, price in prices.items() if price <= Decimal("0.5")}
    assert await kept("&max_price=0.5") == cheap
    assert 0 < len(cheap) < len(every)
    partners = {sid for sid, (_, site) in every.items() if site.station.is_partner}
    assert await kept("&only_partners=yes") == partners


@pytest.mark.parametrize(
    "query",
    [
        "x=1&y=1",
        "z=1&y=1",
        "z=1&x=1",
        "z=1&x=2&y=0",  # zoom 1 has tiles 0..1
        "z=23&x=0&y=0",
        "z=-1&x=0&y=0",
        "z=1&x=a&y=0",
        "z=1&x=0&y=0&power_groups=warp",
        "z=1&x=0&y=0&max_price=cheap",
        "z=5&y=0&" + "&".join(f"x={i}" for i in range(17)),
    ],
)
async def test_tile_refuses_bad_parameters(
    http: aiohttp.ClientSession, sb: Sandbox, query: str
) -> None:
    assert (await api(http, sb, f"tile/?{query}"))[0] == 400


# --- controls and reproducibility ------------------------------------------------------------


async def test_set_evse_status_over_http(http: aiohttp.ClientSession, sb: Sandbox) -> None:
    url = f"{sb.url}/_sandbox/evses/{EVA}*1"
    async with http.put(url, json={"status": "OUTOFORDER"}) as response:
        assert response.status == 200
        assert await response.json() == {"evse_id": f"{EVA}*1", "status": "OUTOFORDER"}
    assert sb.evse_status(f"{EVA}*1") == "OUTOFORDER"
    # A client that percent-encodes the asterisks reaches the same EVSE.
    status, body, _ = await get(http, f"{sb.url}/_sandbox/evses/{EVA.replace('*', '%2A')}*1")
    assert (status, body["status"]) == (200, "OUTOFORDER")
    _, details = await api(http, sb, f"details/?id={EVA}&type=station_id", "ConnectAPIStation")
    assert details["evses"][0]["status"] == "OUTOFORDER"

    for path, payload, expected in (
        (f"{EVA}*1", {"status": "broken"}, 400),
        (f"{EVA}*1", {"state": "CHARGING"}, 400),
        (f"{EVA}*7", {"status": "CHARGING"}, 404),
    ):
        async with http.put(f"{sb.url}/_sandbox/evses/{path}", json=payload) as response:
            assert response.status == expected
            assert "detail" in await response.json()
    assert (await get(http, f"{sb.url}/_sandbox/evses/nope"))[0] == 404
    assert sb.evse_status(f"{EVA}*1") == "OUTOFORDER"
    assert f"{EVA}*2" in sb.evse_ids
    with pytest.raises(KeyError):
        sb.evse_status("nope")


async def test_same_seed_same_bytes_different_seed_different(
    http: aiohttp.ClientSession,
) -> None:
    paths = [
        f"around/?latitude=50&longitude=10&distance={HALF_EARTH_M}&page_size=100",
        "tile/?z=3&x=4&y=2&x=3",
        f"details/?id={EVA}&type=station_id",
    ]
    bodies = []
    for seed in (21, 21, 22):
        async with Sandbox(seed=seed, users=1) as sandbox:
            got = []
            for path in paths:
                url = f"{sandbox.url}/api/v1/stations/{path}"
                async with http.get(url, headers=auth(sandbox)) as response:
                    assert response.status == 200
                    got.append((await response.read()).replace(sandbox.url.encode(), b""))
            bodies.append(got)
    assert bodies[0] == bodies[1]
    assert bodies[0][0] != bodies[2][0]
