from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._client import CariqaClient


class Resource:
    """Base of the resource classes: holds the client whose machinery they use."""

    __slots__ = ("_client",)

    def __init__(self, client: CariqaClient) -> None:
        self._client = client
