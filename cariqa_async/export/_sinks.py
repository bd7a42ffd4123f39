"""Where records go: JSON Lines and CSV files, appendable and compactable."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import orjson

from ._files import complete_lines, drop_torn_tail, rewrite
from ._records import columns, flatten, text


class Sink(Protocol):
    """An append-only record file."""

    def write(self, user_id: str, page: list[dict[str, Any]]) -> None: ...
    def flush(self) -> None: ...  # hand everything written to the OS
    def fileno(self) -> int: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...


class _AppendFile:
    """The file half of a sink: appends bytes, flushes, closes."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("ab")

    def _pending(self) -> bytes:
        """Bytes a subclass buffers itself, handed to the file on flush and close."""
        return b""

    def flush(self) -> None:
        self._file.write(self._pending())
        self._file.flush()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        if not self._file.closed:
            self.flush()
            self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed


class JsonlSink(_AppendFile):
    """One JSON object per line, the session's fields with ``user_id`` first."""

    def write(self, user_id: str, page: list[dict[str, Any]]) -> None:
        dumps = orjson.dumps
        self._file.write(b"".join([dumps({"user_id": user_id, **row}) + b"\n" for row in page]))

    @staticmethod
    def keep_only(path: Path, keep: Callable[[str], bool]) -> None:
        """Rewrite ``path`` with the complete records of the users ``keep`` accepts."""

        def lines() -> Iterator[bytes]:
            for line in complete_lines(path):
                try:
                    user_id = orjson.loads(line)["user_id"]
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    continue  # a torn line that happened to end in a newline
                if keep(user_id):
                    yield line

        rewrite(path, lines)


class CsvSink(_AppendFile):
    """Flat columns (``station_info.station_name``...), a stable header, text values."""

    def __init__(self, path: Path) -> None:
        new = not path.exists() or path.stat().st_size == 0
        super().__init__(path)
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")
        self._columns = columns()
        if new:
            self._writer.writerow(self._columns)

    def write(self, user_id: str, page: list[dict[str, Any]]) -> None:
        names = self._columns
        rows = []
        for row in page:
            flat = flatten(row)
            flat["user_id"] = user_id
            rows.append([text(flat.get(name)) for name in names])
        self._writer.writerows(rows)
        if self._buffer.tell() > 1 << 16:
            self._file.write(self._pending())

    def _pending(self) -> bytes:
        # csv writes text; rows collect in a StringIO and go to the file in chunks.
        data = self._buffer.getvalue().encode("utf-8")
        self._buffer.seek(0)
        self._buffer.truncate()
        return data

    @staticmethod
    def keep_only(path: Path, keep: Callable[[str], bool]) -> None:
        """Rewrite ``path`` with the header and the complete rows ``keep`` accepts."""
        width = len(columns())

        def lines() -> Iterator[bytes]:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            with path.open(encoding="utf-8", newline="") as source:
                for index, row in enumerate(csv.reader(source)):
                    # A row torn inside a quoted field parses short: drop it too.
                    if index == 0 or (len(row) == width and keep(row[0])):
                        writer.writerow(row)
                    if out.tell() > 1 << 16:
                        yield out.getvalue().encode("utf-8")
                        out.seek(0)
                        out.truncate()
            yield out.getvalue().encode("utf-8")

        drop_torn_tail(path)
        rewrite(path, lines)
