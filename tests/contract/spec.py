"""The API's spec as the tests read it: ``tests/data/cariqa-openapi.yml``, parsed once."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, NamedTuple

import yaml

SPEC_PATH = Path(__file__).resolve().parents[1] / "data" / "cariqa-openapi.yml"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


class Operation(NamedTuple):
    """One operation of the spec: ``GET /api/v1/users/`` is ``users_list``."""

    operation_id: str
    method: str
    path: str
    responses: dict[str, Any]


@functools.cache
def spec() -> dict[str, Any]:
    """The parsed spec (cached: treat it as read-only)."""
    with SPEC_PATH.open(encoding="utf-8") as f:
        return yaml.safe_load(f)  # type: ignore[no-any-return]


@functools.cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the spec, in the spec's order."""
    return tuple(
        Operation(op["operationId"], method.upper(), path, op["responses"])
        for path, item in spec()["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    )


def components() -> dict[str, Any]:
    """``components.schemas``: the spec's named schemas."""
    return spec()["components"]["schemas"]  # type: ignore[no-any-return]


def response_schema(operation: Operation, status: int) -> str | None:
    """The component name the spec gives the JSON body of ``status``, or ``None``."""
    response = operation.responses.get(str(status))
    if response is None or "content" not in response:
        return None
    ref: str = response["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]
