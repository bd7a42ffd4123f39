"""The state one sandbox server shares between its handlers and its controls."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from aiohttp import web

from ._stats import Counters

if TYPE_CHECKING:
    from ._faults import FaultPlan
    from ._store import Store

__all__ = ["STATE", "Gate", "SandboxState", "Tokens"]


class Tokens:
    """The accepted bearer tokens; replaceable from any thread."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self._lock = threading.Lock()
        self._tokens: tuple[str, ...] = tuple(dict.fromkeys(tokens))
        if not self._tokens or not all(self._tokens):
            raise ValueError("at least one non-empty token is required")

    def __contains__(self, token: object) -> bool:
        return token in self._tokens

    @property
    def all(self) -> tuple[str, ...]:
        """The tokens in the order they were added."""
        return self._tokens

    def add(self, token: str) -> None:
        """Accept one more token (rotation: old and new are live at once)."""
        if not token:
            raise ValueError("a token must not be empty")
        with self._lock:
            self._tokens = tuple(dict.fromkeys((*self._tokens, token)))

    def revoke(self, token: str) -> None:
        """Stop accepting a token; requests with it get 403 from now on."""
        with self._lock:
            self._tokens = tuple(t for t in self._tokens if t != token)


class Gate:
    """Holds API requests while closed, so tests can pile up concurrent requests.

    ``hold`` may be called from any thread; ``release`` must run on the server's
    loop (the threaded sandbox hands it over), because it wakes asyncio waiters.
    """

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    @property
    def held(self) -> bool:
        """Whether new API requests wait."""
        return self._event is not None

    def hold(self) -> None:
        """Make API requests wait from now on, until :meth:`release`."""
        if self._event is None:
            # Since Python 3.10 an Event binds its loop on first wait, not here.
            self._event = asyncio.Event()

    def release(self) -> None:
        """Let the waiting requests and all later ones through."""
        event, self._event = self._event, None
        if event is not None:
            event.set()

    async def wait(self) -> None:
        """Return once the gate is open."""
        event = self._event
        if event is not None:
            await event.wait()


class SandboxState:
    """Everything the handlers read and the controls change.

    Args:
        store: The data.
        faults: The fault plan.
        tokens: The accepted tokens.
        page_size: DRF's default page size.
        max_page_size: DRF's ``max_page_size`` (larger requests are capped).
        doc_variants: Serve the shapes Cariqa's docs show where they differ from
            the spec (NOTES.md, "Known drift"): debts' and setup intents'
            ``client_secret``, the invoices' ``{size, next_page_id, ...}`` envelope.
    """

    def __init__(
        self,
        store: Store,
        faults: FaultPlan,
        tokens: Tokens,
        page_size: int,
        max_page_size: int,
        doc_variants: bool = False,
    ) -> None:
        if page_size < 1 or max_page_size < 1:
            raise ValueError("page_size and max_page_size must be >= 1")
        self.store = store
        self.faults = faults
        self.tokens = tokens
        self.page_size = page_size
        self.max_page_size = max_page_size
        self.doc_variants = doc_variants
        self.counters = Counters()
        self.gate = Gate()


STATE: web.AppKey[SandboxState] = web.AppKey("cariqa_sandbox_state", SandboxState)
