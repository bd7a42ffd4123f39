"""Each model's fields match its spec component, but for the documented drift."""

from __future__ import annotations

import types
import typing
from typing import Any

import attrs
import pytest

from cariqa_async.models import (
    ChargingSession,
    Page,
    SessionCost,
    SessionPrices,
    StationInfo,
    User,
    UserCustomProperties,
)

from .schemas import DRIFT
from .spec import components

#: model -> the component it models (every Paginated*List has the same fields).
MODELS: dict[type, str] = {
    ChargingSession: "ConnectAPIChargingSession",
    StationInfo: "StationInfo",
    SessionPrices: "ConnectAPIUserFacingSessionPrices",
    SessionCost: "ConnectAPIPAYGSummary",
    User: "ConnectAPIUser",
    UserCustomProperties: "ConnectAPIUserCustomProperties",
    Page: "PaginatedConnectAPIChargingSessionList",
}

#: (model, field) -> why a field without a default is not required by the spec
#: (NOTES.md, "Pagination": DRF sends both links on every page).
ALWAYS_SENT: dict[tuple[type, str], str] = {
    (Page, "next"): "DRF sends it on every page, null on the last",
    (Page, "previous"): "DRF sends it on every page, null on the first",
}


def _admits_none(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    return (origin is typing.Union or origin is types.UnionType) and type(None) in typing.get_args(
        annotation
    )


@pytest.mark.parametrize("model", list(MODELS), ids=lambda m: m.__name__)
def test_fields_match_the_component(model: type) -> None:
    component = components()[MODELS[model]]
    properties: dict[str, Any] = {**component["properties"], **DRIFT.get(MODELS[model], {})}
    required = set(component.get("required", ()))
    hints = typing.get_type_hints(model)
    fields = {f.name: f for f in attrs.fields(model)}
    assert set(fields) == set(properties)
    for name, field in fields.items():
        spec = properties[name]
        if spec.get("nullable"):  # the API may send null: the model must take it
            assert _admits_none(hints[name]), name
        if field.default is attrs.NOTHING:  # the model needs it: the API must send it
            assert name in required or (model, name) in ALWAYS_SENT, name
        else:  # a default fills in what the API may leave out
            assert name not in required or (model, name) in ALWAYS_SENT, name
