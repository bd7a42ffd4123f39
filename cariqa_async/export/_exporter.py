"""``export_sessions``: stream every session of many users to a file, resumably."""

from __future__ import annotations

import asyncio
import os
import time
from collections import defaultdict
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .._many import ManySessions
from ..errors import CariqaError
from ._checkpoint import Checkpoint, CheckpointError
from ._sinks import CsvSink, JsonlSink, Sink

if TYPE_CHECKING:
    from .._client import CariqaClient


class ExportFormat(str, Enum):
    """Output formats."""

    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


class ExportError(CariqaError):
    """The export cannot start or go on: output exists, unwritable, bad checkpoint..."""


@attrs.define
class ExportProgress:
    """A snapshot for progress displays."""

    users_total: int | None
    users_done: int
    users_skipped: int
    users_failed: int
    sessions: int
    requests: int
    retries: int
    elapsed: float


@attrs.define
class ExportResult:
    """What one run of an export did.

    Attributes:
        users_done: users completely exported by this run.
        users_skipped: users already complete from an earlier run (``resume``).
        sessions: sessions written by this run.
        failures: user id -> error message, for users not exported.
        kwh: energy of the sessions written by this run.
        spend: ``invoice_summary`` totals per currency, this run.
    """

    output: Path
    users_done: int = 0
    users_skipped: int = 0
    sessions: int = 0
    failures: dict[str, str] = attrs.Factory(dict)
    kwh: Decimal = Decimal(0)
    spend: dict[str, Decimal] = attrs.Factory(lambda: defaultdict(Decimal))
    elapsed: float = 0.0
    requests: int = 0
    retries: int = 0

    @property
    def ok(self) -> bool:
        """Every user was exported."""
        return not self.failures

    def count(self, page: list[dict[str, Any]]) -> None:
        """Add a page of (already checked) session records to the totals."""
        self.sessions += len(page)
        for row in page:
            energy = row["consumed_energy"]
            if energy is not None:
                self.kwh += Decimal(energy)
            cost = row["session_cost"]
            self.spend[cost["currency"]] += Decimal(cost["invoice_summary"])


class _Committer:
    """Makes completed users durable in the background, as soon as it can.

    Each round flushes the output to the OS on the loop's thread (so it sees every
    line written so far), takes the users completed by then, fsyncs the output in
    a worker thread, then appends those users to the checkpoint and fsyncs it.
    Users that complete while a round runs go into the next one: one user per
    round when users are slow, natural group commits when they are fast, and the
    export itself never waits for the disk.
    """

    def __init__(self, sink: Sink, checkpoint: Checkpoint) -> None:
        self._sink = sink
        self._checkpoint = checkpoint
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._stopping = False

    def completed(self, user_id: str, sessions: int) -> None:
        self._checkpoint.record(user_id, sessions)
        self._wake.set()

    async def run(self) -> None:
        # Never cancelled mid-round (a taken batch would be lost): `stop` asks it to
        # finish, and one last round then picks up every straggler.
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            await self.commit()
        await self.commit()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def commit(self) -> None:
        async with self._lock:
            self._sink.flush()
            batch = self._checkpoint.take()
            await asyncio.to_thread(os.fsync, self._sink.fileno())
            if batch:
                await asyncio.to_thread(self._checkpoint.append, batch)


def _paths(output: Path, fmt: ExportFormat) -> tuple[Path, Path]:
    """(the file records are appended to, the checkpoint)."""
    data = (
        output.with_name(output.name + ".jsonl.partial") if fmt is ExportFormat.PARQUET else output
    )
    return data, output.with_name(output.name + ".checkpoint")


def _sink_class(fmt: ExportFormat) -> type[CsvSink] | type[JsonlSink]:
    # Parquet is written as JSON Lines first.
    return CsvSink if fmt is ExportFormat.CSV else JsonlSink


def _keep_only(path: Path, fmt: ExportFormat, keep: Callable[[str], bool]) -> None:
    """Drop the torn tail and every record of the users ``keep`` refuses."""
    if path.exists():
        _sink_class(fmt).keep_only(path, keep)


