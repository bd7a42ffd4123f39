"""Session records as flat rows of text columns (CSV) and their stable header."""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from functools import cache
from types import NoneType
from typing import Any, NamedTuple

import attrs

from ..models import ChargingSession


class FlatField(NamedTuple):
    """A leaf of the session model: its dotted column name, attribute path and type."""

    name: str
    path: tuple[str, ...]
    kind: Any


@cache
def flat_fields() -> tuple[FlatField, ...]:
    """The session's leaves in model order; nested classes (optional or not) flattened.

    The one source of the CSV header and the Parquet schema.
    """

    def walk(cls: type, prefix: tuple[str, ...]) -> Iterator[FlatField]:
        for field in attrs.fields(attrs.resolve_types(cls)):
            kind = field.type
            args = typing.get_args(kind)
            if NoneType in args:
                kind = next(arg for arg in args if arg is not NoneType)
            path = (*prefix, field.name)
            if isinstance(kind, type) and attrs.has(kind):
                yield from walk(kind, path)
            else:
                yield FlatField(".".join(path), path, kind)

    return tuple(walk(ChargingSession, ()))


@cache
def columns() -> tuple[str, ...]:
    """Flat column names, stable and in model order: ``station_info.station_name``..."""
    return ("user_id", *(field.name for field in flat_fields()))


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
