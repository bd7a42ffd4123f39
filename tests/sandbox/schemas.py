"""JSON Schemas of the response bodies, written by hand from cariqa-openapi.yml.

They follow the published spec's ``required`` lists, types, nullability, enums and
the ``consumed_energy`` decimal pattern, allow additional properties (servers add
fields), and add ``session_cost.invoice_view`` (in the docs and real responses,
not in the spec) as an optional string or null. Where the real example shows a
stricter format than the spec (ids, timestamps, two-decimal money), the schemas
check that too, so the sandbox keeps Cariqa's formats, not just its types.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

Schema = dict[str, Any]

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
# DRF: isoformat() with +00:00 replaced by Z; no fraction when microseconds are 0.
TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$"
DECIMAL_PATTERN = r"^-?\d{0,5}(?:\.\d{0,3})?$"  # the spec's consumed_energy pattern
MONEY_PATTERN = r"^-?\d+\.\d{2}$"  # the example's prices and costs

ERROR_TYPES = [
    "validation_error",
    "payment_method_error",
    "payment_error",
    "temporary_locked",
    "already_charging",
    "already_stopped",
    "station_availability_issue",
    "billing_data_required",
    "charging_provider_error",
    "unexpected_error",
    "pre_authorization_failed",
]


def _string(max_length: int | None = None, pattern: str | None = None) -> Schema:
    schema: Schema = {"type": "string"}
    if max_length is not None:
        schema["maxLength"] = max_length
    if pattern is not None:
        schema["pattern"] = pattern
    return schema


def _nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Schema], required: list[str]) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": True,
    }


STATION_INFO: Schema = _object(
    {
        "station_name": _nullable(_string(250)),
        "station_address": _nullable(_string(250)),
        "country": _nullable(_string(10)),
        "station_speed": _nullable(_string(100)),
        "connector_standard": _nullable(_string(40)),
        "connector_power": _nullable({"type": "number"}),
        "support_phone": _nullable(_string(30)),
        "latitude": _nullable(_string(30)),
        "longitude": _nullable(_string(30)),
    },
    [],
)

USER_FACING_SESSION_PRICES: Schema = _object(
    {
        "kwh_price": _nullable(_string(pattern=MONEY_PATTERN)),
        "time_price": _nullable(_string(pattern=MONEY_PATTERN)),
        "session_fee": _nullable(_string(pattern=MONEY_PATTERN)),
        "blocking_fee": _nullable(_string(pattern=MONEY_PATTERN)),
        "starting_fee": _nullable(_string(pattern=MONEY_PATTERN)),
        "grace_period_minutes": _nullable({"type": "integer"}),
        "blocking_cap": _nullable(_string(pattern=MONEY_PATTERN)),
        "currency": _string(3, pattern=r"^[a-z]{3}$"),
    },
    [
        "blocking_cap",
        "blocking_fee",
        "grace_period_minutes",
        "kwh_price",
        "session_fee",
        "starting_fee",
        "time_price",
    ],
)

PAYG_SUMMARY: Schema = _object(
    {
        "kwh_cost": _nullable(_string(pattern=MONEY_PATTERN)),
        "time_cost": _nullable(_string(pattern=MONEY_PATTERN)),
        "session_fee_cost": _nullable(_string(pattern=MONEY_PATTERN)),
        "blocking_fee_cost": _nullable(_string(pattern=MONEY_PATTERN)),
        "starting_fee_cost": _nullable(_string(pattern=MONEY_PATTERN)),
        "invoice_view": _nullable(_string(pattern=r"^https://")),  # docs only, not the spec
        "invoice_download": _nullable(_string(pattern=r"^https://")),
        "invoice_vat": _string(pattern=MONEY_PATTERN),
        "invoice_summary": _string(pattern=MONEY_PATTERN),
        "invoice_credits": _string(pattern=MONEY_PATTERN),
        "invoice_discount": _string(pattern=MONEY_PATTERN),
        "currency": _string(pattern=r"^[a-z]{3}$"),
    },
    [
        "blocking_fee_cost",
        "currency",
        "invoice_credits",
        "invoice_discount",
        "invoice_download",
        "invoice_summary",
        "invoice_vat",
        "kwh_cost",
        "session_fee_cost",
        "starting_fee_cost",
        "time_cost",
    ],
)

CHARGING_SESSION: Schema = _object(
    {
        "id": _string(pattern=UUID_PATTERN),
        "start_time": _nullable(_string(pattern=TIME_PATTERN)),
        "end_time": _nullable(_string(pattern=TIME_PATTERN)),
        "duration": _nullable({"type": "integer", "minimum": 0}),
        "consumed_energy": _nullable(_string(pattern=DECIMAL_PATTERN)),
        "is_active": {"type": "boolean"},
        "evse_id": _string(pattern=r"^[A-Z]{2}\*CIQ\*E[A-Z0-9]+\*\d+$"),
        "station_info": STATION_INFO,
        "is_partner": {"type": "boolean"},
        "logo_url": _nullable(_string(pattern=r"^https://")),
        "user_facing_session_prices": USER_FACING_SESSION_PRICES,
        "session_cost": PAYG_SUMMARY,
        "rates": {"enum": [1, 2, 3, 4, 5, None]},
    },
    [
        "consumed_energy",
        "duration",
        "end_time",
        "evse_id",
        "id",
        "is_active",
        "is_partner",
        "logo_url",
        "session_cost",
        "start_time",
        "station_info",
        "user_facing_session_prices",
    ],
)

USER: Schema = _object(
    {
        "id": _string(pattern=UUID_PATTERN),
        "email": _nullable(_string(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]+$")),
        "locale": {"enum": ["en", "de"]},
        "custom_properties": _nullable(_object({"external_id": _nullable(_string(250))}, [])),
    },
    ["id"],
)


def _page(item: Schema) -> Schema:
    link = _nullable(_string(pattern=r"^https?://"))
    return _object(
        {
            "count": {"type": "integer", "minimum": 0},
            "next": link,
            "previous": link,
            "results": {"type": "array", "items": item},
        },
        ["count", "results"],
    )


PAGINATED_SESSIONS: Schema = _page(CHARGING_SESSION)
PAGINATED_USERS: Schema = _page(USER)

DETAIL: Schema = _object({"detail": _string()}, ["detail"])

ERROR_DETAIL: Schema = _object(
    {
        "detail": _string(),
        "error": _object(
            {
                "type": {"enum": ERROR_TYPES},
                "details": _string(),
                "payment_intent_client_secret": _string(),
            },
            ["details", "type"],
        ),
    },
    ["detail", "error"],
)


_VALIDATORS: dict[int, Draft202012Validator] = {}


def validate(instance: object, schema: Schema) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``instance`` matches ``schema``."""
    validator = _VALIDATORS.get(id(schema))
    if validator is None:
        validator = _VALIDATORS[id(schema)] = Draft202012Validator(schema)
    validator.validate(instance)


for _schema in (PAGINATED_SESSIONS, PAGINATED_USERS, DETAIL, ERROR_DETAIL):
    Draft202012Validator.check_schema(_schema)
