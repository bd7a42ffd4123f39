"""Realistic charging-session records for the benchmarks, built in code from a seed.

The shape follows the API's documented example page (a DRF page of
``ConnectAPIChargingSession``), with the variety a real account shows: active
sessions (null end, duration and energy), optional tariff components as nulls,
several countries and currencies, unicode addresses, fractional connector powers,
missing ``invoice_view`` (docs/spec drift) and the occasional rating.
"""

from __future__ import annotations

import random
import string
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final

#: (operator, address, country, currency, latitude, longitude, logo slug)
_STATIONS: Final = (
    ("EVA Charge", "Ludwigstraße, 9, 67547, Worms", "DE", "eur", 49.630383, 8.368902, "evacharge"),
    ("Ionity", "Überlandstrasse 420, 8051 Zürich", "CH", "chf", 47.403331, 8.591402, "ionity"),
    ("Clever", "Åboulevard 12, 1635 København V", "DK", "dkk", 55.680791, 12.556382, "clever"),
    ("GreenWay", "ul. Łąkowa 7, 90-562 Łódź", "PL", "pln", 51.759445, 19.457216, None),
    ("InCharge", "Södra Förstadsgatan 26, 211 43 Malmö", "SE", "sek", 55.597012, 13.00109, "inch"),
    ("Pod Point", "12 Ludgate Hill, London EC4M 7AA", "GB", "gbp", 51.513939, -0.102584, "pod"),
    ("Mer", "Øvre Prinsdals vei 5, 1263 Oslo", "NO", "nok", 59.835101, 10.818402, "mer"),
    ("Allego", "Rue de l'Église 3, 75015 Paris", "FR", "eur", 48.840472, 2.288305, "allego"),
    (None, "Carrer de Sant Pere Més Alt, 08003 Barcelona", "ES", "eur", 41.3881, 2.1769, None),
)
#: (speed, connector standard, power in kW: some fractional, as the API may send)
_CONNECTORS: Final = (
    ("slow", "IEC_62196_T2", 22),
    ("slow", "IEC_62196_T2", 11),
    ("slow", "IEC_62196_T2", 3.7),
    ("fast", "IEC_62196_T2_COMBO", 50),
    ("fast", "CHADEMO", 62.5),
    ("ultra", "IEC_62196_T2_COMBO", 150),
    ("ultra", "IEC_62196_T2_COMBO", 300),
)
_CENT: Final = Decimal("0.01")
_NEWEST: Final = datetime(2026, 4, 2, 13, 51, 18, 754610, tzinfo=timezone.utc)
_ALNUM: Final = string.ascii_uppercase + string.digits


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT))


def _maybe(rng: random.Random, chance: float, value: str) -> str | None:
    return value if rng.random() < chance else None


def _stripe(rng: random.Random, kind: str) -> str:
    token = "".join(rng.choices(string.ascii_letters + string.digits, k=88))
    return f"https://{kind}.stripe.com/i/acct_1LKJg9HtgZxQ1KXx/test_{token}?s=ap"


def session_record(index: int, rng: random.Random) -> dict[str, Any]:
    """The ``index``-th newest session of a user, as the API's JSON would decode."""
    name, address, country, currency, lat, lon, logo = rng.choice(_STATIONS)
    speed, standard, power = rng.choice(_CONNECTORS)
    start = _NEWEST - timedelta(hours=index * 7.3, microseconds=rng.randrange(1_000_000))
    active = index < 2 or rng.random() < 0.02
    duration = None if active else rng.randrange(240, 4 * 3600)
    energy = None if active else Decimal(rng.randrange(100, 95_000)) / 1000
    kwh_price = Decimal(rng.randrange(29, 89)) / 100
    time_price = _maybe(rng, 0.3, "0.05")
    session_fee = _maybe(rng, 0.2, "0.50")
    blocking_fee = _maybe(rng, 0.4, "0.10")
    kwh_cost = (energy or Decimal(0)) * kwh_price
    time_cost = Decimal(duration or 0) / 60 * Decimal(time_price or 0)
    total = kwh_cost + time_cost + Decimal(session_fee or 0)
    discount = Decimal(rng.choice((0, 0, 0, 1, 2)))
    record: dict[str, Any] = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "start_time": _iso(start),
        "end_time": None if duration is None else _iso(start + timedelta(seconds=duration)),
        "duration": duration,
        "consumed_energy": None if energy is None else f"{energy:.3f}",
        "is_active": active,
        "evse_id": f"{country}*CIQ*E{''.join(rng.choices(_ALNUM, k=12))}*{rng.randint(1, 4)}",
        "station_info": {
            "station_name": name,
            "station_address": address,
            "country": country,
            "station_speed": speed,
            "connector_standard": standard,
            "connector_power": power,
            "support_phone": _maybe(rng, 0.8, f"+49{rng.randrange(10**9, 10**10)}"),
            "latitude": f"{lat + rng.uniform(-0.01, 0.01):.6f}",
            "longitude": f"{lon + rng.uniform(-0.01, 0.01):.6f}",
        },
        "is_partner": rng.random() < 0.6,
        "logo_url": None
        if logo is None
        else f"https://storage.googleapis.com/cariqa-cpo-logos/{logo}.png?generation="
        f"{rng.randrange(10**15, 10**16)}&md5_hash={rng.getrandbits(128):032x}&size=11759",
        "user_facing_session_prices": {
            "kwh_price": str(kwh_price),
            "time_price": time_price,
            "session_fee": session_fee,
            "blocking_fee": blocking_fee,
            "starting_fee": None,
            "grace_period_minutes": None if blocking_fee is None else rng.choice((60, 240)),
            "blocking_cap": None if blocking_fee is None else "12.00",
            "currency": currency,
        },
        "session_cost": {
            "kwh_cost": _money(kwh_cost),
            "time_cost": _money(time_cost),
            "session_fee_cost": _money(Decimal(session_fee or 0)),
            "blocking_fee_cost": "0.00",
            "starting_fee_cost": "0.00",
            "invoice_view": _stripe(rng, "invoice"),
            "invoice_download": None if active else _stripe(rng, "pay") + "&pdf=1",
            "invoice_vat": _money(total * Decimal("0.16")),
            "invoice_summary": _money(max(total - discount, Decimal(0))),
            "invoice_credits": "0.00",
            "invoice_discount": _money(discount),
            "currency": currency,
        },
        "rates": None if active or rng.random() < 0.7 else rng.randint(1, 5),
    }
    if rng.random() < 0.1:
        del record["session_cost"]["invoice_view"]  # in the docs, not in the spec
    return record


def session_records(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    """``count`` sessions, newest first, the same for the same seed."""
    rng = random.Random(seed)
    return [session_record(index, rng) for index in range(count)]
