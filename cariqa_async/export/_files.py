"""Durable file operations: fsync'd appends and atomic, crash-safe rewrites."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO


def fsync_file(handle: BinaryIO) -> None:
    """Flush Python's and the OS's buffers of ``handle`` to the disk."""
    handle.flush()
    os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (no-op where unsupported)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def complete_lines(path: Path) -> Iterator[bytes]:
    """The newline-terminated lines of ``path``; a torn last line is dropped."""
    with path.open("rb") as handle:
        for line in handle:
            if line.endswith(b"\n"):
                yield line


def rewrite(path: Path, lines: Callable[[], Iterator[bytes]]) -> None:
    """Replace ``path`` with ``lines()`` atomically: a crash leaves old or new, whole."""
    temporary = path.with_name(f".{path.name}.rewrite")
    with temporary.open("wb") as out:
        out.writelines(lines())
        fsync_file(out)
    os.replace(temporary, path)
    fsync_dir(path.parent)


def drop_torn_tail(path: Path) -> None:
    """Cut ``path`` after its last newline: what follows is a write killed midway."""
    with path.open("r+b") as handle:
        end = handle.seek(0, os.SEEK_END)
        position = end
        while position > 0:
            step = min(1 << 16, position)
            handle.seek(position - step)
            chunk = handle.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                position = position - step + newline + 1
                break
            position -= step
        if position != end:
            handle.truncate(position)
            fsync_file(handle)
