"""The generated data: determinism, laziness, realism, and conformance to the spec."""

from __future__ import annotations

import itertools
import time
import tracemalloc
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import aiohttp
import orjson
import pytest

from cariqa_async.sandbox import DEFAULT_DISTRIBUTION, Sandbox
from cariqa_async.sandbox._data import Draws, format_time, session_counts
from cariqa_async.sandbox._ids import KIND_SESSION, IdCodec
from cariqa_async.sandbox._store import Store
from cariqa_async.sandbox.resources import charging_sessions, users
from tests.contract.schemas import CHARGING_SESSION, USER, validate

from .sandbox_helpers import auth, sessions_url

EXAMPLE_KEYS = [
    "id", "start_time", "end_time", "duration", "consumed_energy", "is_active", "evse_id",
    "station_info", "is_partner", "logo_url", "user_facing_session_prices", "session_cost",
    "rates",
]  # fmt: skip


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def sessions_of(store: Store, user: int) -> list[dict[str, Any]]:
    sessions = charging_sessions.collection(store, user)
    return [orjson.loads(b) for b in sessions.page(0, len(sessions))]


async def fetch(http: aiohttp.ClientSession, sb: Sandbox, path: str) -> bytes:
    """GET ``path``; the body with the sandbox's own address (its port varies) cut out."""
    async with http.get(sb.url + path, headers=auth(sb)) as response:
        assert response.status == 200
        return (await response.read()).replace(sb.url.encode(), b"http://sandbox")


async def test_same_seed_same_bytes_different_seed_different(http: aiohttp.ClientSession) -> None:
    bodies = []
    for seed in (5, 5, 6):
        async with Sandbox(seed=seed, users=20) as sb:
            busiest = max(sb.user_ids, key=sb.session_count)
            bodies.append(
                (
                    await fetch(http, sb, "/api/v1/users/?page_size=100"),
                    await fetch(
                        http, sb, f"/api/v1/users/{busiest}/charging-sessions/?page_size=50"
                    ),
                )
            )
    assert bodies[0] == bodies[1]
    assert bodies[0][0] != bodies[2][0]
    assert bodies[0][1] != bodies[2][1]


def test_ids_are_uuid4_and_decode_back() -> None:
    codec = IdCodec(11)
    for user, key in [(0, 0), (7, 123), (2**40 - 1, 2**48 - 1)]:
        text = codec.encode(KIND_SESSION, user, key)
        assert uuid.UUID(text).version == 4
        assert str(uuid.UUID(text)) == text
        assert codec.decode(text) == (KIND_SESSION, user, key)
        assert codec.decode(text.upper()) == (KIND_SESSION, user, key)
        assert IdCodec(12).decode(text) is None
    assert codec.decode(str(uuid.uuid4())) is None
    assert codec.decode("not-a-uuid") is None
    with pytest.raises(ValueError, match="out of range"):
        codec.encode(KIND_SESSION, 2**40, 0)


def test_default_data_set_is_realistic() -> None:
    sb = Sandbox()
    counts = [sb.session_count(u) for u in sb.user_ids]
    assert len(counts) == 300
    assert 20 <= counts.count(0) <= 40
    assert len([c for c in counts if c >= 1000]) == 2  # "a couple with thousands"
    assert len([c for c in counts if 100 <= c < 1000]) >= 20
    assert len([c for c in counts if 1 <= c <= 99]) >= 200
    assert session_counts(1, 300, DEFAULT_DISTRIBUTION) == counts  # seed 1 is the default


def test_session_count_distribution_validation() -> None:
    assert session_counts(3, 10, [(1.0, 4, 4)]) == [4] * 10
    assert sorted(session_counts(3, 4, [(1, 0, 0), (1, 9, 9)])) == [0, 0, 9, 9]
    for bad in ([], [(1.0, 5, 4)], [(-1.0, 0, 1)], [(0.0, 0, 1)]):
        with pytest.raises(ValueError, match="distribution"):
            session_counts(1, 5, bad)
    with pytest.raises(ValueError, match="users"):
        session_counts(1, -1, DEFAULT_DISTRIBUTION)
    with pytest.raises(ValueError, match="distribution"):
        Sandbox(users=3, distribution=[])
    with pytest.raises(ValueError, match="users must equal"):
        Sandbox(users=3, sessions_per_user=[1, 2])
    with pytest.raises(ValueError, match="not both"):
        Sandbox(sessions_per_user=[1], distribution=[(1.0, 1, 1)])
    sb = Sandbox(users=5, distribution=[(1, 7, 7)])
    assert [sb.session_count(u) for u in sb.user_ids] == [7] * 5


def test_a_million_sessions_is_lazy_and_small() -> None:
    tracemalloc.start()
    try:
        started = time.perf_counter()
        big = Sandbox(sessions_per_user=[1_000_000, 0, 3])
        many = Sandbox(users=1000, distribution=[(1.0, 1000, 1000)])
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert charging_sessions.total(big.state.store) == 1_000_003
    assert charging_sessions.total(many.state.store) == 1_000_000
    assert elapsed < 5.0  # typically ~0.05 s
    assert peak < 20 * 2**20  # typically ~1.5 MB; a materialised million would be gigabytes

    store = big.state.store
    started = time.perf_counter()
    page = [orjson.loads(b) for b in charging_sessions.collection(store, 0).page(999_900, 10**6)]
    assert time.perf_counter() - started < 1.0
    assert len(page) == 100
    assert page[-1]["id"] == store.draws.ids.encode(KIND_SESSION, 0, 999_999)
    starts = [parse_time(s["start_time"]) for s in page]
    assert starts == sorted(starts, reverse=True)


