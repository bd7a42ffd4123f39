"""Durable file operations: fsync'd appends and atomic, crash-safe rewrites."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Iterator
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


def replace_tail(path: Path, offset: int, tail: Iterable[bytes]) -> None:
    """Replace the bytes of ``path`` from ``offset`` on with ``tail``, crash-safely.

    Only the tail is written, so dropping a few records near the end of a large
    file costs what they cost, not a copy of the file. The new tail is made
    durable first, in a side file that takes its name only once complete (a redo
    log); then ``path`` is cut and the tail appended. A crash at any point
    leaves either the old file untouched or a side file that :func:`finish_tail`
    (called before ``path`` is next read) applies again.
    """
    side = _side_file(path)
    temporary = side.with_name(side.name + ".tmp")
    with temporary.open("wb") as out:
        out.write(b"%d\n" % offset)
        out.writelines(tail)
        fsync_file(out)
    os.replace(temporary, side)
    fsync_dir(path.parent)
    finish_tail(path)


def finish_tail(path: Path) -> None:
    """Apply the side file an interrupted :func:`replace_tail` left; nothing if there is none.

    A side file that cannot belong to ``path`` (gone, or shorter than where the
    tail goes) is left alone: the resume's check then reports what is wrong.
    """
    side = _side_file(path)
    side.with_name(side.name + ".tmp").unlink(missing_ok=True)  # never took its name
    if not side.exists() or not path.exists():
        return
    with side.open("rb") as source, path.open("r+b") as target:
        offset = int(source.readline())
        if target.seek(0, os.SEEK_END) < offset:
            return
        target.truncate(offset)
        target.seek(offset)
        shutil.copyfileobj(source, target, 1 << 20)
        fsync_file(target)
    side.unlink()
    fsync_dir(path.parent)


def side_files(path: Path) -> tuple[Path, Path]:
    """The files :func:`replace_tail` may leave beside ``path``, for a clean start."""
    side = _side_file(path)
    return side, side.with_name(side.name + ".tmp")


def _side_file(path: Path) -> Path:
    return path.with_name(f".{path.name}.tail")
