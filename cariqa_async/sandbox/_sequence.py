"""An ordered sequence of integer keys stored as runs of consecutive keys.

A user's sessions, newest first, are the keys ``0..n-1`` until a test mutates
them; insertions add a run of fresh keys and deletions split runs. So even a
million-session user costs a handful of ``range`` objects, and slicing a page
walks only the runs, not the keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["KeySequence"]


class KeySequence:
    """A list-like, mutable sequence of distinct non-negative integer keys.

    Args:
        runs: Ranges with step 1, in order; empty ones are dropped.
    """

    __slots__ = ("_len", "_runs")

    def __init__(self, runs: Iterable[range] = ()) -> None:
        self._runs = [r for r in runs if len(r)]
        if any(r.step != 1 for r in self._runs):
            raise ValueError("runs must have step 1")
        self._len = sum(len(r) for r in self._runs)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[int]:
        for run in self._runs:
            yield from run

    def __contains__(self, key: object) -> bool:
        return any(key in run for run in self._runs)

    def __repr__(self) -> str:
        return f"KeySequence({self._runs!r})"

    @property
    def runs(self) -> tuple[range, ...]:
        """The runs, in order (for inspection)."""
        return tuple(self._runs)

    def slice(self, start: int, stop: int) -> list[int]:
        """Return the keys at positions ``start <= i < stop`` (clamped like a list slice)."""
        start, stop = max(start, 0), min(stop, self._len)
        out: list[int] = []
        offset = 0
        for run in self._runs:
            if offset >= stop:
                break
            end = offset + len(run)
            if end > start:
                out.extend(run[max(start - offset, 0) : stop - offset])
            offset = end
        return out

    def at(self, index: int) -> int:
        """Return the key at ``index`` (0-based, no negative indexing).

        Raises:
            IndexError: If ``index`` is outside ``0 <= index < len(self)``.
        """
        if not 0 <= index < self._len:
            raise IndexError(index)
        for run in self._runs:
            if index < len(run):
                return run[index]
            index -= len(run)
        raise AssertionError("unreachable: lengths are consistent")  # pragma: no cover

    def _split(self, index: int) -> int:
        """Make a run boundary at position ``index``; return the number of runs before it."""
        offset = 0
        for i, run in enumerate(self._runs):
            if index == offset:
                return i
            if index < offset + len(run):
                cut = index - offset
                self._runs[i : i + 1] = [run[:cut], run[cut:]]
                return i + 1
            offset += len(run)
        return len(self._runs)

    def insert(self, index: int, keys: range) -> None:
        """Insert a run of new keys before position ``index``.

        Raises:
            IndexError: If ``index`` is outside ``0 <= index <= len(self)``.
            ValueError: If ``keys`` has a step other than 1.
        """
        if not 0 <= index <= self._len:
            raise IndexError(index)
        if keys.step != 1:
            raise ValueError("keys must have step 1")
        if not keys:
            return
        i = self._split(index)
        self._runs.insert(i, keys)
        self._len += len(keys)

    def delete(self, index: int, count: int) -> list[int]:
        """Delete ``count`` keys from position ``index`` on; return them in order.

        Raises:
            IndexError: If the span does not lie inside the sequence or ``count < 0``.
        """
        if count < 0 or not 0 <= index <= index + count <= self._len:
            raise IndexError((index, count))
        first = self._split(index)
        last = self._split(index + count)
        removed = self._runs[first:last]
        del self._runs[first:last]
        self._len -= count
        return [key for run in removed for key in run]

    def remove(self, key: int) -> int:
        """Remove one key; return the position it had.

        Raises:
            KeyError: If the key is not in the sequence.
        """
        offset = 0
        for i, run in enumerate(self._runs):
            if key in run:
                cut = key - run.start
                self._runs[i : i + 1] = [r for r in (run[:cut], run[cut + 1 :]) if r]
                self._len -= 1
                return offset + cut
            offset += len(run)
        raise KeyError(key)
