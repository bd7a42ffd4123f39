"""Export progress: a rich progress bar on a terminal, periodic log lines otherwise."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

from ..export import ExportProgress
from ._common import log_handler


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def describe(p: ExportProgress) -> str:
    """One plain line about an export's progress."""
    total = f"/{p.users_total}" if p.users_total is not None else ""
    done = p.users_done + p.users_skipped
    failed = f" ({p.users_failed} failed)" if p.users_failed else ""
    eta = ""
    if p.users_total and p.users_done:
        left = max(0, p.users_total - done - p.users_failed)
        eta = f", eta {left * p.elapsed / p.users_done:.0f}s"
    return (
        f"users {done}{total}{failed}, sessions {p.sessions:,}, "
        f"{_rate(p.requests, p.elapsed):.0f} req/s, retries {p.retries}{eta}"
    )


class LineProgress:
    """Writes ``describe()`` every ``every`` seconds (for logs, CI, pipes)."""

    def __init__(self, out: TextIO, every: float = 2.0) -> None:
        self._out = out
        self._every = every
        self._last = 0.0

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, snapshot: ExportProgress) -> None:
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            print(f"export: {describe(snapshot)}", file=self._out, flush=True)


class BarProgress:
    """A rich progress bar: users, sessions, requests/s, retries, ETA."""

    def __init__(self, rich_progress: Any) -> None:
        self._progress = rich_progress
        self._task: Any = None
        self._handler = log_handler()

    def __enter__(self) -> BarProgress:
        self._progress.__enter__()
        self._task = self._progress.add_task("export", total=None, stats="")
        if self._handler is not None:
            # Log lines (retries...) go above the bar, not through it.
            self._handler.console = self._progress.console
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._handler is not None:
            self._handler.console = None
        self._progress.__exit__(exc_type, exc, tb)

    def __call__(self, p: ExportProgress) -> None:
        done = p.users_done + p.users_skipped + p.users_failed
        stats = (
            f"{p.sessions:,} sessions  {_rate(p.requests, p.elapsed):.0f} req/s  "
            f"{p.retries} retries"
        )
        self._progress.update(self._task, total=p.users_total, completed=done, stats=stats)


def progress_for(out: TextIO | None = None) -> LineProgress | BarProgress:
    """A bar when ``out`` is a terminal and rich is installed, else log lines."""
    out = out or sys.stderr
    if out.isatty():
        try:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )
        except ImportError:
            return LineProgress(out)
        return BarProgress(
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("users"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[stats]}"),
                console=Console(file=out),
                transient=False,
            )
        )
    return LineProgress(out)
