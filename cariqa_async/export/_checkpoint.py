"""The checkpoint: which users are completely in the output, made durable in groups."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ._files import complete_lines, fsync_file

_VERSION = 1


class CheckpointError(Exception):
    """The checkpoint does not belong to this export (other format or not ours)."""


class Checkpoint:
    """An append-only log: a header line, then one line per completed user.

    ``record`` only buffers; ``append`` writes and fsyncs. The exporter appends a
    batch only after fsyncing the output it flushed before taking that batch, so
    every user in a durable checkpoint has all its records durably in the output.
    """

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = path
        self._header = {"cariqa_async_export": _VERSION, **header}
        self._pending: list[bytes] = []
        self._handle: BinaryIO | None = None

    def load(self) -> dict[str, int]:
        """Users completed by earlier runs -> their session counts.

        Raises:
            CheckpointError: the file is not a checkpoint of an export like this one.
        """
        done: dict[str, int] = {}
        lines = complete_lines(self.path)
        try:
            header = orjson.loads(next(lines))
        except (StopIteration, orjson.JSONDecodeError):
            raise CheckpointError(f"{self.path} is not a cariqa-async checkpoint") from None
        if header != self._header:
            raise CheckpointError(
                f"{self.path} belongs to a different export ({header.get('format', '?')})"
            )
        for line in lines:
            try:
                entry = orjson.loads(line)
                done[entry["user_id"]] = entry["sessions"]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                continue
        return done

    def start(self, *, fresh: bool) -> None:
        """Open for appending; ``fresh`` writes a new header first."""
        self._handle = self.path.open("wb" if fresh else "ab")
        if fresh:
            self._handle.write(orjson.dumps(self._header) + b"\n")
            fsync_file(self._handle)

    def record(self, user_id: str, sessions: int) -> None:
        """Note a completed user; durable only after :meth:`append`."""
        self._pending.append(orjson.dumps({"user_id": user_id, "sessions": sessions}) + b"\n")

    def take(self) -> list[bytes]:
        """The users recorded since the last call, to hand to :meth:`append`."""
        batch, self._pending = self._pending, []
        return batch

    def append(self, batch: list[bytes]) -> None:
        """Write ``batch`` and fsync. Safe in a worker thread: only the committer calls it."""
        assert self._handle is not None, "start() first"
        self._handle.writelines(batch)
        fsync_file(self._handle)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
