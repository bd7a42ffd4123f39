"""Request counters, safe to read and reset from any thread, with in-flight watchers.

Tests need to know, without sleeping, when N requests are inside the server at
once (for instance to prove a client's concurrency bound). :meth:`Counters.watch`
registers a callback fired (outside the lock) the moment ``in_flight`` reaches a
threshold; the async and the threaded sandbox wrap it in a future or an event.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Counters", "Stats"]


@dataclass(frozen=True)
class Stats:
    """A snapshot of the sandbox's counters.

    Attributes:
        requests: API requests received (control endpoints are not counted).
        faults: Injected faults by kind (``"429"``, ``"drop"``, ...).
        in_flight: API requests being handled right now.
        max_in_flight: The most API requests handled at once since the last reset.
        executed: Handler runs by the spec's ``operationId``: what really reached
            the API's logic (a faulted ``429`` did not; a ``stall`` or ``lost`` did).
    """

    requests: int = 0
    faults: Mapping[str, int] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    executed: Mapping[str, int] = field(default_factory=dict)

    @property
    def total_faults(self) -> int:
        """All injected faults together."""
        return sum(self.faults.values())

    def to_json(self) -> dict[str, Any]:
        """Return the snapshot as the JSON object ``GET /_sandbox/stats`` answers."""
        return {
            "requests": self.requests,
            "faults": dict(self.faults),
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "executed": dict(self.executed),
        }


class Counters:
    """The live, thread-safe counters behind :class:`Stats`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._faults: dict[str, int] = {}
        self._in_flight = 0
        self._max_in_flight = 0
        self._executed: dict[str, int] = {}
        self._watchers: list[tuple[int, Callable[[], None]]] = []

    def enter(self) -> None:
        """Count a request arriving."""
        with self._lock:
            self._requests += 1
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            fired = [cb for n, cb in self._watchers if self._in_flight >= n]
            if fired:
                self._watchers = [(n, cb) for n, cb in self._watchers if self._in_flight < n]
        for callback in fired:
            callback()

    def leave(self) -> None:
        """Count a request finished (answered, failed or cancelled)."""
        with self._lock:
            self._in_flight -= 1

    def fault(self, kind: str) -> None:
        """Count an injected fault."""
        with self._lock:
            self._faults[kind] = self._faults.get(kind, 0) + 1

    def executed(self, operation_id: str) -> None:
        """Count a run of the handler of ``operation_id``."""
        with self._lock:
            self._executed[operation_id] = self._executed.get(operation_id, 0) + 1

    def snapshot(self) -> Stats:
        """Return the current values."""
        with self._lock:
            return Stats(
                self._requests,
                dict(self._faults),
                self._in_flight,
                self._max_in_flight,
                dict(self._executed),
            )

    def reset(self) -> None:
        """Zero the counters; ``max_in_flight`` restarts from the requests in flight now."""
        with self._lock:
            self._requests = 0
            self._faults = {}
            self._executed = {}
            self._max_in_flight = self._in_flight

    def watch(self, threshold: int, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` once ``in_flight >= threshold`` (at once if it already is).

        Returns:
            A function that unregisters the watcher (harmless after it fired).
        """
        entry = (threshold, callback)
        with self._lock:
            reached = self._in_flight >= threshold
            if not reached:
                self._watchers.append(entry)
        if reached:
            callback()

        def cancel() -> None:
            with self._lock:
                if entry in self._watchers:
                    self._watchers.remove(entry)

        return cancel
