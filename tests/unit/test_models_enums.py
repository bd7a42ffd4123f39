"""The API's enums: the spec's values exactly, open to new values, closed in strict mode."""

from __future__ import annotations

from typing import Any

import pytest

from cariqa_async._pagination import structure_page
from cariqa_async.models import (
    AccountType,
    Amenity,
    BillingDetails,
    ConnectorType,
    ErrorType,
    EvseStatus,
    Locale,
    OpenStrEnum,
    PaymentMethod,
    PaymentMethodType,
    Speed,
    Station,
    StationStatus,
    Tile,
    TilePriceType,
    User,
    Weekday,
)

from ._model_samples import FAST, STRICT, Boom, Path_, at, field_path, sample, spec, with_value

SPEC_ENUMS: list[tuple[type[OpenStrEnum], str]] = [
    (Locale, "LocaleEnum"),
    (AccountType, "AccountTypeEnum"),
    (PaymentMethodType, "ConnectAPIPMTypeEnum"),
    (Speed, "SpeedEnum"),
    (StationStatus, "Status80fEnum"),
    (EvseStatus, "ConnectAPIEvseStatusEnum"),
    (Amenity, "AmenitiesEnum"),
    (Weekday, "WeekdayEnum"),
    (TilePriceType, "TilesPricePropertiesTypeEnum"),
    (ErrorType, "ErrorTypeEnum"),
]


@pytest.mark.parametrize(("enum", "schema"), SPEC_ENUMS, ids=[s for _, s in SPEC_ENUMS])
def test_members_are_the_specs_values(enum: type[OpenStrEnum], schema: str) -> None:
    values = spec()["components"]["schemas"][schema]["enum"]
    assert [member.value for member in enum] == values
    assert all(member.known for member in enum)


def test_connector_types_are_the_filters_values() -> None:
    for path in ("/api/v1/stations/around/", "/api/v1/stations/tile/"):
        parameters = spec()["paths"][path]["get"]["parameters"]
        connector = next(p for p in parameters if p["name"] == "connector_types")
        assert [member.value for member in ConnectorType] == connector["schema"]["items"]["enum"]


# Every enum-typed place in the samples: (sample, how to structure, model, path, enum).
PLACES: list[tuple[str, str, type, Path_, type[OpenStrEnum]]] = [
    ("billing_details", "one", BillingDetails, ("account_type",), AccountType),
    ("payment_methods_page", "page", PaymentMethod, ("results", 1, "type"), PaymentMethodType),
    ("stations_page", "page", Station, ("results", 0, "speed"), Speed),
    ("stations_page", "page", Station, ("results", 1, "status"), StationStatus),
    ("stations_page", "page", Station, ("results", 0, "evses", 1, "status"), EvseStatus),
    ("stations_page", "page", Station, ("results", 0, "amenities", 2), Amenity),
    (
        "stations_page",
        "page",
        Station,
        ("results", 0, "opening_times", "regular_hours", 1, "weekday"),
        Weekday,
    ),
    ("tile", "one", Tile, ("features", 0, "properties", "speed"), Speed),
    ("tile", "one", Tile, ("features", 1, "properties", "status"), StationStatus),
    ("tile", "one", Tile, ("features", 1, "price_properties", "type"), TilePriceType),
]


def _structure(kind: str, data: Any, model: type, structurer: Any) -> Any:
    return (
        structure_page(structurer, data, model, on_error=Boom)
        if kind == "page"
        else structurer.one(data, model, Boom)
    )


@pytest.mark.parametrize(
    ("name", "kind", "model", "path", "enum"), PLACES, ids=[field_path(p[3]) for p in PLACES]
)
def test_a_new_value_is_a_member_and_strict_mode_names_it(
    name: str, kind: str, model: type, path: Path_, enum: type[OpenStrEnum]
) -> None:
    data = with_value(sample(name), path, "SOMETHING_NEW")
    value = at(_structure(kind, data, model, FAST), path)
    assert type(value) is enum
    assert value.value == "SOMETHING_NEW" == value
    assert not value.known
    with pytest.raises(Boom) as info:
        _structure(kind, data, model, STRICT)
    assert info.value.field == field_path(path)
    assert f"unknown {enum.__name__} 'SOMETHING_NEW'" in info.value.message


@pytest.mark.parametrize(
    ("name", "kind", "model", "path", "enum"), PLACES, ids=[field_path(p[3]) for p in PLACES]
)
def test_a_known_value_is_its_member_never_a_plain_string(
    name: str, kind: str, model: type, path: Path_, enum: type[OpenStrEnum]
) -> None:
    for structurer in (FAST, STRICT):
        value = at(_structure(kind, sample(name), model, structurer), path)
        assert type(value) is enum
        assert value is enum(value.value)


def test_user_locale_is_a_locale() -> None:
    raw = {"id": "u1", "email": None, "locale": "de", "custom_properties": None}
    for structurer in (FAST, STRICT):
        user = structurer.one(raw, User, Boom)
        assert user.locale is Locale.DE
        assert user.locale == "de"
        assert structurer.unstructure(user) == raw
    french = FAST.one({**raw, "locale": "fr"}, User, Boom)
    assert type(french.locale) is Locale
    assert french.locale == "fr"
    assert FAST.unstructure(french)["locale"] == "fr"
    with pytest.raises(Boom) as info:
        STRICT.one({**raw, "locale": "fr"}, User, Boom)
    assert info.value.field == "locale"
