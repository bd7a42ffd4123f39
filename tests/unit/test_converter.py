from __future__ import annotations

import copy
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cariqa_async import ChargingSession, SessionCost, SessionPrices, StationInfo, User
from cariqa_async._converter import (
    Structurer,
    _builder,
    _parse_iso_fallback,
    _structure_datetime,
)
from cariqa_async._pagination import structure_page
from tests import strategies


class Boom(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


FAST = Structurer()
STRICT = Structurer(strict=True)


def test_the_real_example_parses_to_its_exact_values(example_page: dict[str, Any]) -> None:
    for structurer in (FAST, STRICT):
        page = structure_page(structurer, example_page, ChargingSession, on_error=Boom)
        assert (page.count, page.next, page.previous) == (1, None, None)
        (session,) = page.results
        assert session.id == "ab7ae756-b663-43b9-a025-40c51dd503d9"
        assert session.start_time == datetime(2026, 4, 2, 13, 51, 18, 754610, tzinfo=timezone.utc)
        assert session.end_time == datetime(2026, 4, 2, 13, 51, 28, 754611, tzinfo=timezone.utc)
        assert session.duration == 10
        assert session.consumed_energy == Decimal("10.000")
        assert str(session.consumed_energy) == "10.000"
        assert session.is_active is False
        assert session.evse_id == "DE*CIQ*EELDF6XWZU41P*2"
        assert session.station_info == StationInfo(
            station_name="EVA Charge",
            station_address="Ludwigstraße, 9, 67547, Worms",
            country="DE",
            station_speed="slow",
            connector_standard="IEC_62196_T2",
            connector_power=22.0,
            support_phone="+4971134214480",
            latitude="49.630383",
            longitude="8.368902",
        )
        assert session.is_partner is True
        assert session.logo_url is not None
        assert session.logo_url.endswith("size=11759")
        prices = session.user_facing_session_prices
        assert prices.kwh_price == Decimal("0.54")
        assert prices.time_price is None
        assert prices.grace_period_minutes is None
        assert prices.currency == "eur"
        cost = session.session_cost
        assert isinstance(cost, SessionCost)
        assert cost.kwh_cost == Decimal("5.39")
        assert cost.time_cost == Decimal("0.00")
        assert cost.invoice_vat == Decimal("0.86")
        assert cost.invoice_summary == Decimal("5.39")
        assert cost.invoice_view is not None
        assert cost.invoice_view.startswith("https://invoice.")
        assert cost.invoice_download is not None
        assert cost.invoice_download.endswith("/pdf?s=ap")
        assert cost.currency == "eur"
        assert session.rates is None
        assert structurer.unstructure(session) == example_page["results"][0]


def test_models_are_frozen_and_slotted(example_page: dict[str, Any]) -> None:
    session = structure_page(FAST, example_page, ChargingSession, on_error=Boom).results[0]
    with pytest.raises(AttributeError):
        session.id = "other"  # type: ignore[misc]
    assert not hasattr(session, "__dict__")
    assert hash(session) == hash(FAST.one(example_page["results"][0], ChargingSession, Boom))


def test_unknown_fields_are_ignored_unless_strict(example_page: dict[str, Any]) -> None:
    raw = copy.deepcopy(example_page["results"][0])
    raw["brand_new_field"] = {"x": 1}
    raw["station_info"]["floor"] = 3
    assert FAST.one(raw, ChargingSession, Boom).id == raw["id"]
    with pytest.raises(Boom) as info:
        STRICT.one(raw, ChargingSession, Boom)
    assert "unknown field" in info.value.message


def test_strict_requires_fields_that_have_defaults(example_page: dict[str, Any]) -> None:
    raw = copy.deepcopy(example_page["results"][0])
    del raw["rates"]
    assert FAST.one(raw, ChargingSession, Boom).rates is None
    with pytest.raises(Boom, match="missing field"):
        STRICT.one(raw, ChargingSession, Boom)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("session_cost", "kwh_cost"), 5.39, "expected a decimal string, got 5.39"),
        (("session_cost", "invoice_vat"), "NaN", "decimal"),
        (("session_cost", "invoice_vat"), "1e999999999999", "decimal"),
        (("consumed_energy",), "ten", "decimal"),
        (("duration",), "10", "expected an integer"),
        (("duration",), True, "expected an integer"),
        (("duration",), 1.5, "expected an integer"),
        (("is_active",), 0, "expected true or false"),
        (("start_time",), "2026-04-02T13:51:18", "time zone"),
        (("start_time",), "yesterday", "ISO-8601"),
        (("start_time",), 1712065878, "ISO-8601"),
        (("id",), 123, "expected a string"),
        (("station_info", "connector_power"), "22", "expected a number"),
        (("station_info", "connector_power"), False, "expected a number"),
        (("station_info",), "DE", "object"),
        (("user_facing_session_prices", "grace_period_minutes"), "15", "integer"),
    ],
)
def test_wrong_types_name_the_field_path(
    example_page: dict[str, Any], path: tuple[str, ...], value: object, message: str
) -> None:
    page = copy.deepcopy(example_page)
    page["results"] = [copy.deepcopy(page["results"][0]) for _ in range(5)]
    target = page["results"][3]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    for structurer in (FAST, STRICT):
        with pytest.raises(Boom) as info:
            structure_page(structurer, page, ChargingSession, on_error=Boom)
        assert info.value.field == "results[3]." + ".".join(path)
        assert message in info.value.message


def test_missing_required_field_is_named(example_page: dict[str, Any]) -> None:
    raw = copy.deepcopy(example_page["results"][0])
    del raw["session_cost"]["currency"]
    with pytest.raises(Boom) as info:
        FAST.one(raw, ChargingSession, Boom)
    assert info.value.field == "session_cost.currency"
    assert info.value.message == "required field missing"


