"""Typed decoders from other libraries, for ``decode.py``; imported only if installed.

The rival models are generated from the SDK's own attrs classes (same fields, types
and defaults), so both sides decode exactly the same schema into typed objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from cariqa_async.models import ChargingSession


def _fields(cls: type, nested: Callable[[type], Any]) -> list[tuple[str, Any, Any]]:
    """``(name, type, default)`` of an attrs class; nested attrs classes via ``nested``."""
    return [
        (field.name, nested(field.type) if attrs.has(field.type) else field.type, field.default)
        for field in attrs.fields(attrs.resolve_types(cls))
    ]


def msgspec_decoder(body: bytes) -> Callable[[], object]:
    import msgspec

    def struct(cls: type) -> Any:
        spec = [
            (name, kind) if default is attrs.NOTHING else (name, kind, default)
            for name, kind, default in _fields(cls, struct)
        ]
        return msgspec.defstruct(cls.__name__, spec, frozen=True)

    results: Any = list[struct(ChargingSession)]  # type: ignore[misc]
    page = msgspec.defstruct(
        "Page",
        [("count", int), ("next", str | None), ("previous", str | None), ("results", results)],
    )
    decoder = msgspec.json.Decoder(page)
    return lambda: decoder.decode(body)


def pydantic_decoder(body: bytes) -> Callable[[], object]:
    import pydantic

    config = pydantic.ConfigDict(frozen=True)

    def model(cls: type) -> Any:
        definitions: dict[str, Any] = {
            name: (kind, ... if default is attrs.NOTHING else default)
            for name, kind, default in _fields(cls, model)
        }
        return pydantic.create_model(cls.__name__, __config__=config, **definitions)

    results: Any = list[model(ChargingSession)]  # type: ignore[misc]
    page = pydantic.create_model(
        "Page",
        __config__=config,
        count=(int, ...),
        next=(str | None, ...),
        previous=(str | None, ...),
        results=(results, ...),
    )
    return lambda: page.model_validate_json(body)
