"""The JSON Schemas generated from the spec: conversion, the tables on top, the real example."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from .schemas import DRIFT, STRICTER, to_json_schema, validate, validator
from .spec import components


def test_nullable_becomes_any_of_null_and_refs_point_at_defs() -> None:
    openapi = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "nullable": True, "maxLength": 3},
            "b": {"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": True},
            "c": {"type": "integer", "nullable": False},
        },
    }
    assert to_json_schema(openapi) == {
        "type": "object",
        "properties": {
            "a": {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]},
            "b": {"anyOf": [{"allOf": [{"$ref": "#/$defs/B"}]}, {"type": "null"}]},
            "c": {"type": "integer"},
        },
    }


def test_every_component_compiles() -> None:
    for name in components():
        assert not validator(name).is_valid(42)  # resolves its references, too
    with pytest.raises(KeyError):
        validator("NoSuchComponent")


def test_the_tables_name_real_spec_properties_and_drift_is_really_missing() -> None:
    for component, prop in STRICTER:
        assert prop in components()[component]["properties"], (component, prop)
    for component, props in DRIFT.items():
        # Once the spec documents a drifted field, its entry here must go.
        assert not set(props) & set(components()[component]["properties"]), component


def test_the_real_example_validates(example_page: dict[str, Any]) -> None:
    validate(example_page, "PaginatedConnectAPIChargingSessionList")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("custom_properties",), None),
        (("custom_properties", "external_id"), None),
        (("email",), None),
    ],
)
def test_nullable_fields_accept_null(path: tuple[str, ...], value: object) -> None:
    user: dict[str, Any] = {
        "id": "ab7ae756-b663-43b9-a025-40c51dd503d9",
        "email": "anna@example.com",
        "locale": "de",
        "custom_properties": {"external_id": "CRM-1"},
    }
    validate(user, "ConnectAPIUser")
    changed = copy.deepcopy(user)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    validate(changed, "ConnectAPIUser")
    changed["locale"] = "fr"  # an enum by reference
    with pytest.raises(jsonschema.ValidationError):
        validate(changed, "ConnectAPIUser")
