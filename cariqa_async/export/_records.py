"""Sessions as export records: one JSON object, or one flat row of text columns."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import attrs

from .._converter import Structurer
from ..models import ChargingSession

_STRUCTURER = Structurer()


def record(user_id: str, session: ChargingSession) -> dict[str, Any]:
    """The JSON export record: the session's API fields with ``user_id`` first."""
    return {"user_id": user_id, **_STRUCTURER.unstructure(session)}


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
