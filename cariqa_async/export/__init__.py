"""Bulk export of many users' charging sessions: JSON Lines, CSV or Parquet, resumable.

Example::

    from cariqa_async import CariqaClient
    from cariqa_async.export import export_sessions

    async with CariqaClient(token) as client:
        result = await export_sessions(client, user_ids, "sessions.csv", format="csv")

One shard of the users (``Shard(3, 8)``: shard 3 of 8) per machine splits an export
with no coordination: ``export_sessions(..., shard="3/8")``.
"""

from __future__ import annotations

from ._exporter import (
    ExportError,
    ExportFormat,
    ExportProgress,
    ExportResult,
    UnreachableError,
    export_sessions,
)
from ._records import columns
from ._shard import Shard

__all__ = [
    "ExportError",
    "ExportFormat",
    "ExportProgress",
    "ExportResult",
    "Shard",
    "UnreachableError",
    "columns",
    "export_sessions",
]
