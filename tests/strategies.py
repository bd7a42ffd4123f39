"""Hypothesis strategies for API JSON, rendered the way Django REST Framework does."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
nullable_text = st.none() | text


def drf_datetime(value: datetime) -> str:
    rendered = value.isoformat()
    return rendered[:-6] + "Z" if rendered.endswith("+00:00") else rendered


datetimes = st.datetimes(
    min_value=datetime(2015, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(timezone.utc)
).map(drf_datetime)


def decimal_text(places: int) -> st.SearchStrategy[str]:
    return st.decimals(
        min_value=Decimal("-99999"), max_value=Decimal("99999"), places=places, allow_nan=False
    ).map(str)


money = decimal_text(2)
nullable_money = st.none() | money

station_info = st.fixed_dictionaries(
    {
        "station_name": nullable_text,
        "station_address": nullable_text,
        "country": st.none() | st.sampled_from(["DE", "AT", "CH", "PL", "FR"]),
        "station_speed": st.none() | st.sampled_from(["slow", "fast", "turbo"]),
        "connector_standard": nullable_text,
        "connector_power": st.none()
        | st.integers(1, 400)
        | st.floats(0.5, 400, allow_nan=False).map(lambda f: round(f, 1)),
        "support_phone": nullable_text,
        "latitude": st.none() | decimal_text(6),
        "longitude": st.none() | decimal_text(6),
    }
)

prices = st.fixed_dictionaries(
    {
        "kwh_price": nullable_money,
        "time_price": nullable_money,
        "session_fee": nullable_money,
        "blocking_fee": nullable_money,
        "starting_fee": nullable_money,
        "grace_period_minutes": st.none() | st.integers(0, 600),
        "blocking_cap": nullable_money,
        "currency": st.sampled_from(["eur", "chf", "gbp", "pln"]),
    }
)

cost = st.fixed_dictionaries(
    {
        "kwh_cost": nullable_money,
        "time_cost": nullable_money,
        "session_fee_cost": nullable_money,
        "blocking_fee_cost": nullable_money,
        "starting_fee_cost": nullable_money,
        "invoice_view": st.none() | text,
        "invoice_download": st.none() | text,
        "invoice_vat": money,
        "invoice_summary": money,
        "invoice_credits": money,
        "invoice_discount": money,
        "currency": st.sampled_from(["eur", "chf", "gbp", "pln"]),
    }
)

sessions: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {
        "id": st.uuids().map(str),
        "start_time": st.none() | datetimes,
        "end_time": st.none() | datetimes,
        "duration": st.none() | st.integers(0, 10**7),
        "consumed_energy": st.none() | decimal_text(3),
        "is_active": st.booleans(),
        "evse_id": text,
        "station_info": station_info,
        "is_partner": st.booleans(),
        "logo_url": st.none() | text,
        "user_facing_session_prices": prices,
        "session_cost": cost,
        "rates": st.none() | st.integers(1, 5),
    }
)
