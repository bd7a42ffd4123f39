"""Parquet output (the ``parquet`` extra): typed columns, written in row groups."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from .._converter import Structurer
from .._extras import require_extra
from ..models import ChargingSession
from ._files import complete_lines, fsync_dir
from ._records import flat_fields

_ROWS_PER_GROUP = 10_000


def require_pyarrow() -> Any:
    """Import pyarrow (and its Parquet module), or explain how to get it.

    Raises:
        ConfigurationError: pyarrow is not installed; the message carries the pip
            command (``pip install 'cariqa-async[parquet]'``).
    """
    pyarrow = require_extra("pyarrow", "parquet")
    require_extra("pyarrow.parquet", "parquet")
    return pyarrow


def schema() -> Any:
    """The Parquet schema: ``user_id`` then the session's flattened, typed fields."""
    pa = require_pyarrow()
    types = {
        str: pa.string(),
        int: pa.int64(),
        float: pa.float64(),
        bool: pa.bool_(),
        Decimal: pa.decimal128(38, 9),
        datetime: pa.timestamp("us", tz="UTC"),
    }
    return pa.schema(
        [pa.field("user_id", pa.string(), nullable=False)]
        + [pa.field(name, types[kind]) for name, _, kind in flat_fields()]
    )


def convert(jsonl: Path | Sequence[Path], output: Path) -> int:
    """Write the records of ``jsonl`` (our JSON Lines export, or several, one after
    the other: the parts of ``--workers``) to ``output`` as Parquet.

    Streams in row groups, so memory stays flat. Writes a temporary file beside
    ``output``, fsyncs it and renames it: a crash leaves no ``output`` or a whole
    one, never a part. Returns the number of rows.
    """
    pa = require_pyarrow()
    import pyarrow.parquet as pq

    target = schema()
    paths = [field.path for field in flat_fields()]
    structurer = Structurer.shared()

    sources = [jsonl] if isinstance(jsonl, Path) else list(jsonl)
    source = sources[0] if sources else output

    def fail(field: str, message: str) -> Exception:
        return ValueError(f"{source}: {field}: {message}")

    temporary = temporary_path(output)
    rows = 0
    try:
        with pq.ParquetWriter(temporary, target) as writer:
            columns: list[list[Any]] = [[] for _ in target]
            for line in _lines_of(sources):
                data = orjson.loads(line)
                user_id = data.pop("user_id")
                session = structurer.one(data, ChargingSession, fail)
                columns[0].append(user_id)
                for index, path in enumerate(paths, start=1):
                    value: Any = session
                    for name in path:
                        value = getattr(value, name)
                    columns[index].append(value)
                rows += 1
                if len(columns[0]) >= _ROWS_PER_GROUP:
                    writer.write_table(_table(pa, columns, target))
                    columns = [[] for _ in target]
            if columns[0] or rows == 0:
                writer.write_table(_table(pa, columns, target))
        # Durable before it takes the output's name: a crash after the rename must
        # find a whole file there, never a hole the size of the last row groups.
        with temporary.open("rb") as written:
            os.fsync(written.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    temporary.replace(output)
    fsync_dir(output.parent)
    return rows


def _lines_of(sources: list[Path]) -> Iterator[bytes]:
    for path in sources:
        yield from complete_lines(path)


def temporary_path(output: Path) -> Path:
    """Where :func:`convert` writes before renaming to ``output``."""
    return output.with_name(f".{output.name}.partial")


def user_counts(path: Path) -> dict[str, int]:
    """user id -> rows, of a Parquet file of ours; reads only the ``user_id`` column.

    Raises:
        ValueError: ``path`` is not a readable Parquet file with a ``user_id`` column.
    """
    require_pyarrow()
    import pyarrow
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    counts: dict[str, int] = {}
    try:
        for batch in pq.ParquetFile(path).iter_batches(columns=["user_id"]):
            for item in pc.value_counts(batch.column(0)).to_pylist():
                counts[item["values"]] = counts.get(item["values"], 0) + item["counts"]
    except (pyarrow.ArrowException, OSError, KeyError) as exc:
        raise ValueError(f"{path} is not a readable Parquet export: {exc}") from None
    return counts


def _table(pa: Any, columns: list[list[Any]], target: Any) -> Any:
    arrays = [
        pa.array(values, type=field.type) for values, field in zip(columns, target, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=target)
