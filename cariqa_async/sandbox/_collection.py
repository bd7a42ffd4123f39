"""The generic home of a resource's records: one :class:`Collection` per owner and resource.

A collection is a user's sessions (or, later, payment methods, invoices ...), or
the users themselves. It holds:

* the order: a :class:`KeySequence` of integer keys; seeded records are keys
  ``0..n-1``, computed on demand by the resource's generator, so an untouched
  collection of a million records is one ``range``;
* the overlay: the records created or edited at run time, whole;
* deletion: taking a key out of the order (the overlay and cache forget it too).

Rendered bodies live in the store's shared, bounded :class:`RenderCache`, which
is what makes serving a page cheap. A :class:`Kind` declares how a resource
seeds a collection. Collections do not lock: the store's lock guards them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from ._sequence import KeySequence

if TYPE_CHECKING:
    from ._store import Store

__all__ = ["Collection", "Generate", "Kind", "Record", "RenderCache"]

Record = dict[str, Any]
#: A generator of one owner's seeded records: key -> record.
Generate = Callable[[int], Record]

_OWNER_BITS = 40


class Kind(NamedTuple):
    """How a resource seeds each owner's collection (a resource module declares one).

    Attributes:
        tag: Tells the resource's cache entries apart from other resources'.
        seeded: ``seeded(store, owner)``: how many records the owner is seeded with.
        generator: ``generator(store, owner)``: the owner's :data:`Generate`.
        first_created: The first key of records created at run time (kept apart
            from seeded keys, so their ids never collide).
    """

    tag: int
    seeded: Callable[[Store, int], int]
    generator: Callable[[Store, int], Generate]
    first_created: int


def _dumps(value: object) -> bytes:
    # orjson hands back its over-allocated (4 kB+) output buffer; an exact copy
    # keeps a cache of small bodies a third of the size.
    return bytes(memoryview(orjson.dumps(value)))


class RenderCache:
    """A bounded LRU of rendered bodies, shared by every collection of a store.

    Args:
        size: How many bodies to keep; 0 disables the cache.
    """

    __slots__ = ("bodies", "size")

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError("the cache size must be >= 0")
        self.size = size
        self.bodies: OrderedDict[tuple[int, int], bytes] = OrderedDict()


class Collection:
    """One owner's records of one resource, in server order.

    Args:
        kind: The resource's declaration.
        owner: The owner's index (a user's; 0 for the users themselves).
        seeded: How many seeded records the owner has (keys ``0..seeded-1``).
        generate: Computes a seeded record from its key.
        cache: The store's render cache.
    """

    __slots__ = ("_cache", "_generate", "_keys", "_next", "_overlay", "_prefix")

    def __init__(
        self, kind: Kind, owner: int, seeded: int, generate: Generate, cache: RenderCache
    ) -> None:
        self._keys = KeySequence([range(seeded)])
        self._generate = generate
        self._overlay: dict[int, Record] = {}
        self._cache = cache
        self._prefix = kind.tag << _OWNER_BITS | owner
        self._next = max(kind.first_created, seeded)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[int]:
        return iter(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def key_at(self, index: int) -> int:
        """Return the key at position ``index``.

        Raises:
            IndexError: If there is no such position.
        """
        return self._keys.at(index)

    def record(self, key: int) -> Record:
        """Return the current record of ``key`` (do not mutate it; see :meth:`update`)."""
        record = self._overlay.get(key)
        return self._generate(key) if record is None else record

    def render(self, key: int) -> bytes:
        """Return the record of ``key`` as JSON bytes, from the cache when it can."""
        cache = self._cache
        cache_key = (self._prefix, key)
        body = cache.bodies.get(cache_key)
        if body is not None:
            cache.bodies.move_to_end(cache_key)
            return body
        body = _dumps(self.record(key))
        if cache.size:
            cache.bodies[cache_key] = body
            if len(cache.bodies) > cache.size:
                cache.bodies.popitem(last=False)
        return body

    def page(self, start: int, stop: int) -> list[bytes]:
        """Return the rendered records at positions ``start <= i < stop`` (clamped)."""
        return [self.render(key) for key in self._keys.slice(start, stop)]

    def create(self, at: int, records: Iterable[Callable[[int], Record]]) -> list[int]:
        """Insert new records before position ``at``; return their keys.

        Each of ``records`` is called with the new record's key and returns the
        record (ids are made from keys).

        Raises:
            IndexError: If ``at`` is outside ``0 <= at <= len(self)``.
        """
        if not 0 <= at <= len(self._keys):
            raise IndexError(f"insert position {at} outside 0..{len(self._keys)}")
        makers = list(records)
        keys = range(self._next, self._next + len(makers))
        self._next += len(makers)
        for key, make in zip(keys, makers, strict=True):
            self._overlay[key] = make(key)
        self._keys.insert(at, keys)
        return list(keys)

    def update(self, key: int, changes: Mapping[str, Any]) -> Record:
        """Change some top-level fields of a record; return the new record.

        Raises:
            KeyError: If ``key`` is not in the collection.
        """
        if key not in self._keys:
            raise KeyError(key)
        record = {**self.record(key), **changes}
        self._overlay[key] = record
        self._cache.bodies.pop((self._prefix, key), None)
        return record

    def delete_at(self, at: int, count: int) -> list[int]:
        """Delete ``count`` records from position ``at`` on; return their keys in order.

        Raises:
            IndexError: If the span is not inside the collection or ``count < 0``.
        """
        if count < 0 or not 0 <= at <= at + count <= len(self._keys):
            raise IndexError(f"cannot delete {count} records at {at}")
        removed = self._keys.delete(at, count)
        self._forget(removed)
        return removed

    def delete(self, keys: Iterable[int]) -> None:
        """Delete the records of ``keys`` (the caller checked they are all present).

        Raises:
            KeyError: If a key is not in the collection (earlier ones are deleted).
        """
        keys = list(keys)
        for key in keys:
            self._keys.remove(key)
        self._forget(keys)

    def _forget(self, keys: Iterable[int]) -> None:
        for key in keys:
            self._overlay.pop(key, None)
            self._cache.bodies.pop((self._prefix, key), None)
