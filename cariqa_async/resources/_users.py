from __future__ import annotations

from .._endpoints import USERS_LIST, USERS_RETRIEVE
from .._pagination import OnInconsistent, PageWalk
from ..models import Page, User
from ._base import Resource


class Users(Resource):
    """The platform's users: ``client.users``."""

    __slots__ = ()

    async def list(
        self, *, page: int = 1, page_size: int | None = None, search: str | None = None
    ) -> Page[User]:
        """Fetch one page of users; ``search`` matches id or external id.

        Raises:
            InvalidPageError: past the last page.
            APIError, TransportError, ResponseError: see :mod:`cariqa_async.errors`.
        """
        return await self._page(
            USERS_LIST, page=page, page_size=page_size, query={"search": search}
        )

    def iter(
        self,
        *,
        search: str | None = None,
        page_size: int = 100,
        concurrency: int | None = None,
        ordered: bool = True,
        max_passes: int | None = None,
        on_inconsistent: OnInconsistent | None = None,
        verify: bool = False,
    ) -> PageWalk[User]:
        """Every user (matching ``search``), never one twice; pages fetched concurrently.

        Same walk, options (``verify`` included) and guarantees as
        :meth:`ChargingSessions.iter`.

        Raises:
            ValueError: an option is invalid.
            InconsistentPaginationError: the list never held still (``"raise"``).
            APIError, TransportError, ResponseError: from a page, after retries.

        Example::

            async for user in client.users.iter():
                print(user.id, user.custom_properties)
        """
        return self._walk(
            USERS_LIST,
            query={"search": search},
            page_size=page_size,
            concurrency=concurrency,
            ordered=ordered,
            max_passes=max_passes,
            on_inconsistent=on_inconsistent,
            verify=verify,
        )

    async def get(self, user_id: str) -> User:
        """Fetch one user.

        Raises:
            InvalidArgumentError: ``user_id`` is empty or could change the URL's path.
            NotFoundError: no such user in your scope.
        """
        return await self._call(USERS_RETRIEVE, {"user_id": user_id})