@pytest.mark.parametrize(
    ("page", "field"),
    [
        ([], ""),
        ({"count": "1", "results": []}, "count"),
        ({"count": -1, "results": []}, "count"),
        ({"count": 1, "results": {}}, "results"),
        ({"count": 1, "results": [], "next": 5}, "next"),
        ({"count": 1, "results": [7]}, "results[0]"),
    ],
)
def test_bad_envelopes(page: Any, field: str) -> None:
    with pytest.raises(Boom) as info:
        structure_page(FAST, page, ChargingSession, on_error=Boom)
    assert info.value.field == field


def test_users() -> None:
    raw = {"id": "u1", "email": None, "locale": "de", "custom_properties": {"external_id": "e-1"}}
    user = STRICT.one(raw, User, Boom)
    assert user.custom_properties is not None
    assert user.custom_properties.external_id == "e-1"
    assert FAST.unstructure(user) == raw
    assert FAST.one({"id": "u2"}, User, Boom).custom_properties is None


@settings(max_examples=200, deadline=None)
@given(strategies.sessions)
def test_round_trip_gives_back_the_original_json(raw: dict[str, Any]) -> None:
    session = FAST.one(raw, ChargingSession, Boom)
    assert STRICT.one(raw, ChargingSession, Boom) == session
    assert FAST.unstructure(session) == raw


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.sampled_from(["", "x", "1.5", "NaN", "-0", "2026-01-01T00:00:00Z", "2026-01-01"]),
    st.just([]),
    st.just({}),
)


@settings(max_examples=400, deadline=None)
@given(strategies.sessions, st.data())
def test_fast_path_accepts_exactly_what_the_detailed_path_accepts(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    # Corrupt one leaf (or drop it) and require both paths to agree on the verdict.
    target = raw
    key = data.draw(st.sampled_from(sorted(target)))
    while isinstance(target[key], dict) and data.draw(st.booleans()):
        target = target[key]
        key = data.draw(st.sampled_from(sorted(target)))
    if data.draw(st.booleans()):
        del target[key]
    else:
        target[key] = data.draw(_SCALARS)
    verdicts = []
    for structurer in (FAST, Structurer()):
        try:
            structurer.one(raw, ChargingSession, Boom)
            verdicts.append(None)
        except Boom as exc:
            verdicts.append(exc.field)
    fast_ok = verdicts[0] is None
    try:
        FAST.check_many([raw], ChargingSession, Boom)
        check_ok = True
    except Boom:
        check_ok = False
    assert check_ok == fast_ok  # exports check exactly what models accept
    try:
        FAST._detailed.structure(raw, ChargingSession)
        detailed_ok = True
    except Exception:
        detailed_ok = False
    assert fast_ok == detailed_ok, verdicts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-02T13:51:18.754610Z", datetime(2026, 4, 2, 13, 51, 18, 754610, timezone.utc)),
        ("2026-04-02T13:51:18.7Z", datetime(2026, 4, 2, 13, 51, 18, 700000, timezone.utc)),
        ("2026-04-02T13:51:18.123456789Z", datetime(2026, 4, 2, 13, 51, 18, 123456, timezone.utc)),
        ("2026-04-02T13:51Z", datetime(2026, 4, 2, 13, 51, tzinfo=timezone.utc)),
        ("2026-04-02 13:51:18+0200", datetime.fromisoformat("2026-04-02T13:51:18+02:00")),
    ],
)
def test_datetime_fallback_parser_for_python_3_10(text: str, expected: datetime) -> None:
    assert _parse_iso_fallback(text) == expected
    assert _structure_datetime(text, datetime) == expected


def test_datetime_fallback_rejects_nonsense() -> None:
    assert _parse_iso_fallback("2026-13-45T99:99:99Z") is None
    assert _parse_iso_fallback("not a date") is None


@settings(max_examples=200, deadline=None)
@given(strategies.sessions)
def test_fast_path_builds_exactly_what_cattrs_builds(raw: dict[str, Any]) -> None:
    # The fast path builds each model as a mutable twin and then turns it into the
    # frozen class; cattrs' own code calls __init__. The results must be the same.
    fast = FAST.one(raw, ChargingSession, Boom)
    reference = FAST._detailed.structure(raw, ChargingSession)
    assert attrs.asdict(fast) == attrs.asdict(reference)
    assert fast == reference
    for name, part in (
        ("station_info", StationInfo),
        ("session_cost", SessionCost),
        ("user_facing_session_prices", SessionPrices),
    ):
        model = getattr(fast, name)
        assert type(model) is part
        assert model == getattr(reference, name)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            model.currency = "x"
    assert type(fast) is ChargingSession
    assert hash(fast) == hash(reference)


@attrs.frozen(slots=True)  # with a __weakref__ slot: no twin can take its layout
class _WithWeakref:
    name: str
    amount: Decimal
    when: datetime | None = None


@attrs.frozen(slots=True, weakref_slot=False)
class _Outer:
    inner: _WithWeakref
    count: int


def test_a_class_with_a_weakref_slot_is_built_without_a_twin() -> None:
    assert _builder(_WithWeakref) is None
    assert _builder(_Outer) is not None
    raw = {"inner": {"name": "a", "amount": "1.50"}, "count": 2}
    built = FAST.one(raw, _Outer, Boom)
    assert built == _Outer(_WithWeakref("a", Decimal("1.50")), 2)
    assert type(built) is _Outer
    assert type(built.inner) is _WithWeakref
    with pytest.raises(Boom) as info:
        FAST.one({"inner": {"name": "a", "amount": 1.5}, "count": 2}, _Outer, Boom)
    assert info.value.field == "inner.amount"
