from __future__ import annotations

from .._endpoints import (
    NOT_GIVEN,
    USERS_CREATE,
    USERS_DELETE,
    USERS_LIST,
    USERS_RETRIEVE,
    USERS_UPDATE,
    NotGiven,
    body,
)
from .._pagination import OnInconsistent, PageWalk
from ..models import Locale, Page, User
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

    async def create(
        self,
        *,
        email: str | None = None,
        locale: Locale | str | None = None,
        external_id: str | None = None,
    ) -> User:
        """Create a user; fields left ``None`` are not sent.

        This call must not run twice (the API has no idempotency key): it is retried
        only when it provably never reached the API. If it may have run, you get
        :class:`OutcomeUnknownError`; reconcile with
        ``users.list(search=external_id)`` before creating again.

        Raises:
            ValidationError: a field was refused (``error_details`` says which).
            OutcomeUnknownError: the user may or may not have been created.

        Example::

            user = await client.users.create(email="ada@example.com", external_id="crm-42")
        """
        fields = body(email=email, locale=locale)
        if external_id is not None:
            fields["custom_properties"] = {"external_id": external_id}
        return await self._call(
            USERS_CREATE, body={k: v for k, v in fields.items() if v is not None}
        )

    async def update(
        self,
        user_id: str,
        *,
        email: str | NotGiven | None = NOT_GIVEN,
        locale: Locale | str | NotGiven = NOT_GIVEN,
        external_id: str | NotGiven | None = NOT_GIVEN,
    ) -> User:
        """Change some fields of a user (PATCH): only the fields given are sent, and
        ``None`` sets a field to null.

        Raises:
            NotFoundError: no such user.
            ValidationError: a field was refused.

        Example::

            await client.users.update(user_id, email=None)  # clears the email only
        """
        fields = body(email=email, locale=locale)
        if not isinstance(external_id, NotGiven):
            fields["custom_properties"] = {"external_id": external_id}
        return await self._call(USERS_UPDATE, {"user_id": user_id}, body=fields)

    async def delete(self, user_id: str) -> None:
        """Delete a user (a soft delete: the user is gone from every list and lookup).

        Retried like any idempotent call; a retry that finds the user already gone
        (404) counts as done.

        Raises:
            BadRequestError: the user is charging right now.
            PaymentError: the user has an unpaid debt.
            NotFoundError: no such user (and this call did not delete it).
        """
        await self._call(USERS_DELETE, {"user_id": user_id})
