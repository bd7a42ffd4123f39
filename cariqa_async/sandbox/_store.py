"""The sandbox's data store: seeded users, lazily generated sessions, mutations.

Only the shape of the data set is stored: each user's seeded session count, and
for users a test mutated, a :class:`KeySequence` of session keys plus the start
times of inserted sessions. Session bodies are generated on demand and kept as
rendered JSON bytes in a bounded LRU cache, which is what makes page rendering
cheap. Every public method takes one re-entrant lock, never across an await, so
controls may be called from any thread while the server renders pages.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import orjson

from ._data import INSERTED_BASE, Generator, Timeline
from ._ids import KIND_SESSION, MAX_USERS
from ._sequence import KeySequence

__all__ = ["DEFAULT_CACHE_SIZE", "Store", "UnknownSessionsError"]

R = TypeVar("R")

#: Rendered session bodies kept in memory (about 1.3 kB each). Enough for the whole
#: default data set (~30k sessions): an LRU smaller than a sequential read-through
#: evicts every body just before it is needed again.
DEFAULT_CACHE_SIZE = 40_000

_SECOND = 1_000_000


def _dumps(value: object) -> bytes:
    # orjson hands back its over-allocated (4 kB+) output buffer; an exact copy
    # keeps a cache of small bodies a third of the size.
    return bytes(memoryview(orjson.dumps(value)))


class UnknownSessionsError(KeyError):
    """Some session ids do not belong to the user's current sessions."""

    def __init__(self, ids: Sequence[str]) -> None:
        super().__init__(list(ids))
        self.ids = list(ids)


class _User:
    __slots__ = ("body", "external_id", "id", "seeded")

    def __init__(self, user_id: str, body: bytes, external_id: str | None, seeded: int) -> None:
        self.id = user_id
        self.body = body
        self.external_id = external_id
        self.seeded = seeded


