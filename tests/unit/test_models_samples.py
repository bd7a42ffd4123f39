"""Every model against a realistic sample: both modes, the round trip, the spec's schema."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cariqa_async import models
from cariqa_async._pagination import structure_page
from cariqa_async.models import (
    AccountType,
    Amenity,
    BillingDetails,
    Debt,
    EvseStatus,
    InvoicePage,
    Page,
    Partner,
    PaymentMethod,
    PaymentMethodType,
    SetupIntent,
    Speed,
    Station,
    StationStatus,
    Tile,
    TilePriceType,
    Weekday,
)

from ._model_samples import (
    FAST,
    STRICT,
    Boom,
    Path_,
    field_path,
    ref,
    sample,
    structure,
    validate,
    with_value,
    without,
)

# (sample, how the API answers it, model, the spec's schema of the whole body)
SAMPLES: list[tuple[str, str, type, dict[str, Any]]] = [
    ("billing_details", "one", BillingDetails, ref("ConnectAPIBillingDetails")),
    ("payment_methods_page", "page", PaymentMethod, ref("PaginatedConnectAPIPMList")),
    ("setup_intent", "one", SetupIntent, ref("ConnectAPISetupIntent")),
    ("debts_page", "page", Debt, ref("PaginatedConnectAPIDebtList")),
    ("invoices_page", "invoices", InvoicePage, ref("PaginatedConnectAPIInvoiceListList")),
    ("stations_page", "page", Station, ref("PaginatedConnectAPIStationList")),
    (
        "partners",
        "array",
        Partner,
        {"type": "array", "items": ref("ConnectAPIPartnerFilterOperator")},
    ),
    ("tile", "one", Tile, ref("ConnectAPITileResponse")),
]
IDS = [name for name, *_ in SAMPLES]


def _items(kind: str, value: Any) -> list[Any]:
    if kind == "one":
        return [value]
    if kind in ("page", "invoices"):
        return list(value.results)
    return list(value)


def _raw_items(kind: str, data: Any) -> list[Any]:
    if kind == "one":
        return [data]
    if kind in ("page", "invoices"):
        return list(data["results"])
    return list(data)


@pytest.mark.parametrize(("name", "kind", "model", "schema"), SAMPLES, ids=IDS)
def test_the_sample_matches_the_spec(
    name: str, kind: str, model: type, schema: dict[str, Any]
) -> None:
    validate(sample(name), schema)


@pytest.mark.parametrize(("name", "kind", "model", "schema"), SAMPLES, ids=IDS)
def test_fast_and_strict_agree_and_the_json_comes_back(
    name: str, kind: str, model: type, schema: dict[str, Any]
) -> None:
    data = sample(name)
    fast = structure(kind, data, model, FAST)
    strict = structure(kind, data, model, STRICT)
    assert fast == strict
    items = _items(kind, fast)
    assert items, "a sample without items tests nothing"
    for item in items:
        assert isinstance(item, models.Invoice if kind == "invoices" else model)
        assert attrs.has(type(item))
        assert "__slots__" in type(item).__dict__
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            item.__setattr__(attrs.fields(type(item))[0].name, None)
    assert [FAST.unstructure(item) for item in items] == _raw_items(kind, data)


@pytest.mark.parametrize(("name", "kind", "model", "schema"), SAMPLES, ids=IDS)
def test_an_unknown_field_is_ignored_unless_strict(
    name: str, kind: str, model: type, schema: dict[str, Any]
) -> None:
    data = sample(name)
    item_path: Path_ = (0,) if kind == "array" else ("results", 0) if kind != "one" else ()
    changed = with_value(data, (*item_path, "added_later"), 1)
    assert structure(kind, changed, model, FAST) == structure(kind, data, model, FAST)
    with pytest.raises(Boom) as info:
        structure(kind, changed, model, STRICT)
    assert "added_later" in info.value.message


def test_the_values_are_typed_as_documented() -> None:
    billing = FAST.one(sample("billing_details"), BillingDetails, Boom)
    assert billing.account_type is AccountType.BUSINESS
    assert (billing.line1, billing.postal_code, billing.tax_id) == (
        "Karl-Marx-Allee 1", "10243", "12/345/67890"
    )  # fmt: skip

    methods: Page[PaymentMethod] = structure_page(
        FAST, sample("payment_methods_page"), PaymentMethod, on_error=Boom
    )
    assert [m.type for m in methods.results] == [
        PaymentMethodType.APPLE_PAY,
        PaymentMethodType.CARD,
    ]
    assert methods.results[1].card.cardholder_name is None
    assert methods.results[1].created_at == "2026-03-20T11:36:30Z"  # no format in the spec

    debt = structure_page(FAST, sample("debts_page"), Debt, on_error=Boom).results[0]
    assert debt.amount == Decimal("12.40")
    assert str(debt.amount) == "12.40"

    invoices = structure_page(FAST, sample("invoices_page"), models.Invoice, on_error=Boom).results
    assert invoices[0].total == Decimal("5.39")
    assert invoices[0].date == datetime(2026, 4, 2, 13, 52, 35, tzinfo=timezone.utc)
    assert invoices[1].charging_session_id is None
    assert invoices[1].view_link is None

    first, second = structure_page(FAST, sample("stations_page"), Station, on_error=Boom).results
    assert (first.speed, first.status) == (Speed.FAST, StationStatus.FREE)
    assert first.coordinates.latitude == "52.521918"
    assert first.last_updated == "2026-04-02T13:40:12Z"
    assert [e.status for e in first.evses] == [EvseStatus.AVAILABLE, EvseStatus.CHARGING]
    assert first.amenities == (Amenity.CAFE, Amenity.SUPERMARKET, Amenity.TRAIN_STATION)
    assert first.opening_times.regular_hours[0].weekday is Weekday.MONDAY
    group = first.price_groups[0]
    assert group.power == 150.0
    assert isinstance(group.power, float)
    assert group.pre_authorization_amount == Decimal("50.00")
    assert group.local_datetime.utcoffset() == timedelta(hours=2)
    assert group.prices.time_price is None
    assert group.prices.kwh_price is not None
    kwh = group.prices.kwh_price["default"][0]
    assert (kwh.gross_price, kwh.user_facing_price, kwh.tax) == (
        Decimal("0.4622"),
        Decimal("0.55"),
        19.0,
    )
    assert group.prices.blocking_fee is not None
    assert group.prices.blocking_fee["default"][0].grace_period_minutes == 240.0
    assert group.prices.blocking_fee["default"][0].blocking_cap == Decimal("12.00")
    assert group.type == models.ConnectorType.IEC_62196_T2_COMBO
    assert second.id is None
    assert second.operator.contact is None
    assert second.price_groups[0].is_fallback is True

    partners = FAST.array(sample("partners"), Partner, Boom)
    assert partners == [
        Partner("EnBW", "https://static.cariqa.com/operators/enbw.png"),
        Partner("Stadtwerke Musterstadt", None),
    ]

    tile = FAST.one(sample("tile"), Tile, Boom)
    station, cluster = tile.features
    assert station.geometry.coordinates == ("52.521918", "13.413215")
    assert (station.station_id, station.cluster_id) == ("DE*CIQ*EELDF6XWZU41P", None)
    assert (cluster.station_id, cluster.properties.count) == (None, 17)
    assert cluster.properties.expansion_zoom == 16
    assert station.price_properties is not None
    assert station.price_properties.price == Decimal("0.55")
    assert station.price_properties.type is TilePriceType.CHARGING_PRICE


def test_a_station_is_found_by_value_but_not_hashable() -> None:
    # Prices' components are dicts (the spec leaves their keys open).
    station = structure_page(FAST, sample("stations_page"), Station, on_error=Boom).results[0]
    assert (
        structure_page(FAST, sample("stations_page"), Station, on_error=Boom).results[0] == station
    )
    with pytest.raises(TypeError, match="unhashable"):
        hash(station)
    partner = Partner("EnBW", None)
    assert {partner: 1}[Partner("EnBW", None)] == 1


# A wrong type anywhere names its path, in both modes.
WRONG: list[tuple[str, Path_, Any, str]] = [
    ("billing_details", ("account_type",), 3, "expected a string"),
    ("billing_details", ("line1",), ["Karl-Marx-Allee 1"], "expected a string"),
    ("payment_methods_page", ("results", 1, "card", "last4"), 4242, "expected a string"),
    ("payment_methods_page", ("results", 0, "default"), "false", "expected true or false"),
    ("setup_intent", ("setup_intent_client_secret",), 7, "expected a string"),
    ("debts_page", ("results", 0, "amount"), 12.4, "expected a decimal string"),
    ("invoices_page", ("results", 1, "date"), "yesterday", "ISO-8601"),
    ("invoices_page", ("results", 0, "refund"), None, "expected true or false"),
    ("stations_page", ("results", 1, "evses"), {}, "expected a list"),
    ("stations_page", ("results", 0, "coordinates", "latitude"), 52.52, "expected a string"),
    ("stations_page", ("results", 0, "price_groups", 0, "power"), "150", "expected a number"),
    (
        "stations_page",
        ("results", 0, "price_groups", 0, "prices", "kwh_price", "default", 0, "gross_price"),
        0.46,
        "expected a decimal string",
    ),
    (
        "stations_page",
        ("results", 0, "price_groups", 0, "prices", "time_price"),
        [],
        "expected an object",
    ),
    (
        "stations_page",
        ("results", 0, "opening_times", "regular_hours", 2, "period_end"),
        20,
        "expected a string",
    ),
    (
        "stations_page",
        ("results", 1, "price_groups", 0, "local_datetime"),
        "2026-04-02T15:52:35",
        "time zone",
    ),
    ("partners", (1, "logo_url"), 5, "expected a string"),
    ("tile", ("features", 1, "geometry", "coordinates"), "52.5,13.4", "expected a list"),
    ("tile", ("features", 0, "geometry", "coordinates", 1), True, "expected a number or its text"),
    ("tile", ("features", 0, "properties", "count"), "1", "expected an integer"),
]


@pytest.mark.parametrize(("name", "path", "value", "message"), WRONG)
@pytest.mark.parametrize("structurer", [FAST, STRICT], ids=["fast", "strict"])
def test_a_wrong_type_names_its_field_path(
    structurer: Any, name: str, path: Path_, value: Any, message: str
) -> None:
    kind, model = next((k, m) for n, k, m, _ in SAMPLES if n == name)
    with pytest.raises(Boom) as info:
        structure(kind, with_value(sample(name), path, value), model, structurer)
    assert info.value.field == field_path(path)
    assert message in info.value.message


def test_the_schema_check_is_not_vacuous() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    raw = sample("invoices_page")
    validate(
        with_value(raw, ("results", 0, "charging_session_id"), None),
        ref("PaginatedConnectAPIInvoiceListList"),
    )
    for path, value in [(("results", 0, "refund"), "no"), (("results", 1, "link"), None)]:
        with pytest.raises(jsonschema.ValidationError):
            validate(with_value(raw, path, value), ref("PaginatedConnectAPIInvoiceListList"))


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.sampled_from(["", "x", "1.5", "free", "2026-01-01T00:00:00Z", "2026-01-01"]),
    st.just([]),
    st.just({}),
)


def _leaves(data: Any, path: Path_ = ()) -> list[Path_]:
    """Every path into ``data``, containers included."""
    if isinstance(data, dict):
        keys: list[str | int] = list(data)
    elif isinstance(data, list):
        keys = list(range(len(data)))
    else:
        return []
    found: list[Path_] = []
    for key in keys:
        found += [(*path, key), *_leaves(data[key], (*path, key))]
    return found


# One item of each sample, with its model: what the models themselves must judge.
ITEMS = [
    (model if kind != "invoices" else models.Invoice, item)
    for name, kind, model, _ in SAMPLES
    for item in _raw_items(kind, sample(name))[:1]
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ITEMS), st.data())
def test_fast_checked_and_detailed_paths_agree_on_every_corruption(
    item: tuple[type, Any], data: st.DataObject
) -> None:
    # Each model's generated fast path, its check-only twin and cattrs' detailed
    # structuring must give the same verdict, whatever is broken or dropped.
    model, raw = item
    path = data.draw(st.sampled_from(_leaves(raw)))
    if isinstance(path[-1], str) and data.draw(st.booleans()):
        raw = without(raw, path)
    else:
        raw = with_value(raw, path, data.draw(_SCALARS))
    verdicts = []
    for run in (
        lambda: FAST.one(raw, model, Boom),
        lambda: FAST.check_many([raw], model, Boom),
        lambda: FAST._detailed.structure(raw, model),
    ):
        try:
            run()
            verdicts.append(True)
        except Exception:
            verdicts.append(False)
    assert len(set(verdicts)) == 1, (path, verdicts)
