"""The sandbox's data: every collection of every owner, generated from one seed.

Only the shape of the data set is stored up front (each user's seeded session
count); a collection is made the first time its owner's records are touched,
and its records are generated on demand (see :mod:`._collection`). One
re-entrant lock guards every collection; it is never held across an await, so
controls may be called from any thread while the server renders pages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

from ._collection import Collection, Kind, RenderCache
from ._data import ANCHOR_US, DAY, Draws
from ._ids import MAX_USERS

__all__ = ["CLOCK_START_US", "DEFAULT_CACHE_SIZE", "Store"]

R = TypeVar("R")

#: Rendered bodies kept in memory (a session is about 1.3 kB). Enough for the whole
#: default data set (~30k sessions): an LRU smaller than a sequential read-through
#: evicts every body just before it is needed again.
DEFAULT_CACHE_SIZE: Final = 40_000
#: Where the sandbox clock starts: a day after the data set's "now", so after
#: every seeded session has ended (µs since the epoch).
CLOCK_START_US: Final = ANCHOR_US + DAY


class Store:
    """Every record of one sandbox, by resource and owner, generated from a seed.

    Args:
        seed: The data set's seed.
        counts: How many sessions each user is seeded with; its length is the
            number of users.
        cache_size: How many rendered bodies to keep (0 disables the cache).

    Raises:
        ValueError: On a negative count or cache size, or too many users.
    """

    def __init__(
        self, seed: int, counts: Sequence[int], *, cache_size: int = DEFAULT_CACHE_SIZE
    ) -> None:
        if any(c < 0 for c in counts) or cache_size < 0 or len(counts) > MAX_USERS:
            raise ValueError("session counts and cache size must be >= 0")
        self.seed = seed
        self.draws = Draws(seed)
        #: Sessions each user is seeded with (its length: the seeded users).
        self.session_counts: tuple[int, ...] = tuple(counts)
        #: The sandbox clock (µs since the epoch): moves only when told to
        #: (``advance_time``), so a run is reproducible; hold :attr:`lock`.
        self.now_us = CLOCK_START_US
        #: Sessions started through the API and still running: user -> their facts
        #: (see ``resources/charging.py``); hold :attr:`lock`.
        self.running: dict[int, Any] = {}
        #: Counts the fresh secrets handed out (setup intents, payment intents).
        self.serial = 0

        self.cache = RenderCache(cache_size)
        self._lock = threading.RLock()
        self._collections: dict[tuple[int, int], Collection] = {}
        #: EVSE statuses changed at run time, by EVSE id, over the seeded ones
        #: (see ``resources/stations.py``); hold :attr:`lock` to read or change.
        self.evse_statuses: dict[str, str] = {}

    @property
    def lock(self) -> threading.RLock:
        """The lock every read and change of a collection holds."""
        return self._lock

    def locked(self, read: Callable[[], R]) -> R:
        """Run ``read`` under the store's lock, so counts and items agree."""
        with self._lock:
            return read()

    def next_serial(self) -> int:
        """A number never handed out before by this store (for fresh secrets)."""
        with self._lock:
            self.serial += 1
            return self.serial

    def collection(self, kind: Kind, owner: int) -> Collection:
        """Return ``owner``'s collection of ``kind``, made on first use.

        Hold :attr:`lock` while using it.
        """
        with self._lock:
            collection = self._collections.get((kind.tag, owner))
            if collection is None:
                collection = Collection(
                    kind, owner, kind.seeded(self, owner), kind.generator(self, owner), self.cache
                )
                self._collections[kind.tag, owner] = collection
            return collection
