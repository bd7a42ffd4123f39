"""Bulk export of many users' charging sessions: JSON Lines, CSV or Parquet, resumable.

Example::

    from cariqa_async import CariqaClient
    from cariqa_async.export import export_sessions

    async with CariqaClient(token) as client:
        result = await export_sessions(client, user_ids, "sessions.csv", format="csv")
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

__all__ = [
    "ExportError",
    "ExportFormat",
    "ExportProgress",
    "ExportResult",
    "UnreachableError",
    "columns",
    "export_sessions",
]
