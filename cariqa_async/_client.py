"""``CariqaClient``: configuration, the session it owns or borrows, and the request loop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import platform
import sys
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, Concatenate, Final, ParamSpec, TypeVar

import aiohttp
import attrs
import orjson

from . import _options, _protocol
from ._converter import Structurer
from ._endpoints import Endpoint
from ._pagination import (
    OnInconsistent,
    PageWalk,
    RawPage,
    WalkOptions,
    page_params,
)
from ._retry import RetryPolicy, may_have_acted, retrying, should_retry
from ._throttle import Throttle
from ._transport import DEFAULT_MAX_RESPONSE_SIZE, Secret, Timeout, Transport
from ._version import __version__
from .errors import (
    APIError,
    CariqaTimeoutError,
    ClientClosedError,
    ConfigurationError,
    InvalidArgumentError,
    OutcomeUnknownError,
    ResponseError,
    SchemaError,
    ServerError,
    TransportError,
    _RequestError,
)
from .resources import (
    BillingDetailsResource,
    Charging,
    ChargingSessions,
    Debts,
    Invoices,
    PaymentMethods,
    Stations,
    Users,
)

T = TypeVar("T")
P = ParamSpec("P")

logger: Final = logging.getLogger("cariqa_async")

_DEFAULT_TIMEOUT: Final = Timeout()
_USER_AGENT: Final = (
    f"cariqa-async/{__version__} aiohttp/{aiohttp.__version__} python/{platform.python_version()}"
)


@attrs.define(slots=True)
class ClientStats:
    """Counters of what the client did, for logs, progress bars and tests.

    Attributes:
        requests: HTTP attempts sent (retries included).
        retries: attempts that failed and were tried again.
        retries_by_reason: the same, by cause: ``"429"``, ``"503"``, ``"timeout"``,
            ``"connection"``, ``"decode"``...
        in_flight: requests on the wire right now.
        max_in_flight: the most requests ever on the wire at once.
        rate_limited: 429 answers received.
    """

    requests: int = 0
    retries: int = 0
    retries_by_reason: dict[str, int] = attrs.Factory(dict)
    in_flight: int = 0
    max_in_flight: int = 0
    rate_limited: int = 0


class _Token:
    """Holds the API token; its repr never shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        # A Secret: wherever the revealed value lands (a local, an argument),
        # its repr stays redacted.
        self._value = Secret(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<token redacted>"


class _Callers:
    """The tasks inside a request of one client, so that closing it can stop them.

    :meth:`stop_all` cancels each; :meth:`guard` turns that cancellation (and
    whatever the request raised meanwhile, e.g. a connection cut by the closing
    session) into :class:`ClientClosedError`, and gives the task its cancellation
    count back, so ``asyncio.timeout`` and task groups around the call are not
    confused. A task also cancelled by someone else still gets ``CancelledError``.
    """

    __slots__ = ("_active", "_stopped")

    def __init__(self) -> None:
        self._active: set[asyncio.Task[Any]] = set()
        self._stopped: set[asyncio.Task[Any]] = set()

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - asyncio always runs coroutines in tasks
            yield
            return
        self._active.add(task)
        try:
            yield
        except BaseException as exc:
            if not self._was_stopped(task) or not isinstance(
                exc, (Exception, asyncio.CancelledError)
            ):
                raise  # not ours to translate (GeneratorExit, KeyboardInterrupt...)
            if isinstance(exc, asyncio.CancelledError) and _cancelling(task) > 0:
                raise  # the caller was cancelled too: that wins
            raise _closed_error() from None
        else:
            if self._was_stopped(task):
                # The cancellation was swallowed on the way: the result came from a
                # client that was closed meanwhile, so the call still fails.
                raise _closed_error()
        finally:
            self._active.discard(task)

    def _was_stopped(self, task: asyncio.Task[Any]) -> bool:
        if task not in self._stopped:
            return False
        self._stopped.discard(task)
        uncancel = getattr(task, "uncancel", None)  # Python 3.11+
        if uncancel is not None:
            uncancel()
        return True

    def stop_all(self) -> None:
        """Cancel every task inside a request (except the caller's own)."""
        current = asyncio.current_task()
        for task in self._active - self._stopped:
            if task is not current and not task.done():
                self._stopped.add(task)
                task.cancel()


def _cancelling(task: asyncio.Task[Any]) -> int:
    cancelling = getattr(task, "cancelling", None)  # Python 3.11+
    return int(cancelling()) if cancelling is not None else 0


def _closed_error() -> ClientClosedError:
    return ClientClosedError("this CariqaClient was closed while the request was running")


def _stopped_by_aclose(
    request: Callable[Concatenate[CariqaClient, P], Awaitable[T]],
) -> Callable[Concatenate[CariqaClient, P], Awaitable[T]]:
    """Make ``aclose()`` end a running call with ``ClientClosedError`` (see ``_Callers``)."""

    @functools.wraps(request)
    async def guarded(client: CariqaClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        with client._callers.guard():
            return await request(client, *args, **kwargs)

    return guarded


class CariqaClient:
    """Async client of the Cariqa Connect API.

    Use it as an async context manager (or call :meth:`open` and :meth:`aclose`)::

        async with CariqaClient(token="...") as client:
            page = await client.charging_sessions.list(user_id, page=2, page_size=50)
            async for session in client.charging_sessions.iter(user_id):
                print(session.id, session.consumed_energy)
            one = await client.charging_sessions.get(user_id, session_id)

    Args:
        token: the API's Bearer token; defaults to ``$CARIQA_TOKEN``.
        base_url: defaults to ``$CARIQA_BASE_URL``, then ``https://connect.cariqa.com``.
            Must be https, except for loopback hosts (the sandbox) or with
            ``allow_insecure=True``.
        session: an ``aiohttp.ClientSession`` to borrow. It is never closed by the
            client. Without one, the client creates its own on open and closes it.
        concurrency: the most requests in flight at once, across every call made
            through this client (a hundred concurrent ``iter()`` share it). A 429
            halves the allowed concurrency for every caller; it climbs back by one
            per window of successes (see ``client.throttle``).
        rate_limit: requests per second across the client, or ``None``; adapts to
            429s the same way.
        timeout: a :class:`Timeout`, or a number of seconds used as the read timeout.
        max_retries: retries of a failed request (default 5); when given, it
            overrides ``retry.max_retries``.
        retry: the full :class:`RetryPolicy` (backoff, Retry-After limit, deadline).
        max_response_size: bodies larger than this many bytes are refused.
        strict: reject unknown fields in responses (for tests that catch API drift).
        max_passes: default for list walks; see ``iter()``.
        on_inconsistent: default for list walks; see ``iter()``.

    Raises:
        ConfigurationError: no token, a malformed token, or an unacceptable base URL
            or option.
    """

    users: Users
    billing_details: BillingDetailsResource
    payment_methods: PaymentMethods
    charging: Charging
    charging_sessions: ChargingSessions
    debts: Debts
    invoices: Invoices
    stations: Stations

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        concurrency: int = 8,
        timeout: Timeout | float = _DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        rate_limit: float | None = None,
        allow_insecure: bool = False,
        strict: bool = False,
        max_passes: int = 3,
        on_inconsistent: OnInconsistent = "raise",
        user_agent: str | None = None,
    ) -> None:
        token = token if token is not None else os.environ.get("CARIQA_TOKEN")
        if not token:
            raise ConfigurationError(
                "no API token: pass token=... or set the CARIQA_TOKEN environment variable"
            )
        if not isinstance(token, str):
            raise ConfigurationError(f"token must be a string, got {type(token).__name__}")
        if not token.isprintable() or token != token.strip() or " " in token:
            # Never echo the value: it is a secret, and possibly a pasted one.
            raise ConfigurationError("the API token contains whitespace or control characters")
        _options.count("concurrency", concurrency)
        _options.count("max_response_size", max_response_size)
        _options.rate("rate_limit", rate_limit)
        _options.flag("allow_insecure", allow_insecure)
        _options.flag("strict", strict)
        if session is not None:
            _options.instance("session", session, aiohttp.ClientSession)
        if user_agent is not None:
            _options.header_text("user_agent", user_agent)
        if not isinstance(timeout, Timeout):
            # A plain number is the read timeout; Timeout checks its own fields.
            timeout = Timeout(read=_options.seconds("timeout", timeout))
        policy: RetryPolicy = (
            RetryPolicy() if retry is None else _options.instance("retry", retry, RetryPolicy)
        )
        if max_retries is not None:
            policy = attrs.evolve(
                policy, max_retries=_options.count("max_retries", max_retries, minimum=0)
            )
        # Checked here first, so that they raise ConfigurationError, not the
        # InvalidArgumentError of an iter() option.
        _options.count("max_passes", max_passes)
        _options.choice("on_inconsistent", on_inconsistent, _options.ON_INCONSISTENT)
        walk_defaults = WalkOptions(
            window=concurrency, max_passes=max_passes, on_inconsistent=on_inconsistent
        )
        url = base_url or os.environ.get("CARIQA_BASE_URL") or _protocol.DEFAULT_BASE_URL
        self._base_url = _protocol.parse_base_url(url, allow_insecure=allow_insecure)
        self._token = _Token(token)
        self._borrowed = session
        self._concurrency = concurrency
        self._timeout = timeout
        self._retry = policy
        self._max_response_size = max_response_size
        self._user_agent = user_agent or _USER_AGENT
        self._walk_defaults = walk_defaults
        self._structurer = Structurer.shared(strict=strict)
        self.throttle = Throttle(concurrency, rate_limit=rate_limit)
        self._session: aiohttp.ClientSession | None = None
        self._transport: Transport | None = None
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._created_at = _caller_site()
        self._callers = _Callers()
        self.stats = ClientStats()
        self.users = Users(self)
        self.billing_details = BillingDetailsResource(self)
        self.payment_methods = PaymentMethods(self)
        self.charging = Charging(self)
        self.charging_sessions = ChargingSessions(self)
        self.debts = Debts(self)
        self.invoices = Invoices(self)
        self.stations = Stations(self)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open" if self._transport else "not open"
        return (
            f"<CariqaClient base_url={str(self._base_url)!r} concurrency={self._concurrency} "
            f"{state}>"
        )

    # --- lifecycle --------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API's origin, e.g. ``https://connect.cariqa.com``."""
        return str(self._base_url)

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    async def open(self) -> CariqaClient:
        """Create the HTTP session (or adopt the borrowed one). ``async with`` calls this.

        The client belongs to the event loop that opens it: it cannot be used from
        another one (e.g. a second ``asyncio.run``).

        Raises:
            ClientClosedError: the client was already closed, or was opened in
                another event loop; create a new one.
        """
        if self._closed:
            raise ClientClosedError("this CariqaClient is closed; create a new one")
        if self._transport is not None:
            self._check_loop()
        else:
            self._loop = asyncio.get_running_loop()
            session = self._borrowed
            if session is None:
                session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=self._concurrency),
                )
                # aiohttp >= 3.13 silently resends an idempotent request once when
                # the server drops the connection. Our retry policy owns retrying
                # (backoff, max_retries, stats), so turn that off on our own session;
                # a borrowed session is left exactly as its owner configured it.
                if hasattr(session, "_retry_connection"):
                    session._retry_connection = False
                self._session = session
            self._transport = Transport(
                session,
                origin=self._base_url,
                headers={
                    "Authorization": Secret(f"Bearer {self._token.reveal()}"),
                    "Accept": "application/json",
                    "User-Agent": self._user_agent,
                },
                timeout=self._timeout,
                max_response_size=self._max_response_size,
            )
        return self

    async def aclose(self) -> None:
        """Close the session the client created (a borrowed one stays open). Idempotent.

        Calls still running in other tasks (a ``get()`` awaiting its response, the
        requests of an ``iter()`` or ``iter_many()``, also those queued for a slot
        or waiting to retry) are stopped at once and raise ``ClientClosedError``;
        so does every call made afterwards.

        Called from an event loop other than the one that opened the client, it
        only marks the client closed: the session's connections belong to the
        other loop and cannot be closed from this one.
        """
        self._closed = True
        self._transport = None
        self._callers.stop_all()
        session, self._session = self._session, None
        if session is not None and _running_loop() is self._loop:
            await session.close()

    def __del__(self) -> None:
        # Only a warning: closing here would need the event loop, which may be
        # gone ("Event loop is closed") or be another thread's.
        if getattr(self, "_session", None) is not None and not self._closed:
            warnings.warn(
                f"unclosed CariqaClient created at {self._created_at}: use "
                "`async with CariqaClient(...) as client:` or `await client.aclose()`",
                ResourceWarning,
                stacklevel=1,
                source=self,
            )

    async def __aenter__(self) -> CariqaClient:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _require_open(self) -> Transport:
        if self._transport is None:
            if self._closed:
                raise ClientClosedError("this CariqaClient is closed; create a new one")
            raise ClientClosedError(
                "this CariqaClient is not open: use `async with CariqaClient(...) as client:` "
                "or `await client.open()`"
            )
        self._check_loop()
        return self._transport

    def _check_loop(self) -> None:
        """Refuse use from an event loop other than the one that opened the client.

        aiohttp's connections are bound to that loop; reusing them from another
        one fails deep inside with ``RuntimeError: Event loop is closed``.
        """
        loop = _running_loop()
        if loop is not None and loop is not self._loop:
            raise ClientClosedError(
                "this CariqaClient was opened in another event loop (e.g. an earlier "
                "asyncio.run); a client belongs to the loop that opened it: create and "
                "open a new one in this loop"
            )

    # --- requests ---------------------------------------------------------------

    @_stopped_by_aclose
    async def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, object] | None = None,
        *,
        json: object = None,
        idempotent: bool = True,
        read_timeout: float | None = None,
        tries: _Tries | None = None,
    ) -> _Reply:
        """Send a request with retries; return its status, JSON body (``None`` for 204)
        and where it went. ``tries`` learns what the failed attempts may have done.

        Raises:
            APIError: an error status, after retries where retryable.
            TransportError: no response, after retries.
            DecodeError, ResponseTooLargeError: an unusable body.
            ClientClosedError: the client is not open.
        """
        transport = self._require_open()
        query = _protocol.query(params or {})
        where = _protocol.describe(path, query)
        body = None if json is None else orjson.dumps(json)
        policy = self._retry
        started = policy.clock()
        deadline = None if policy.deadline is None else started + policy.deadline

        def on_retry(exc: BaseException, retry_number: int, wait: float) -> None:
            if tries is not None and may_have_acted(exc):
                tries.may_have_acted = True
            reason = _retry_reason(exc)
            self.stats.retries += 1
            self.stats.retries_by_reason[reason] = self.stats.retries_by_reason.get(reason, 0) + 1
            logger.warning(
                "%s %s failed (%s); retry %d/%d in %.2fs",
                method,
                where,
                reason,
                retry_number,
                policy.max_retries,
                wait,
            )

        # The first attempt runs without tenacity: building its executor and
        # iterating it costs more than a small page's JSON (~40 us a request, a
        # third of the SDK's own overhead per request). Only a retryable failure
        # starts it, with that failure replayed as its first attempt, so every
        # decision (waits, stops, deadline, on_retry) is exactly tenacity's.
        replay: list[_RequestError] = []
        try:
            status, data = await self._attempt(
                transport, method, path, query, body, where, deadline, read_timeout
            )
        except _RequestError as exc:
            if not should_retry(exc, idempotent=idempotent) or policy.max_retries == 0:
                exc.attempts = 1
                raise
            replay.append(exc)  # raised again below, outside this `except`: no chained context
        else:
            return _Reply(status, data, where)
        attempts = 0
        try:
            async for attempt in retrying(
                policy, idempotent=idempotent, on_retry=on_retry, started=started
            ):
                with attempt:
                    attempts += 1
                    if replay:
                        raise replay.pop()
                    status, data = await self._attempt(
                        transport, method, path, query, body, where, deadline, read_timeout
                    )
                    return _Reply(status, data, where)
        except _RequestError as exc:
            exc.attempts = attempts
            raise
        raise AssertionError("unreachable: tenacity returns or raises")  # pragma: no cover

    async def _admit(self, method: str, where: str, deadline: float | None) -> float | None:
        """Take a throttle slot; with a deadline, within it, and return the time left.

        Raises:
            CariqaTimeoutError: the deadline passed before the request could be sent.
        """
        throttle = self.throttle
        if deadline is None:
            await throttle.acquire()
            return None
        left = deadline - self._retry.clock()
        if left > 0:
            try:
                # Only calls with a deadline pay for wait_for's task.
                await asyncio.wait_for(throttle.acquire(), left)
            except asyncio.TimeoutError:
                left = 0
            else:
                left = deadline - self._retry.clock()
                if left <= 0:
                    throttle.release()
        if left <= 0:
            raise CariqaTimeoutError(
                f"deadline of {self._retry.deadline:g}s passed", method=method, path=where
            )
        return left

    async def _attempt(
        self,
        transport: Transport,
        method: str,
        path: str,
        query: _protocol.Query,
        body: bytes | None,
        where: str,
        deadline: float | None,
        read_timeout: float | None = None,
    ) -> tuple[int, Any]:
        stats = self.stats
        throttle = self.throttle
        left = await self._admit(method, where, deadline)
        try:
            stats.requests += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
            started = time.perf_counter()
            try:
                response = await transport.send(
                    method, path, query, body=body, where=where, total=left, read=read_timeout
                )
            finally:
                stats.in_flight -= 1
        finally:
            throttle.release()
        if response.status == 429:
            stats.rate_limited += 1
            retry_after = _protocol.parse_retry_after(
                response.headers.get("Retry-After"), datetime.now(timezone.utc)
            )
            # The shared pause stops every request of the client: never longer than
            # the longest wait this client accepts. A longer Retry-After fails only
            # the request that received it (the retry policy refuses to wait).
            if retry_after is not None:
                retry_after = min(retry_after, self._retry.max_retry_after)
            throttle.rate_limited(retry_after)
        elif response.status < 500:
            throttle.succeeded()
        if throttle.waiting:
            # Our slot just woke the next request; let it reach the socket before
            # this task spends a millisecond decoding JSON (the loop is FIFO).
            await asyncio.sleep(0)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d (%d bytes, %.1f ms)",
                method,
                where,
                response.status,
                len(response.body),
                (time.perf_counter() - started) * 1000,
            )
        if response.status >= 300:
            raise _protocol.error_for(
                response,
                method=method,
                path=where,
                now=datetime.now(timezone.utc),
                secret=self._token.reveal(),
            )
        if response.status == 204:
            return 204, None
        return response.status, _protocol.decode_json(
            response, method=method, path=where, secret=self._token.reveal()
        )

    def _schema_error(
        self, method: str, where: str, status: int
    ) -> Callable[[str, str], SchemaError]:
        def make(field: str, message: str) -> SchemaError:
            return SchemaError(
                f"unexpected response: {field or 'body'}: {message}",
                method=method,
                path=where,
                status=status,
                field=field,
            )

        return make

    async def _call(
        self,
        endpoint: Endpoint[Any],
        path_args: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        body: Mapping[str, object] | None = None,
        read_timeout: float | None = None,
    ) -> Any:
        """Call one operation: the one way every resource method reaches the API.

        ``read_timeout`` overrides the client's ``Timeout.read`` for this call.

        Returns the model, a :class:`Page` of models, a tuple of models or ``None``,
        as the endpoint's shape says.

        A call that must not run twice (``endpoint.idempotent`` false) is retried
        only when it provably never reached the API (429, refused, connect
        timeout); any other failure after sending becomes :class:`OutcomeUnknownError`.

        Raises:
            InvalidArgumentError: a path argument could change the path, or
                ``read_timeout`` is not a positive number of seconds.
            OutcomeUnknownError: a non-idempotent call may have run (reset, read
                timeout, 5xx, unusable 2xx body); ``__cause__`` says what failed.
            ClientClosedError, APIError, TransportError, ResponseError: as
                :meth:`_request`; SchemaError names the field and the status received.
        """
        self._require_open()
        path = endpoint.render(path_args or {})
        if read_timeout is not None:
            _options.seconds("timeout", read_timeout, error=InvalidArgumentError)
        if endpoint.idempotent:
            done = endpoint.done_if_retried
            tries = _Tries()
            try:
                reply = await self._request(
                    endpoint.method, path, query, json=body, read_timeout=read_timeout, tries=tries
                )
            except APIError as exc:
                # Only an earlier attempt that may have reached the API can have done
                # it; after 429s alone, the answer is about the state before the call.
                if done is not None and isinstance(exc, done) and tries.may_have_acted:
                    # An earlier attempt did it (its answer was lost): done.
                    logger.info("%s %s: done by an earlier attempt", endpoint.method, exc.path)
                    return None
                raise
            return self._shape(endpoint, reply)
        try:
            reply = await self._request(
                endpoint.method,
                path,
                query,
                json=body,
                idempotent=False,
                read_timeout=read_timeout,
            )
            return self._shape(endpoint, reply)
        except (TransportError, ServerError, ResponseError) as exc:
            if isinstance(exc, TransportError) and not exc.sent:
                raise  # it never reached the API: the outcome is known
            cause = exc
            failure = OutcomeUnknownError(
                f"{endpoint.operation_id} may or may not have run: {exc.message}; "
                "not retried, as it must not run twice",
                method=endpoint.method,
                path=exc.path,
                operation=endpoint.operation_id,
            )
        raise failure from cause

    def _shape(self, endpoint: Endpoint[Any], reply: _Reply) -> Any:
        """The endpoint's result from a successful reply, by its shape."""
        on_error = self._schema_error(endpoint.method, reply.where, reply.status)
        structurer = self._structurer
        if structurer.strict and reply.status != endpoint.status:
            raise on_error("", f"expected HTTP {endpoint.status}, got {reply.status}")
        shape = endpoint.shape
        if shape == "none":
            return None
        model = endpoint.model
        if shape == "object":
            return structurer.one(reply.data, model, on_error)
        if shape == "array":
            return tuple(structurer.array(reply.data, model, on_error))
        return endpoint.page_format.build(
            structurer, reply.data, model, on_error=on_error, where=reply.where, status=reply.status
        )

    def _walk(
        self,
        endpoint: Endpoint[Any],
        path_args: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        *,
        page_size: int = 100,
        concurrency: int | None = None,
        ordered: bool = True,
        max_passes: int | None = None,
        on_inconsistent: OnInconsistent | None = None,
        verify: bool | None = None,
        batched: bool = False,
        records: bool = False,
    ) -> PageWalk[Any]:
        """Every item of a paginated operation, pages fetched concurrently (see
        :mod:`._pagination`); with ``records`` the API's checked dicts, not models.

        Raises:
            InvalidArgumentError: a path argument or an option is unusable.
            ClientClosedError: the client is not open.
        """
        self._require_open()
        path = endpoint.render(path_args or {})
        defaults = self._walk_defaults
        # WalkOptions checks each option and raises InvalidArgumentError.
        options = attrs.evolve(
            defaults,
            page_size=page_size,
            window=concurrency if concurrency is not None else defaults.window,
            ordered=ordered,
            max_passes=max_passes if max_passes is not None else defaults.max_passes,
            on_inconsistent=on_inconsistent
            if on_inconsistent is not None
            else defaults.on_inconsistent,
            verify=verify if verify is not None else defaults.verify,
        )
        structurer = self._structurer
        model = endpoint.model
        if endpoint.shape != "page":
            raise TypeError(f"{endpoint.operation_id} is not a paginated operation")
        base = dict(query or {})
        strict = structurer.strict
        read = endpoint.page_format.read

        async def fetch(number: int, size: int) -> RawPage:
            reply = await self._request("GET", path, {**base, **page_params(number, size)})
            on_error = self._schema_error("GET", reply.where, reply.status)
            return read(
                reply.data,
                number,
                where=reply.where,
                status=reply.status,
                strict=strict,
                on_error=on_error,
            )

        def structure(page: RawPage) -> list[Any]:
            on_error = self._schema_error("GET", page.where, page.status)
            if records:
                return structurer.check_many(page.results, model, on_error, where=page.items_at)
            return structurer.many(page.results, model, on_error, where=page.items_at)

        key = endpoint.record_key if records else endpoint.model_key
        return PageWalk(fetch, structure, key, options, path=path, batched=batched)


@attrs.define(slots=True)
class _Tries:
    """What the failed attempts of one request may have done (see ``_request``)."""

    may_have_acted: bool = False


@attrs.frozen(slots=True)
class _Reply:
    """A successful exchange: status, decoded body, and the path and query sent."""

    status: int
    data: Any
    where: str


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # called outside a loop, e.g. iter() from sync code
        return None


def _caller_site() -> str:
    """``file:line`` of the code that created the client, for the unclosed warning.

    Cheap (a few frame hops, no stack formatting): it runs in every constructor.
    """
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _retry_reason(exc: BaseException) -> str:
    if isinstance(exc, APIError):
        return str(exc.status)
    if isinstance(exc, CariqaTimeoutError):
        return "timeout"
    if isinstance(exc, TransportError):
        return "connection"
    return "decode"
