from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .._endpoints import Empty, Endpoint, Many, One, Paged
from .._pagination import PageWalk, page_params
from ..models import Invoice, InvoicePage, Page

if TYPE_CHECKING:
    from .._client import CariqaClient

T = TypeVar("T")


class Resource:
    """Base of the resource classes: binds declared endpoints to the client's call path.

    A resource method is its signature, its docstring and one call of
    :meth:`_call`, :meth:`_page` or :meth:`_walk`; nothing else reaches the client.
    """

    __slots__ = ("_client",)

    def __init__(self, client: CariqaClient) -> None:
        self._client = client

    @overload
    async def _call(
        self,
        endpoint: One[T],
        path_args: Mapping[str, object] | None = ...,
        *,
        query: Mapping[str, object] | None = ...,
        body: Mapping[str, object] | None = ...,
        read_timeout: float | None = ...,
    ) -> T: ...
    @overload
    async def _call(
        self,
        endpoint: Many[T],
        path_args: Mapping[str, object] | None = ...,
        *,
        query: Mapping[str, object] | None = ...,
        body: Mapping[str, object] | None = ...,
        read_timeout: float | None = ...,
    ) -> tuple[T, ...]: ...
    @overload
    async def _call(
        self,
        endpoint: Empty,
        path_args: Mapping[str, object] | None = ...,
        *,
        query: Mapping[str, object] | None = ...,
        body: Mapping[str, object] | None = ...,
        read_timeout: float | None = ...,
    ) -> None: ...
    async def _call(
        self,
        endpoint: Endpoint[Any],
        path_args: Mapping[str, object] | None = None,
        *,
        query: Mapping[str, object] | None = None,
        body: Mapping[str, object] | None = None,
        read_timeout: float | None = None,
    ) -> Any:
        return await self._client._call(endpoint, path_args, query, body, read_timeout)

    # The invoices list is the one whose page has its own type (two envelopes).
    @overload
    async def _page(  # type: ignore[overload-overlap]
        self,
        endpoint: Paged[Invoice],
        path_args: Mapping[str, object] | None = ...,
        *,
        page: int,
        page_size: int | None,
        query: Mapping[str, object] | None = ...,
    ) -> InvoicePage: ...
    @overload
    async def _page(
        self,
        endpoint: Paged[T],
        path_args: Mapping[str, object] | None = ...,
        *,
        page: int,
        page_size: int | None,
        query: Mapping[str, object] | None = ...,
    ) -> Page[T]: ...
    async def _page(
        self,
        endpoint: Paged[Any],
        path_args: Mapping[str, object] | None = None,
        *,
        page: int,
        page_size: int | None,
        query: Mapping[str, object] | None = None,
    ) -> Any:
        params = {**(query or {}), **page_params(page, page_size)}
        return await self._client._call(endpoint, path_args, params)

    def _walk(
        self,
        endpoint: Paged[T],
        path_args: Mapping[str, object] | None = None,
        *,
        query: Mapping[str, object] | None = None,
        **options: Any,
    ) -> PageWalk[T]:
        return self._client._walk(endpoint, path_args, query, **options)
