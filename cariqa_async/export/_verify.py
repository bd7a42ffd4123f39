"""Resuming: check the committed output against the checkpoint, then drop the rest.

An output is trusted only as far as the checkpoint vouches for it: every user the
checkpoint lists must have exactly its recorded number of records in the file,
with the recorded digest of their bytes. Anything less (a deleted, emptied,
truncated or edited file) is refused, never quietly turned into a partial export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from ._files import replace_tail
from ._tally import record_digest, same_digest

#: How many disagreeing users a message names.
_SHOWN = 3


class OutputMismatch(Exception):
    """The output does not hold what the checkpoint says was committed to it."""


class RecordFile(Protocol):
    """How a format's file reads back: its header and its records."""

    @staticmethod
    def header() -> bytes: ...
    @staticmethod
    def records(path: Path, start: int) -> Iterator[tuple[Any, bytes]]: ...


def check(
    path: Path,
    kind: type[RecordFile],
    completed: Mapping[Any, tuple[int, int]],
    checkpoint: Path,
) -> int | None:
    """Check ``path`` against ``completed`` (user -> (records, digest)) in one streaming pass.

    Returns where the first byte :func:`compact` must drop is (a record of a user
    still in progress, a torn tail), or None when the file holds nothing else.

    Raises:
        OutputMismatch: a completed user's records are missing, truncated, extra or
            changed; the file is gone, empty or not this export's format.
    """
    expected = sum(sessions for sessions, _ in completed.values())
    recorded = f"{checkpoint} records {len(completed):,} completed users ({expected:,} sessions)"
    advice = "restore it, or start over with overwrite (--overwrite)"
    if not path.exists():
        if completed:
            raise OutputMismatch(f"{path} is missing, but {recorded}; {advice}")
        return None
    size = path.stat().st_size
    start = _start(path, kind)
    if completed and size == 0:
        raise OutputMismatch(f"{path} is empty, but {recorded}; {advice}")
    if completed and start is None:
        raise OutputMismatch(f"{path} does not start with this export's header; {advice}")
    found: dict[Any, list[int]] = {}
    first_drop = None if start is not None else 0  # no header: rewrite, to put one back
    position = start or 0
    get = completed.get
    for user_id, record in kind.records(path, position):
        if get(user_id) is None:
            if first_drop is None:
                first_drop = position
        else:
            tally = found.get(user_id)
            if tally is None:
                tally = found[user_id] = [0, 0]
            tally[0] += 1
            tally[1] += record_digest(record)
        position += len(record)
    differ = []
    for user_id, (sessions, digest) in completed.items():
        count, got = found.get(user_id, (0, 0))
        if count != sessions:
            differ.append(f"user {user_id!r}: {sessions} records expected, {count} found")
        elif not same_digest(got, digest):
            differ.append(f"user {user_id!r}: {sessions} records, but not the ones written")
    if differ:
        shown = "; ".join(differ[:_SHOWN]) + ("; ..." if len(differ) > _SHOWN else "")
        total = sum(count for count, _ in found.values())
        raise OutputMismatch(
            f"{path} does not match {checkpoint}: {len(differ):,} of {len(completed):,} "
            f"completed users differ ({expected:,} sessions recorded, {total:,} found; "
            f"{shown}). The file changed after the export wrote it: {advice}"
        )
    if first_drop is None and position != size:
        first_drop = position  # a torn tail
    return first_drop


def compact(
    path: Path, kind: type[RecordFile], keep: Callable[[Any], bool], *, start: int | None = None
) -> None:
    """Drop the records of users ``keep`` refuses and a torn tail, crash-safely.

    ``start``: where the first byte to drop is, if :func:`check` found it; else
    it is looked for. The bytes before it stay as they are: only the part of the
    file after it is rewritten. A missing file stays missing.
    """
    if not path.exists():
        return
    if start is None:
        start = _first_drop(path, kind, keep)
        if start is None:
            return
    header = kind.header()

    def tail() -> Iterator[bytes]:
        if start == 0:
            yield header
        for user_id, record in kind.records(path, start or _start(path, kind) or 0):
            if user_id is not None and keep(user_id):
                yield record

    replace_tail(path, start, tail())


def _start(path: Path, kind: type[RecordFile]) -> int | None:
    """Where the records of ``path`` begin; None when it lacks this format's header."""
    header = kind.header()
    with path.open("rb") as handle:
        return len(header) if handle.read(len(header)) == header else None


def _first_drop(path: Path, kind: type[RecordFile], keep: Callable[[Any], bool]) -> int | None:
    start = _start(path, kind)
    if start is None:
        return 0
    position = start
    for user_id, record in kind.records(path, start):
        if user_id is None or not keep(user_id):
            return position
        position += len(record)
    return position if position != path.stat().st_size else None
