"""Where records go: JSON Lines and CSV files, appendable, readable back record by record."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import orjson

from ._records import columns, flatten, text
from ._tally import digest


class Sink(Protocol):
    """An append-only record file."""

    def write(self, user_id: str, page: list[dict[str, Any]]) -> int: ...  # -> digest
    def flush(self) -> None: ...  # hand everything written to the OS
    def fileno(self) -> int: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...


class _AppendFile:
    """The file half of a sink: appends bytes, flushes, closes."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("ab")

    def flush(self) -> None:
        self._file.flush()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()

    @property
    def closed(self) -> bool:
        return self._file.closed


def _lines(path: Path, start: int) -> Iterator[bytes]:
    """The newline-terminated lines of ``path`` from ``start``, stopping at a torn last line."""
    with path.open("rb") as handle:
        handle.seek(start)
        for line in handle:
            if not line.endswith(b"\n"):
                return
            yield line


_NEWLINE = orjson.OPT_APPEND_NEWLINE


class JsonlSink(_AppendFile):
    """One JSON object per line, the session's fields with ``user_id`` first."""

    @staticmethod
    def header() -> bytes:
        """The bytes every file starts with (none for JSON Lines)."""
        return b""

    def write(self, user_id: str, page: list[dict[str, Any]]) -> int:
        """Append ``page``'s records; returns their digest."""
        dumps = orjson.dumps
        # The bytes of {"user_id": user_id, **row}, without copying each row into
        # a new dict: the user's prefix, then the row's own JSON after its "{".
        prefix = b'{"user_id":' + dumps(user_id) + b","
        lines = [
            prefix + memoryview(dumps(row, option=_NEWLINE))[1:]
            if row and "user_id" not in row
            else dumps({"user_id": user_id, **row}, option=_NEWLINE)
            for row in page
        ]
        self._file.write(b"".join(lines))
        return digest(lines)

    @staticmethod
    def records(path: Path, start: int) -> Iterator[tuple[Any, bytes]]:
        """``(user_id, record bytes)`` of each complete line from byte ``start`` on.

        ``user_id`` is None for a line that is no record of ours (a torn line that
        happened to end in a newline, say). Only the user id is read: the bytes
        of the users a resume keeps are checked against their digests instead.
        """
        for line in _lines(path, start):
            yield _jsonl_user(line), line


_USER_PREFIX = b'{"user_id":"'


def _jsonl_user(line: bytes) -> Any:
    if line.startswith(_USER_PREFIX):
        start = len(_USER_PREFIX)
        end = line.find(b'"', start)
        raw = line[start:end]
        # Ids cannot contain a backslash: one here starts an escape, which only a
        # real parse reads right. Otherwise the id is all that is needed.
        if end > 0 and b"\\" not in raw:
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                return None
    try:
        user_id = orjson.loads(line)["user_id"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    return user_id if isinstance(user_id, (str, int)) else None


class CsvSink(_AppendFile):
    """Flat columns (``station_info.station_name``...), a stable header, text values."""

    @staticmethod
    def header() -> bytes:
        """The header row, the same in every file: :func:`columns`."""
        rows: list[str] = []
        csv.writer(_Collect(rows), lineterminator="\n").writerow(columns())
        return rows[0].encode("utf-8")

    def __init__(self, path: Path) -> None:
        new = not path.exists() or path.stat().st_size == 0
        super().__init__(path)
        self._rows: list[str] = []
        # csv calls write() once per row: that hands over each record on its own,
        # to be digested on its own.
        self._writer = csv.writer(_Collect(self._rows), lineterminator="\n")
        self._columns = columns()
        if new:
            self._file.write(self.header())

    def write(self, user_id: str, page: list[dict[str, Any]]) -> int:
        """Append ``page``'s rows; returns their digest."""
        names = self._columns
        rows = []
        for row in page:
            flat = flatten(row)
            flat["user_id"] = user_id
            rows.append([text(flat.get(name)) for name in names])
        self._writer.writerows(rows)
        records = [row.encode("utf-8") for row in self._rows]
        self._rows.clear()
        self._file.write(b"".join(records))
        return digest(records)

    @staticmethod
    def records(path: Path, start: int) -> Iterator[tuple[Any, bytes]]:
        """``(user_id, record bytes)`` of each complete row from byte ``start`` on.

        ``start`` is where a row begins: after the header, or 0 to read the header
        as a row (of no user) when it is not this export's. A row spans lines
        while a quoted field is open (an odd number of quotes so far: csv doubles
        quotes inside fields); a row still open at the end of the file, like a
        torn last line, was never completely written.
        """
        pending: list[bytes] = []
        quotes = 0
        for line in _lines(path, start):
            pending.append(line)
            quotes += line.count(b'"')
            if quotes % 2:
                continue
            record = b"".join(pending)
            pending.clear()
            quotes = 0
            yield _csv_user(record), record


def _csv_user(record: bytes) -> str | None:
    try:
        if not record.startswith(b'"'):
            comma = record.find(b",")
            return record[:comma].decode("utf-8") if comma > 0 else None
        # A quoted id (it holds a comma or a quote): let csv unquote it.
        return next(csv.reader([record.decode("utf-8")]))[0]
    except (UnicodeDecodeError, csv.Error, StopIteration, IndexError):
        return None


class _Collect:
    """A write-only "file" that keeps each string it is given."""

    def __init__(self, into: list[str]) -> None:
        self.write = into.append
