from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from typing import Any

from .. import _options
from .._endpoints import SESSIONS_LIST, SESSIONS_RATE, SESSIONS_RETRIEVE
from .._many import ManySessions, UserDone
from .._pagination import OnInconsistent, PageWalk
from ..errors import InvalidArgumentError
from ..models import ChargingSession, Page
from ._base import Resource


class ChargingSessions(Resource):
    """A user's charging sessions: ``client.charging_sessions``."""

    __slots__ = ()

    async def list(
        self, user_id: str, *, page: int = 1, page_size: int | None = None
    ) -> Page[ChargingSession]:
        """Fetch one page of a user's sessions, newest first.

        ``page_size`` may be capped by the server; ``len(result.results)`` is what
        you got. For every session, use :meth:`iter`.

        Raises:
            InvalidArgumentError: ``user_id`` is empty or could change the URL's path.
            NotFoundError: unknown user; ``InvalidPageError`` past the last page.
            APIError, TransportError, ResponseError: see :mod:`cariqa_async.errors`.

        Example::

            page = await client.charging_sessions.list(user_id, page=2, page_size=50)
            print(page.count, [s.id for s in page.results])
        """
        return await self._page(SESSIONS_LIST, {"user_id": user_id}, page=page, page_size=page_size)

    def iter(
        self,
        user_id: str,
        *,
        page_size: int = 100,
        concurrency: int | None = None,
        ordered: bool = True,
        max_passes: int | None = None,
        on_inconsistent: OnInconsistent | None = None,
        verify: bool = False,
    ) -> PageWalk[ChargingSession]:
        """Every session of a user, never one twice, fetching pages concurrently.

        Page 1 tells the total and the server's real page size; the other pages are
        then fetched concurrently, at most ``concurrency`` (default: the client's)
        ahead of the consumer, and always within the client-wide request cap. If
        the pages show that sessions were added or removed during the walk (a
        ``count`` that changes, a missing or short page, a session seen twice), the
        list is walked again (up to ``max_passes``) and nothing is yielded twice.
        Changes that cancel out within a pass can hide a session from it; with
        ``verify=True`` the walk goes on until two consecutive passes saw the same
        sessions. The guide's "How iter() walks a list" says exactly what is
        guaranteed.

        Args:
            page_size: asked of the server per page (it may cap it; that is fine).
            concurrency: pages in flight or buffered ahead of the consumer.
            ordered: ``True`` yields in server order (newest first); ``False``
                yields pages as they arrive, which can be faster.
            max_passes: overrides the client's default.
            on_inconsistent: overrides the client's default.
            verify: walk at least twice, until two consecutive passes agree
                (``max_passes`` must be at least 2).

        Raises:
            ValueError: ``user_id`` or an option is invalid (at once, not on first
                iteration).
            ClientClosedError: the client is not open.
            InconsistentPaginationError: the list never held still, or its pages
                kept disagreeing with its ``count`` (``"raise"``).
            APIError, TransportError, ResponseError: from a page, after retries.

        Example::

            async for session in client.charging_sessions.iter(user_id):
                print(session.start_time, session.consumed_energy)
            # a list that may change while you read it, every stable session:
            async for session in client.charging_sessions.iter(user_id, verify=True):
                ...
        """
        return self._walk(
            SESSIONS_LIST,
            {"user_id": user_id},
            page_size=page_size,
            concurrency=concurrency,
            ordered=ordered,
            max_passes=max_passes,
            on_inconsistent=on_inconsistent,
            verify=verify,
        )

    def iter_many(
        self,
        user_ids: Iterable[str] | AsyncIterable[str],
        *,
        users_in_flight: int = 8,
        page_size: int = 100,
        window: int = 2,
        on_user_done: UserDone | None = None,
    ) -> ManySessions[ChargingSession]:
        """``(user_id, session)`` for every session of many users, each exactly once.

        Up to ``users_in_flight`` users are walked at once (each as :meth:`iter`,
        with a read-ahead of ``window`` pages), all within the client's concurrency
        cap and rate limit. The cap serves requests first come, first served and
        each walk keeps only a few requests queued, so a user with 100,000
        sessions does not starve the rest. Sessions of different users
        interleave; a user's own sessions stay in server order.

        A user whose walk fails (unknown user, retries exhausted, bad data...) is
        recorded in ``.failures`` and skipped; the others go on. A bad token
        (401/403) or a closed client stops everything. Duplicate ids are walked
        once. Once the iteration ends (at the end, or by raising), every user
        taken from ``user_ids`` is accounted for:
        ``users_done + len(failures) == users_started``.

        Iterate it once. ``break``, cancelling the loop's task, ``aclose()`` or
        leaving ``async with`` stops every user's walk and its requests.

        Args:
            user_ids: any iterable or async iterable, e.g.
                ``(u.id async for u in client.users.iter())``.
            on_user_done: called as ``on_user_done(user_id, count)`` (sync or
                async) after the last session of that user was yielded: the hook
                for checkpoints.

        Raises:
            AuthenticationError, PermissionDeniedError: the token was refused.
            ClientClosedError: the client was closed during the iteration.
            InvalidArgumentError: ``users_in_flight``, ``page_size`` or ``window``
                is not an integer of at least 1, or ``on_user_done`` is not
                callable (at once, not as a failure of each user).
            Exception: whatever the ``user_ids`` source or ``on_user_done`` raise.

        Example::

            async with client.charging_sessions.iter_many(user_ids, users_in_flight=16) as many:
                async for user_id, session in many:
                    ...
            print(many.failures)
        """
        # Checked now: a bad page_size would otherwise fail every user's walk alone.
        _options.count("page_size", page_size, error=InvalidArgumentError)
        _options.count("window", window, error=InvalidArgumentError)
        if on_user_done is not None:
            _options.hook("on_user_done", on_user_done, error=InvalidArgumentError)

        def walk_user(user_id: str) -> PageWalk[list[ChargingSession]]:
            return self._pages_of(user_id, page_size=page_size, window=window)

        return ManySessions(
            walk_user, user_ids, users_in_flight=users_in_flight, on_user_done=on_user_done
        )

    def _pages_of(
        self, user_id: str, *, page_size: int, window: int, records: bool = False
    ) -> PageWalk[Any]:
        """A user's sessions a page (list) at a time, with a small read-ahead, for
        walks of many users; ``records``: the API's checked dicts, not models."""
        return self._walk(
            SESSIONS_LIST,
            {"user_id": user_id},
            page_size=page_size,
            concurrency=window,
            batched=True,
            records=records,
        )

    async def get(self, user_id: str, session_id: str) -> ChargingSession:
        """Fetch one session of a user.

        Raises:
            InvalidArgumentError: an id is empty or could change the URL's path.
            NotFoundError: no such user or session (or not in your scope).
            APIError, TransportError, ResponseError: see :mod:`cariqa_async.errors`.
        """
        return await self._call(SESSIONS_RETRIEVE, {"user_id": user_id, "session_id": session_id})

    async def rate(self, user_id: str, session_id: str, rates: int | None) -> ChargingSession:
        """Rate a finished session from 1 to 5 stars; ``None`` clears the rating.

        Raises:
            InvalidArgumentError: ``rates`` is not 1..5 or ``None`` (nothing is sent).
            ValidationError: the session is still active.
            NotFoundError: no such user or session.
        """
        if rates is not None and (isinstance(rates, bool) or rates not in range(1, 6)):
            raise InvalidArgumentError(f"rates must be 1 to 5 or None, got {rates!r}")
        args = {"user_id": user_id, "session_id": session_id}
        return await self._call(SESSIONS_RATE, args, body={"rates": rates})
