"""Each model against its schema in the spec: the same names, requiredness and nullability.

Deliberate departures are listed here, each with its reason, so a new one cannot
slip in unnoticed.
"""

from __future__ import annotations

import types
import typing
from typing import Any

import attrs
import pytest

from cariqa_async import models
from cariqa_async.models._fields import MAY_BE_ABSENT

from ._model_samples import spec_schemas

MODELS: dict[type, str] = {
    models.BillingDetails: "ConnectAPIBillingDetails",
    models.Card: "ConnectAPICardPM",
    models.PaymentMethod: "ConnectAPIPM",
    models.SetupIntent: "ConnectAPISetupIntent",
    models.Debt: "ConnectAPIDebt",
    models.Invoice: "ConnectAPIInvoiceList",
    models.Coordinates: "Coordinates",
    models.Contact: "Contact",
    models.OperatorInfo: "OCPIOperatorInfo",
    models.Evse: "ConnectAPIEvse",
    models.RegularHours: "ConnectAPIRegularHours",
    models.OpeningTimes: "ConnectAPIOpeningTimes",
    models.PriceItem: "TimePriceItem",
    models.Prices: "ConnectAPIPrices",
    models.PriceGroup: "ConnectAPIPriceGroup",
    models.Station: "ConnectAPIStation",
    models.Partner: "ConnectAPIPartnerFilterOperator",
    models.Tile: "ConnectAPITileResponse",
    models.TileFeature: "TilesFeatureCollection",
    models.TileGeometry: "TilesGeometryPoint",
    models.TileProperties: "TilesProperty",
    models.TileCustomProperties: "TilesCustomProperties",
    models.TilePriceProperties: "TilesPriceProperties",
    models.User: "ConnectAPIUser",
    models.UserCustomProperties: "ConnectAPIUserCustomProperties",
}

# Fields the docs show and the spec lacks.
DOCS_ONLY = {
    (models.SetupIntent, "client_secret"),
    (models.Debt, "client_secret"),
    (models.Invoice, "view_link"),
}
# Required and not nullable in the spec, but the docs show null (a user without an address).
NULLABLE_IN_PRACTICE = {
    (models.BillingDetails, "line1"),
    (models.BillingDetails, "postal_code"),
}


def _optional(kind: Any) -> bool:
    return typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in (
        typing.get_args(kind)
    )


@pytest.mark.parametrize("model", list(MODELS), ids=[m.__name__ for m in MODELS])
def test_the_model_follows_its_schema(model: type) -> None:
    schema = spec_schemas()[MODELS[model]]
    properties: dict[str, Any] = schema["properties"]
    required = set(schema.get("required", ()))
    fields = attrs.fields_dict(attrs.resolve_types(model))
    ours = {name for name in fields if (model, name) not in DOCS_ONLY}
    assert ours == set(properties), "field names differ from the spec's"
    for name, field in fields.items():
        if (model, name) in DOCS_ONLY:
            assert field.metadata.get(MAY_BE_ABSENT), f"{name}: drift must not be required"
            continue
        nullable = properties[name].get("nullable", False)
        if name in required and not field.metadata.get(MAY_BE_ABSENT):
            assert field.default is attrs.NOTHING, f"{name} is required by the spec"
        elif name not in required:
            assert field.default is not attrs.NOTHING, f"{name} is optional in the spec"
        if nullable or (model, name) in NULLABLE_IN_PRACTICE:
            assert _optional(field.type), f"{name} is nullable"
        elif name in required and not field.metadata.get(MAY_BE_ABSENT):
            assert not _optional(field.type), f"{name} is neither nullable nor optional"


def test_every_exported_model_is_checked_against_the_spec() -> None:
    exported = {getattr(models, name) for name in models.__all__}
    classes = {cls for cls in exported if attrs.has(cls)}
    # Not a schema of the spec: our page types, and the session parts another test pins.
    unchecked = {
        models.Page, models.InvoicePage, models.ChargingSession, models.SessionCost,
        models.SessionPrices, models.StationInfo,
    }  # fmt: skip
    assert classes - unchecked == set(MODELS)


def test_the_spec_defaults_are_ours() -> None:
    # Where the spec states a default, an absent field takes it instead of None.
    schemas = spec_schemas()
    for model, schema_name in MODELS.items():
        for name, prop in schemas[schema_name]["properties"].items():
            if "default" in prop:
                assert attrs.fields_dict(model)[name].default == prop["default"], (model, name)