async def test_serving_a_page_of_a_million(http: aiohttp.ClientSession) -> None:
    async with Sandbox(sessions_per_user=[1_000_000]) as sb:
        user = sb.user_ids[0]
        async with http.get(
            sessions_url(sb.url, user, "?page=last&page_size=100"), headers=auth(sb)
        ) as response:
            body = await response.json()
    assert body["count"] == 1_000_000
    assert len(body["results"]) == 100
    assert body["previous"].endswith("page=9999&page_size=100")


def test_sessions_are_newest_first_and_consistent() -> None:
    store = Store(3, [400, 5])
    for user in (0, 1):
        sessions = sessions_of(store, user)
        starts = [parse_time(s["start_time"]) for s in sessions]
        assert starts == sorted(starts, reverse=True)
        assert len(set(starts)) == len(starts)
        for newer, older in itertools.pairwise(sessions):
            if older["end_time"] is not None:  # no overlap: one car, one plug at a time
                assert parse_time(older["end_time"]) < parse_time(newer["start_time"])
        for s in sessions:
            assert list(s) == EXAMPLE_KEYS
            if s["is_active"]:
                assert s is sessions[0]
                assert s["end_time"] is None
                assert s["duration"] is None
                assert s["session_cost"]["invoice_download"] is None
            else:
                delta = parse_time(s["end_time"]) - parse_time(s["start_time"])
                assert s["duration"] == int(delta.total_seconds())


def test_money_adds_up() -> None:
    store = Store(9, [300])
    for s in sessions_of(store, 0):
        cost = s["session_cost"]
        if s["is_active"]:
            continue
        parts = (
            "kwh_cost",
            "time_cost",
            "session_fee_cost",
            "blocking_fee_cost",
            "starting_fee_cost",
        )
        subtotal = sum(Decimal(cost[p]) for p in parts)
        summary = subtotal - Decimal(cost["invoice_discount"]) + Decimal(cost["invoice_credits"])
        assert Decimal(cost["invoice_summary"]) == summary >= 0
        assert Decimal(0) <= Decimal(cost["invoice_vat"]) <= summary / 4
        assert cost["currency"] == s["user_facing_session_prices"]["currency"]
        prices = s["user_facing_session_prices"]
        if prices["kwh_price"] is not None:
            energy = Decimal(s["consumed_energy"])
            expected = (energy * Decimal(prices["kwh_price"])).quantize(Decimal("0.01"))
            assert abs(Decimal(cost["kwh_cost"]) - expected) <= Decimal("0.01")


def test_formats_follow_drf() -> None:
    assert format_time(1_775_131_878_754_610) == "2026-04-02T12:11:18.754610Z"
    # DRF's isoformat() drops a zero fraction entirely.
    assert format_time(1_775_131_878_000_000) == "2026-04-02T12:11:18Z"


def test_generated_records_conform_and_vary_across_seeds() -> None:
    seen: dict[str, set[Any]] = {
        k: set()
        for k in ("currency", "power", "rates", "logo", "active", "no_fraction", "kwh", "time",
                  "email", "external_id", "locale", "invoice_view", "address_chars")
    }  # fmt: skip
    for seed in range(8):
        draws = Draws(seed)
        store = Store(seed, [120, 0, 1, 40] * 2)
        for user in range(8):
            body = users.generate(draws, user)
            validate(body, USER)
            seen["email"].add(body["email"] is None)
            seen["external_id"].add(body["custom_properties"]["external_id"] is None)
            seen["locale"].add(body["locale"])
            for s in sessions_of(store, user):
                validate(s, CHARGING_SESSION)
                prices, cost = s["user_facing_session_prices"], s["session_cost"]
                seen["currency"].add(prices["currency"])
                seen["power"].add(s["station_info"]["connector_power"])
                seen["rates"].add(s["rates"])
                seen["logo"].add(s["logo_url"] is None)
                seen["active"].add(s["is_active"])
                seen["no_fraction"].add("." not in (s["end_time"] or "."))
                seen["kwh"].add(prices["kwh_price"] is None)
                seen["time"].add(prices["time_price"] is None)
                seen["invoice_view"].add(cost["invoice_view"] is None)
                seen["address_chars"].update(s["station_info"]["station_address"] or "")
    assert {"eur", "chf", "gbp", "pln", "sek"} <= seen["currency"]
    assert {22, 11, 3.7, 7.4, 150, 300} <= seen["power"]
    assert any(isinstance(p, float) for p in seen["power"])
    assert seen["rates"] == {None, 1, 2, 3, 4, 5}
    for flag in ("logo", "active", "no_fraction", "kwh", "time", "email", "external_id",
                 "invoice_view"):  # fmt: skip
        assert seen[flag] == {True, False}, flag
    assert seen["locale"] == {"en", "de"}
    assert set("ßüłÅéø") <= seen["address_chars"]


def test_the_example_session_shape_is_matched(example_page: dict[str, Any]) -> None:
    real = example_page["results"][0]
    ours = sessions_of(Store(1, [5]), 0)[-1]
    assert list(ours) == list(real)
    for part in ("station_info", "user_facing_session_prices", "session_cost"):
        assert list(ours[part]) == list(real[part])
    validate(real, CHARGING_SESSION)  # our schema accepts the real thing, too
