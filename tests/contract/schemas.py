"""JSON Schemas of the API's bodies, generated from the spec's ``components``.

OpenAPI 3.0 schemas are almost JSON Schema; :func:`to_json_schema` converts the
rest: ``nullable: true`` becomes ``anyOf [..., {"type": "null"}]`` and
``#/components/schemas/X`` references become ``#/$defs/X``. Additional
properties stay allowed (servers add fields). Two tables go on top:

* :data:`STRICTER`: formats the real responses show and the spec does not
  state (UUID ids, DRF's timestamps, two-decimal money, lower-case currencies),
  so the sandbox keeps Cariqa's formats, not only its types;
* :data:`DRIFT`: fields the docs and real responses have and the spec lacks
  (NOTES.md, "Known drift").

Usage: ``validate(body, "ConnectAPIChargingSession")``.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from jsonschema import Draft202012Validator

from .spec import components

Schema = dict[str, Any]

UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
# DRF: isoformat() with +00:00 replaced by Z; no fraction when microseconds are 0.
TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$"
MONEY = r"^-?\d+\.\d{2}$"  # the example's prices and costs
CURRENCY = r"^[a-z]{3}$"  # lower case in practice
HTTPS = r"^https://"
LINK = r"^https?://"  # page links are built from the request's own scheme and host

_MONEY_PRICES = ("kwh_price", "time_price", "session_fee", "blocking_fee", "starting_fee")
_MONEY_COSTS = ("kwh_cost", "time_cost", "session_fee_cost", "blocking_fee_cost")
_MONEY_INVOICE = ("invoice_vat", "invoice_summary", "invoice_credits", "invoice_discount")
_PAGES = tuple(name for name in components() if name.startswith("Paginated"))

#: (component, property) -> constraints added to the spec's (non-null) schema.
STRICTER: dict[tuple[str, str], Schema] = {
    ("ConnectAPIChargingSession", "id"): {"pattern": UUID},
    ("ConnectAPIChargingSession", "start_time"): {"pattern": TIME},
    ("ConnectAPIChargingSession", "end_time"): {"pattern": TIME},
    ("ConnectAPIChargingSession", "duration"): {"minimum": 0},
    ("ConnectAPIChargingSession", "evse_id"): {"pattern": r"^[A-Z]{2}\*CIQ\*E[A-Z0-9]+\*\d+$"},
    ("ConnectAPIChargingSession", "logo_url"): {"pattern": HTTPS},
    **{("ConnectAPIUserFacingSessionPrices", f): {"pattern": MONEY} for f in _MONEY_PRICES},
    ("ConnectAPIUserFacingSessionPrices", "blocking_cap"): {"pattern": MONEY},
    ("ConnectAPIUserFacingSessionPrices", "currency"): {"pattern": CURRENCY},
    **{("ConnectAPIPAYGSummary", f): {"pattern": MONEY} for f in _MONEY_COSTS},
    ("ConnectAPIPAYGSummary", "starting_fee_cost"): {"pattern": MONEY},
    **{("ConnectAPIPAYGSummary", f): {"pattern": MONEY} for f in _MONEY_INVOICE},
    ("ConnectAPIPAYGSummary", "invoice_download"): {"pattern": HTTPS},
    ("ConnectAPIPAYGSummary", "currency"): {"pattern": CURRENCY},
    ("ConnectAPIUser", "id"): {"pattern": UUID},
    ("ConnectAPIUser", "email"): {"pattern": r"^[^@\s]+@[^@\s]+\.[a-z]+$"},
    **{(page, "count"): {"minimum": 0} for page in _PAGES},
    **{(page, "next"): {"pattern": LINK} for page in _PAGES},
    **{(page, "previous"): {"pattern": LINK} for page in _PAGES},
}

#: component -> properties the docs and real responses have and the spec lacks
#: (OpenAPI form, optional). The model test allows exactly these, too.
DRIFT: dict[str, dict[str, Schema]] = {
    "ConnectAPIPAYGSummary": {
        "invoice_view": {"type": "string", "nullable": True, "pattern": HTTPS},
    },
}


def to_json_schema(node: Any) -> Any:
    """Convert an OpenAPI 3.0 schema (or any part of one) to JSON Schema 2020-12."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: to_json_schema(value) for key, value in node.items() if key != "nullable"}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        out["$ref"] = "#/$defs/" + ref.rsplit("/", 1)[-1]
    if node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


@functools.cache
def _definitions() -> dict[str, Schema]:
    """Every component, with :data:`STRICTER` and :data:`DRIFT` applied, as JSON Schema."""
    merged = copy.deepcopy(components())
    for (component, prop), extra in STRICTER.items():
        merged[component]["properties"][prop].update(extra)
    for component, props in DRIFT.items():
        merged[component]["properties"].update(copy.deepcopy(props))
    definitions = {name: to_json_schema(schema) for name, schema in merged.items()}
    Draft202012Validator.check_schema({"$defs": definitions})
    return definitions


@functools.cache
def validator(component: str) -> Draft202012Validator:
    """A validator of the named component (``ConnectAPIUser``, ``Detail``, ...).

    Raises:
        KeyError: If the spec has no such component.
    """
    definitions = _definitions()
    if component not in definitions:
        raise KeyError(component)
    return Draft202012Validator({"$defs": definitions, "$ref": f"#/$defs/{component}"})


def validate(instance: object, component: str) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``instance`` is a valid ``component``."""
    validator(component).validate(instance)


@functools.cache
def _request_definitions() -> dict[str, Schema]:
    """The definitions as a request body sees them: read-only fields are never sent,
    so they are never required (OpenAPI's ``readOnly``)."""
    definitions = copy.deepcopy(_definitions())
    for schema in definitions.values():
        properties = schema.get("properties", {})
        if "required" in schema:
            schema["required"] = [
                name for name in schema["required"] if not properties.get(name, {}).get("readOnly")
            ]
    return definitions


def validate_request(instance: object, component: str) -> None:
    """Validate a request body against ``component`` (read-only fields not required)."""
    Draft202012Validator(
        {"$defs": _request_definitions(), "$ref": f"#/$defs/{component}"}
    ).validate(instance)


def validate_against(instance: object, schema: Schema) -> None:
    """Validate against an OpenAPI schema node that may ``$ref`` the spec's components,
    e.g. ``{"type": "array", "items": {"$ref": "#/components/schemas/X"}}``."""
    root = {"$defs": _definitions(), **to_json_schema(schema)}
    Draft202012Validator(root).validate(instance)


# The components the tests name most often.
CHARGING_SESSION = "ConnectAPIChargingSession"
USER = "ConnectAPIUser"
DETAIL = "Detail"
ERROR_DETAIL = "ErrorDetail"
PAGINATED_SESSIONS = "PaginatedConnectAPIChargingSessionList"
PAGINATED_USERS = "PaginatedConnectAPIUserList"