class Store:
    """Users and their sessions, newest first, generated from a seed.

    Args:
        seed: The data set's seed.
        counts: How many sessions each user is seeded with; its length is the
            number of users.
        cache_size: How many rendered session bodies to keep (0 disables the cache).

    Raises:
        ValueError: On a negative count or cache size, or too many users.
    """

    def __init__(
        self, seed: int, counts: Sequence[int], *, cache_size: int = DEFAULT_CACHE_SIZE
    ) -> None:
        if any(c < 0 for c in counts) or cache_size < 0 or len(counts) > MAX_USERS:
            raise ValueError("session counts and cache size must be >= 0")
        self.seed = seed
        self.generator = Generator(seed)
        self._lock = threading.RLock()
        self._users: list[_User] = []
        for index, count in enumerate(counts):
            user = self.generator.user(index)
            self._users.append(
                _User(user["id"], _dumps(user), user["custom_properties"]["external_id"], count)
            )
        self._by_id = {u.id: i for i, u in enumerate(self._users)}
        self._sequences: dict[int, KeySequence] = {}
        self._inserted_starts: dict[int, int] = {}
        self._next_key = INSERTED_BASE
        self._cache: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._cache_size = cache_size

    # -- reading -------------------------------------------------------------------

    def locked(self, read: Callable[[], R]) -> R:
        """Run ``read`` under the store's lock, so counts and items agree."""
        with self._lock:
            return read()

    @property
    def user_count(self) -> int:
        """The number of users."""
        return len(self._users)

    @property
    def user_ids(self) -> list[str]:
        """The ids of all users, in server order."""
        return [u.id for u in self._users]

    def user_index(self, user_id: str) -> int | None:
        """Return the index of the user with this id, or ``None``."""
        return self._by_id.get(user_id)

    def user_body(self, user: int) -> bytes:
        """Return the rendered ``ConnectAPIUser`` of a user index."""
        return self._users[user].body

    def search_users(self, terms: Sequence[str]) -> list[int]:
        """Return the indices of users matching every term, in server order.

        A term matches when it is contained, ignoring case, in the user's id or
        external id (DRF's ``SearchFilter`` with ``icontains`` lookups).
        """
        needles = [t.upper() for t in terms]
        return [
            i
            for i, u in enumerate(self._users)
            if all(n in u.id.upper() or n in (u.external_id or "").upper() for n in needles)
        ]

    def _keys(self, user: int) -> KeySequence:
        seq = self._sequences.get(user)
        if seq is None:
            seq = KeySequence([range(self._users[user].seeded)])
        return seq

    def _timeline(self, user: int) -> Timeline:
        return self.generator.timeline(user, self._users[user].seeded)

    def session_count(self, user: int) -> int:
        """Return how many sessions a user has now."""
        with self._lock:
            return len(self._keys(user))

    def session_page(self, user: int, start: int, stop: int) -> list[bytes]:
        """Return the rendered sessions at positions ``start <= i < stop``, newest first."""
        with self._lock:
            timeline = self._timeline(user)
            return [
                self._render(user, key, timeline) for key in self._keys(user).slice(start, stop)
            ]

    def session_body(self, user: int, session_id: str) -> bytes | None:
        """Return a user's rendered session, or ``None`` if the user has no such session."""
        key = self._own_key(user, session_id)
        with self._lock:
            if key is None or key not in self._keys(user):
                return None
            return self._render(user, key, self._timeline(user))

    def session_ids(self, user: int) -> list[str]:
        """Return the ids of a user's sessions in server order (newest first)."""
        with self._lock:
            keys = list(self._keys(user))
        return [self.generator.session_id(user, k) for k in keys]

    def total_sessions(self) -> int:
        """Return the number of sessions of all users."""
        with self._lock:
            return sum(len(self._keys(i)) for i in range(len(self._users)))

    def _own_key(self, user: int, session_id: str) -> int | None:
        decoded = self.generator.ids.decode(session_id)
        if decoded is None or decoded[0] != KIND_SESSION or decoded[1] != user:
            return None
        return decoded[2]

    def _render(self, user: int, key: int, timeline: Timeline) -> bytes:
        cache_key = (user, key)
        body = self._cache.get(cache_key)
        if body is not None:
            self._cache.move_to_end(cache_key)
            return body
        body = _dumps(self.generator.session(user, key, timeline, self._inserted_starts.get(key)))
        if self._cache_size:
            self._cache[cache_key] = body
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return body

    def _start(self, user: int, key: int, timeline: Timeline) -> int:
        if key >= INSERTED_BASE:
            return self._inserted_starts[key]
        return self.generator.seeded_start(user, key, timeline)

    # -- mutation ------------------------------------------------------------------

    def _mutable_keys(self, user: int) -> KeySequence:
        seq = self._sequences.get(user)
        if seq is None:
            seq = self._sequences[user] = self._keys(user)
        return seq

    def insert_sessions(self, user: int, count: int = 1, at: int = 0) -> list[str]:
        """Insert ``count`` new finished sessions before position ``at``; return their ids.

        New sessions get start times between their neighbours', so the list stays
        ordered newest first; inserted at the head they are newer than every
        existing session (they start after the current head has ended).

        Raises:
            ValueError: If ``count < 0``.
            IndexError: If ``at`` is outside ``0 <= at <= session count``.
        """
        if count < 0:
            raise ValueError("count must be >= 0")
        with self._lock:
            seq = self._keys(user)
            if not 0 <= at <= len(seq):
                raise IndexError(f"insert position {at} outside 0..{len(seq)}")
            timeline = self._timeline(user)
            gap = timeline.gap_us
            if at == 0:
                if len(seq):
                    # Past the head's end: sessions last at most max(60 s, gap / 2).
                    head_end = self._start(user, seq.at(0), timeline) + max(60 * _SECOND, gap // 2)
                    newer = head_end + 2 * _SECOND + count * gap
                else:
                    newer = timeline.anchor_us + gap
                older = newer - (count + 1) * gap
            else:
                newer = self._start(user, seq.at(at - 1), timeline)
                older = (
                    self._start(user, seq.at(at), timeline)
                    if at < len(seq)
                    else newer - (count + 1) * gap
                )
            step = (newer - older) // (count + 1)
            keys = range(self._next_key, self._next_key + count)
            self._next_key += count
            for i, key in enumerate(keys):
                self._inserted_starts[key] = newer - (i + 1) * step
            self._mutable_keys(user).insert(at, keys)
        return [self.generator.session_id(user, k) for k in keys]

    def delete_sessions_at(self, user: int, at: int, count: int = 1) -> list[str]:
        """Delete ``count`` sessions from position ``at`` on; return their ids in order.

        Raises:
            IndexError: If the span is not inside the user's sessions or ``count < 0``.
        """
        with self._lock:
            if count < 0 or not 0 <= at <= at + count <= len(self._keys(user)):
                raise IndexError(f"cannot delete {count} sessions at {at}")
            removed = self._mutable_keys(user).delete(at, count)
        return [self.generator.session_id(user, k) for k in removed]

    def delete_sessions(self, user: int, ids: Iterable[str]) -> list[str]:
        """Delete the sessions with these ids; return them (all or nothing).

        Raises:
            UnknownSessionsError: If any id is not one of the user's current
                sessions (or is repeated); nothing is deleted then.
        """
        ids = list(ids)
        with self._lock:
            seq = self._keys(user)
            keys = [self._own_key(user, i) for i in ids]
            seen: set[int] = set()
            unknown = []
            for session_id, key in zip(ids, keys, strict=True):
                if key is None or key in seen or key not in seq:
                    unknown.append(session_id)
                else:
                    seen.add(key)
            if unknown:
                raise UnknownSessionsError(unknown)
            mutable = self._mutable_keys(user)
            for key in seen:
                mutable.remove(key)
        return ids
