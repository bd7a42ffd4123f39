"""Shared helpers of the model tests: JSON samples, the spec's schemas, a path editor."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cariqa_async._converter import Structurer
from cariqa_async._pagination import invoice_page, structure_page
from cariqa_async.models import Invoice
from tests.contract import spec as contract_spec
from tests.contract.schemas import validate_against

TESTS = Path(__file__).resolve().parents[1]
SAMPLES = TESTS / "data" / "models"
FAST = Structurer()
STRICT = Structurer(strict=True)

Path_ = tuple[str | int, ...]


class Boom(Exception):
    """What the tests' ``on_error`` raises: the field path and the message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def sample(name: str) -> Any:
    """A fresh copy of ``tests/data/models/<name>.json``, decoded."""
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def structure(kind: str, data: Any, model: type, structurer: Structurer) -> Any:
    """Structure ``data`` the way the API answers it: one object, a page, an array."""
    if kind == "one":
        return structurer.one(data, model, Boom)
    if kind == "page":
        return structure_page(structurer, data, model, on_error=Boom)
    if kind == "array":
        return structurer.array(data, model, Boom)
    assert kind == "invoices"
    return invoice_page(structurer, data, Invoice, on_error=Boom)


def spec() -> dict[str, Any]:
    """The decoded OpenAPI spec in the repository."""
    return contract_spec.spec()


def spec_schemas() -> dict[str, Any]:
    """``components/schemas`` of the spec, exactly as published (OpenAPI 3.0)."""
    return contract_spec.components()


def validate(instance: Any, schema: dict[str, Any]) -> None:
    """Validate against a schema whose ``$ref`` point into the spec's components."""
    validate_against(instance, schema)


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def edited(data: Any, path: Path_, change: Callable[[Any, str | int], None]) -> Any:
    """A deep copy of ``data`` with ``change(container, key)`` applied at ``path``."""
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    change(target, path[-1])
    return data


def with_value(data: Any, path: Path_, value: Any) -> Any:
    def put(container: Any, key: str | int) -> None:
        container[key] = value

    return edited(data, path, put)


def without(data: Any, path: Path_) -> Any:
    def drop(container: Any, key: str | int) -> None:
        del container[key]

    return edited(data, path, drop)


def at(data: Any, path: Path_) -> Any:
    """Follow a JSON ``path`` through structured models (attributes), dicts and tuples."""
    for key in path:
        data = (
            getattr(data, key) if isinstance(key, str) and not isinstance(data, dict) else data[key]
        )
    return data


# The open mappings (``Prices``' components): their keys are shown as ``['key']``.
_MAPPINGS = frozenset({"time_price", "kwh_price", "blocking_fee", "session_fee", "starting_fee"})


def field_path(path: Path_) -> str:
    """How a SchemaError names ``path``: ``results[0].prices.kwh_price['default'][0]``."""
    text = ""
    for previous, key in zip((None, *path), path, strict=False):
        if isinstance(key, int):
            text += f"[{key}]"
        elif previous in _MAPPINGS:
            text += f"[{key!r}]"
        else:
            text += f".{key}" if text else key
    return text
