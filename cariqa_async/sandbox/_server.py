"""Running the sandbox: on the caller's event loop, or on its own loop in a thread.

:class:`Sandbox` is the async context manager; :meth:`Sandbox.run_in_thread`
gives a :class:`ThreadedSandbox`, a sync context manager for sync code and the
pytest plugin. Both share :class:`SandboxControls`: data mutation, fault
settings and stats, all safe to call from any thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Final, TypeVar

from aiohttp import web

from ._app import create_app
from ._controls import SandboxControls
from ._data import DEFAULT_DISTRIBUTION, Distribution, session_counts
from ._faults import FaultConfig, FaultPlan
from ._state import SandboxState, Tokens
from ._store import DEFAULT_CACHE_SIZE, Store

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._faults import FaultSettings

__all__ = ["DEFAULT_TOKEN", "DEFAULT_USERS", "Sandbox", "ThreadedSandbox"]

T = TypeVar("T")

#: The token a sandbox accepts unless told otherwise.
DEFAULT_TOKEN: Final = "sandbox-token"  # noqa: S105 (a fake token for a local fake API)
#: The number of users of the default data set.
DEFAULT_USERS: Final = 300


def _counts(
    seed: int, users: int | None, sessions_per_user: Sequence[int] | None, dist: Distribution | None
) -> list[int]:
    if sessions_per_user is not None:
        if users is not None and users != len(sessions_per_user):
            raise ValueError("users must equal len(sessions_per_user) when both are given")
        if dist is not None:
            raise ValueError("give sessions_per_user or distribution, not both")
        return list(sessions_per_user)
    return session_counts(
        seed,
        DEFAULT_USERS if users is None else users,
        DEFAULT_DISTRIBUTION if dist is None else dist,
    )


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class Sandbox(SandboxControls):
    """A local Cariqa Connect API, served on the caller's event loop.

    With no arguments it serves a realistic data set (300 users, some without
    sessions, two with thousands) on ``127.0.0.1`` and a free port.

    Args:
        seed: Seeds the data; the same seed gives byte-identical responses.
        users: Number of users (default 300), session counts drawn from ``distribution``.
        sessions_per_user: Exact session counts, one per user (instead of the above).
        distribution: ``(weight, min, max)`` buckets of session counts.
        tokens: The accepted bearer token(s).
        host: Interface to bind.
        port: Port to bind; 0 picks a free one.
        page_size: The default page size of list endpoints (DRF's ``PAGE_SIZE``).
        max_page_size: Larger ``page_size`` requests are silently capped to this.
        fault_seed: Seeds latency jitter and random faults (default: ``seed``).
        cache_size: Rendered bodies kept in memory.
        shutdown_timeout: Seconds closing waits for running handlers before cancelling.
        doc_variants: Serve the docs' shapes where they differ from the spec:
            ``client_secret`` in debts and setup intents, and the invoices'
            ``{size, next_page_id, prev_page_id, view_link, data}`` envelope.
        fault_settings: The :class:`FaultSettings`, by name:

            * ``latency``: seconds added to every API request;
            * ``jitter``: up to this many extra seconds per request, drawn uniformly;
            * ``fault_rate``: total fault probability, spread evenly over ``fault_kinds``;
            * ``fault_kinds``: kinds ``fault_rate`` covers (default: all of ``FAULT_KINDS``
              but ``"lost"``);
            * ``faults``: explicit probability per fault kind;
            * ``retry_after``: seconds announced by ``429`` answers (default 1);
            * ``stall_time``: seconds a ``"stall"`` fault waits before answering (default 30).

    Raises:
        ValueError: On inconsistent or out-of-range settings.

    Example:
        >>> async with Sandbox(seed=1, users=10) as sb:  # doctest: +SKIP
        ...     headers = {"Authorization": f"Bearer {sb.token}"}
        ...     url = f"{sb.url}/api/v1/users/{sb.user_ids[0]}/charging-sessions/"
    """

    def __init__(
        self,
        *,
        seed: int = 1,
        users: int | None = None,
        sessions_per_user: Sequence[int] | None = None,
        distribution: Distribution | None = None,
        tokens: str | Sequence[str] = DEFAULT_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = 10,
        max_page_size: int = 100,
        fault_seed: int | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        shutdown_timeout: float = 0.25,
        doc_variants: bool = False,
        **fault_settings: Unpack[FaultSettings],
    ) -> None:
        config = FaultConfig.create(**fault_settings)
        store = Store(
            seed, _counts(seed, users, sessions_per_user, distribution), cache_size=cache_size
        )
        super().__init__(
            SandboxState(
                store,
                FaultPlan(config, seed if fault_seed is None else fault_seed),
                Tokens([tokens] if isinstance(tokens, str) else tokens),
                page_size,
                max_page_size,
                doc_variants,
            )
        )
        self._host = host
        self._port = port
        self._shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:41234`` (no trailing slash).

        Raises:
            RuntimeError: If the server is not running.
        """
        if self._url is None:
            raise RuntimeError("the sandbox is not running")
        return self._url

    async def start(self) -> None:
        """Bind and start serving.

        Raises:
            RuntimeError: If already running.
            OSError: If the address cannot be bound.
        """
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        runner = web.AppRunner(
            create_app(self._state),
            access_log=None,
            # A client giving up (timeout) cancels its handler, as a stalled
            # request's in-flight count should end with the connection.
            handler_cancellation=True,
            shutdown_timeout=self._shutdown_timeout,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._url = _url(self._host, runner.addresses[0][1])

    async def close(self) -> None:
        """Stop serving; stalled and held requests are cut off promptly. Idempotent."""
        runner, self._runner, self._url = self._runner, None, None
        if runner is not None:
            self._state.gate.release()
            await runner.cleanup()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def release(self) -> None:
        """Let held API requests, and all later ones, through.

        Call it on the sandbox's event loop (use :class:`ThreadedSandbox` otherwise).
        """
        self._state.gate.release()

    async def wait_in_flight(self, count: int, timeout: float = 5.0) -> None:
        """Wait until at least ``count`` API requests are in flight at once.

        Raises:
            TimeoutError: If that does not happen within ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        reached: asyncio.Future[None] = loop.create_future()

        def resolve() -> None:
            if not reached.done():
                reached.set_result(None)

        def fire() -> None:
            # Counters may fire on another thread (a ThreadedSandbox's server).
            loop.call_soon_threadsafe(resolve)

        cancel = self._state.counters.watch(count, fire)
        try:
            await asyncio.wait_for(reached, timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"fewer than {count} requests in flight after {timeout}s") from None
        finally:
            cancel()

    def run_in_thread(self) -> ThreadedSandbox:
        """Return a :class:`ThreadedSandbox` serving this sandbox from a background thread.

        Example:
            >>> with Sandbox(users=5).run_in_thread() as sb:  # doctest: +SKIP
            ...     print(sb.url)
        """
        return ThreadedSandbox(self)


class ThreadedSandbox(SandboxControls):
    """A :class:`Sandbox` on its own event loop in a daemon thread; a sync context manager.

    Args:
        sandbox: The (not yet started) sandbox to run; default ``Sandbox()``.
        start_timeout: Seconds :meth:`start` waits for the server to come up.
    """

    def __init__(self, sandbox: Sandbox | None = None, *, start_timeout: float = 30.0) -> None:
        self._sandbox = Sandbox() if sandbox is None else sandbox
        super().__init__(self._sandbox.state)
        self._start_timeout = start_timeout
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:41234`` (no trailing slash).

        Raises:
            RuntimeError: If the server is not running.
        """
        return self._sandbox.url

    @property
    def sandbox(self) -> Sandbox:
        """The sandbox being served."""
        return self._sandbox

    async def _serve(self) -> None:
        self._error = None
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            await self._sandbox.start()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await self._sandbox.close()

    def start(self) -> ThreadedSandbox:
        """Start the server thread and wait until it serves.

        Raises:
            RuntimeError: If already started, or the server did not come up in time.
            OSError: If the address cannot be bound.
        """
        if self._thread is not None:
            raise RuntimeError("the sandbox thread is already running")
        self._ready.clear()
        thread = threading.Thread(
            target=asyncio.run, args=(self._serve(),), name="cariqa-sandbox", daemon=True
        )
        thread.start()
        if not self._ready.wait(self._start_timeout):
            raise RuntimeError("the sandbox did not start in time")
        if self._error is not None:
            thread.join()
            raise self._error
        self._thread = thread
        return self

    def close(self) -> None:
        """Stop the server and join its thread. Idempotent."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        thread.join()

    def __enter__(self) -> ThreadedSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _call(self, fn: Callable[[], T]) -> T:
        loop = self._loop
        if loop is None or self._thread is None:
            raise RuntimeError("the sandbox thread is not running")
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(fn())
            except BaseException as exc:  # handed to the calling thread
                done.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return done.result()

    def release(self) -> None:
        """Let held API requests, and all later ones, through.

        Raises:
            RuntimeError: If the server thread is not running.
        """
        self._call(self._state.gate.release)

    def wait_in_flight(self, count: int, timeout: float = 5.0) -> None:
        """Block until at least ``count`` API requests are in flight at once.

        Raises:
            TimeoutError: If that does not happen within ``timeout`` seconds.
        """
        reached = threading.Event()
        cancel = self._state.counters.watch(count, reached.set)
        try:
            if not reached.wait(timeout):
                raise TimeoutError(f"fewer than {count} requests in flight after {timeout}s")
        finally:
            cancel()
