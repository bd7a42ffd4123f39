"""Session records as flat rows of text columns (CSV) and their stable header."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import attrs

from ..models import ChargingSession


@cache
def columns() -> tuple[str, ...]:
    """Flat column names, stable and in model order: ``station_info.station_name``..."""

    def walk(cls: type, prefix: str) -> Iterator[str]:
        for field in attrs.fields(attrs.resolve_types(cls)):
            if isinstance(field.type, type) and attrs.has(field.type):
                yield from walk(field.type, f"{prefix}{field.name}.")
            else:
                yield f"{prefix}{field.name}"

    return ("user_id", *walk(ChargingSession, ""))


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested JSON-ready dicts to one level with dotted keys."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def text(value: Any) -> str:
    """A JSON-ready scalar as CSV text: null is empty, booleans as in JSON."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)