async def export_sessions(
    client: CariqaClient,
    user_ids: Iterable[str] | AsyncIterable[str],
    output: Path | str,
    *,
    format: ExportFormat | str = ExportFormat.JSONL,
    resume: bool = False,
    overwrite: bool = False,
    users_in_flight: int = 8,
    page_size: int = 100,
    users_total: int | None = None,
    progress: Callable[[ExportProgress], None] | None = None,
    progress_interval: float = 0.5,
) -> ExportResult:
    """Export every session of ``user_ids`` to ``output``, each exactly once.

    Records stream to the file as they arrive (memory stays flat). After a user's
    last session is written, the user is recorded in ``<output>.checkpoint`` and
    made durable in the background (output fsync, then checkpoint fsync), grouped
    with other users that complete while the disk is busy. An export interrupted
    by Ctrl-C, ``kill -9`` or an outage is continued with ``resume=True``: records
    of users not in the checkpoint (including a torn last line) are dropped, and
    only those users are fetched again. Users that fail are listed in the
    result, their partial records removed, and the checkpoint kept so a later
    resume retries just them; after a complete export the checkpoint is deleted.

    Parquet is written as JSON Lines (``<output>.jsonl.partial``) while exporting and
    converted to typed Parquet at the end, so it resumes the same way.

    Raises:
        ExportError: the output exists without ``resume``/``overwrite``, there is
            nothing to resume, the checkpoint is foreign, or the file is unwritable.
        AuthenticationError, PermissionDeniedError: the token was refused.

    Example::

        result = await export_sessions(client, user_ids, "sessions.jsonl", resume=True)
        print(result.sessions, result.failures)
    """
    fmt = ExportFormat(format)
    output = Path(output)
    data_path, checkpoint_path = _paths(output, fmt)
    checkpoint = Checkpoint(checkpoint_path, {"format": fmt.value})
    result = ExportResult(output)
    done = _prepare(output, data_path, checkpoint, fmt, resume=resume, overwrite=overwrite)
    result.users_skipped = len(done)
    started = time.perf_counter()
    stats = client.stats
    requests_before, retries_before = stats.requests, stats.retries
    last_progress = started

    def snapshot() -> ExportProgress:
        return ExportProgress(
            users_total=users_total,
            users_done=result.users_done,
            users_skipped=result.users_skipped,
            users_failed=len(many.failures),
            sessions=result.sessions,
            requests=stats.requests - requests_before,
            retries=stats.retries - retries_before,
            elapsed=time.perf_counter() - started,
        )

    def user_done(user_id: str, count: int) -> None:
        done[user_id] = count
        result.users_done += 1
        committer.completed(user_id, count)

    try:
        sink: Sink = _sink_class(fmt)(data_path)
    except OSError as exc:
        raise ExportError(f"cannot write {data_path}: {exc.strerror or exc}") from None
    checkpoint.start(fresh=not resume)
    committer = _Committer(sink, checkpoint)
    background = asyncio.ensure_future(committer.run())
    # Records, not models: the same checks as models get (a bad body is still a
    # typed error), but what is written is what the API sent, fields it added
    # since this SDK was released included, without a round trip through models.
    many = ManySessions(
        client.charging_sessions,
        _skip(user_ids, done),
        users_in_flight=users_in_flight,
        page_size=page_size,
        window=2,
        on_user_done=user_done,
        records=True,
    )
    try:
        async with many:
            async for user_id, page in many.pages():
                sink.write(user_id, page)
                result.count(page)
                now = time.perf_counter()
                if progress is not None and now - last_progress >= progress_interval:
                    last_progress = now
                    progress(snapshot())
    except BaseException:
        if not resume and not done:
            # Nothing was completed (a refused token, say): leave no files behind
            # that would look like an export to resume.
            await asyncio.shield(_finish(background, committer, sink, checkpoint))
            for path in (data_path, checkpoint.path):
                path.unlink(missing_ok=True)
        raise
    finally:
        # Whatever happened (Ctrl-C included), what is complete is made durable.
        await asyncio.shield(_finish(background, committer, sink, checkpoint))
        result.elapsed = time.perf_counter() - started
        result.requests = stats.requests - requests_before
        result.retries = stats.retries - retries_before
        result.failures = {user: _describe(exc) for user, exc in many.failures.items()}
        if progress is not None:
            progress(snapshot())
    if result.failures:
        # Partial records of failed users go; the checkpoint stays for a resume.
        _keep_only(data_path, fmt, done.__contains__)
    else:
        if fmt is ExportFormat.PARQUET:
            from ._parquet import convert

            await asyncio.to_thread(convert, data_path, output)
            data_path.unlink()
        checkpoint_path.unlink()
    return result


def _prepare(
    output: Path,
    data_path: Path,
    checkpoint: Checkpoint,
    fmt: ExportFormat,
    *,
    resume: bool,
    overwrite: bool,
) -> dict[str, int]:
    """Check the files before any request; on resume, drop incomplete users' records."""
    if resume and overwrite:
        raise ExportError("choose either resume or overwrite")
    if overwrite:
        for path in {output, data_path, checkpoint.path}:
            path.unlink(missing_ok=True)
        return {}
    if not resume:
        if output.exists() or checkpoint.path.exists():
            raise ExportError(f"{output} already exists; resume it or overwrite it")
        return {}
    if not checkpoint.path.exists():
        raise ExportError(f"nothing to resume: {checkpoint.path} does not exist")
    try:
        done = checkpoint.load()
    except CheckpointError as exc:
        raise ExportError(str(exc)) from None
    _keep_only(data_path, fmt, done.__contains__)
    return done


async def _finish(
    background: asyncio.Future[None], committer: _Committer, sink: Sink, checkpoint: Checkpoint
) -> None:
    if sink.closed:
        return
    committer.stop()
    try:
        await background
    finally:
        sink.close()
        checkpoint.close()


async def _skip(
    user_ids: Iterable[str] | AsyncIterable[str], done: dict[str, int]
) -> AsyncIterator[str]:
    if isinstance(user_ids, AsyncIterable):
        async for user_id in user_ids:
            if user_id not in done:
                yield user_id
    else:
        for user_id in user_ids:
            if user_id not in done:
                yield user_id


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
