"""``export_sessions``: stream every session of many users to a file, resumably."""

from __future__ import annotations

import asyncio
import os
import time
from collections import defaultdict
from collections.abc import AsyncIterable, AsyncIterator, Callable, Collection, Iterable, Mapping
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .._many import ManySessions
from .._pagination import PageWalk
from ..errors import CariqaError, ConfigurationError, TransportError
from ._checkpoint import Checkpoint, CheckpointError, Completed, users_key
from ._files import finish_tail, side_files
from ._shard import Shard
from ._sinks import CsvSink, JsonlSink, Sink
from ._tally import Tally
from ._verify import OutputMismatch, check, compact

if TYPE_CHECKING:
    from .._client import CariqaClient


class ExportFormat(str, Enum):
    """Output formats."""

    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


class ExportError(CariqaError):
    """The export cannot start or go on: output exists, unwritable, bad checkpoint..."""


class UnreachableError(ExportError):
    """The export stopped: user after user failed without reaching the API.

    Raised when ``stop_when_unreachable`` users in a row failed with a
    :class:`~cariqa_async.TransportError` (refused, reset, timed out) and no user
    succeeded or got an answer from the API in between. Every user completed
    before is committed; resume once the API is back.

    Attributes:
        users: how many users failed in a row.
    """

    def __init__(self, message: str, *, users: int) -> None:
        super().__init__(message)
        self.users = users


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
    """What an export did, and what its output holds.

    The totals describe the output file as it is left: every run's records, and
    none of the partial records of users that failed (those are removed).

    Attributes:
        output: the file written.
        users_done: users completely exported by this run.
        users_skipped: users of this run's list already complete from an earlier
            run (``resume``).
        users_in_output: users whose sessions the output holds, earlier runs' too.
        sessions: sessions in the output.
        sessions_this_run: sessions of the users this run completed.
        failures: user id -> error message, for users not exported.
        kwh: energy of the sessions in the output.
        spend: ``invoice_summary`` totals per currency of the sessions in the output.
        already_complete: a resume found the export finished (a Parquet file
            already converted) and changed nothing.
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
    users_in_output: int = 0
    sessions_this_run: int = 0
    already_complete: bool = False

    @property
    def ok(self) -> bool:
        """Every user was exported."""
        return not self.failures

    def count(self, page: list[dict[str, Any]]) -> None:
        """Add a page of (already checked) session records to the totals."""
        tally = Tally()
        tally.add_page(page, 0)
        self._add(tally)

    def _add(self, tally: Tally) -> None:
        self.sessions += tally.sessions
        self.kwh += tally.kwh
        for currency, amount in tally.spend.items():
            self.spend[currency] += amount


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

    def completed(self, user_id: str, tally: Tally) -> None:
        self._checkpoint.record(user_id, tally)
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
    users_may_change: bool = False,
    stop_when_unreachable: int | None = None,
    shard: Shard | str | None = None,
) -> ExportResult:
    """Export every session of ``user_ids`` to ``output``, each exactly once.

    Records stream to the file as they arrive (memory stays flat). After a user's
    last session is written, the user is recorded in ``<output>.checkpoint`` with
    its record count, the digest of its records and its totals, and made durable
    in the background (output fsync, then checkpoint fsync), grouped with other
    users that complete while the disk is busy. An export interrupted by Ctrl-C,
    ``kill -9`` or an outage is continued with ``resume=True``, which first checks
    the output against the checkpoint (every completed user's records present,
    unchanged, none extra) and refuses to go on when they disagree; then records
    of users not in the checkpoint (including a torn last line) are dropped, and
    only those users are fetched again. Users that fail are listed in the
    result, their partial records removed, and the checkpoint kept so a later
    resume retries just them; after a complete export the checkpoint is deleted.

    When ``user_ids`` is a collection (a list, a set...), the checkpoint records
    its digest and a resume with other users is refused. Pass
    ``users_may_change=True`` when the list is derived afresh on each run and may
    legitimately differ (every user of the platform): nothing is pinned then, and
    a resume exports the users not yet complete. Streams (async iterables,
    generators) cannot be digested up front and are never pinned.

    Parquet is written as JSON Lines (``<output>.jsonl.partial``) while exporting
    and converted at the end to a temporary file that is fsynced and renamed over
    ``output``; only then are the partial file and the checkpoint deleted. A
    resume that finds the converted file (every checkpointed user's rows in it)
    changes nothing and returns with ``already_complete`` set.

    ``stop_when_unreachable=N`` stops the export once N users in a row have failed
    with a ``TransportError`` (after the client's retries) and no user in between
    succeeded or failed with an answer from the API: rather than burn through
    every remaining user against an API that is down.

    ``shard`` (a :class:`Shard` or ``"K/N"``) exports only the users of that shard
    of ``user_ids``: machines that each export one shard of the same list split
    the work with no coordination, and their outputs together hold every user
    exactly once. The checkpoint records the shard, and a resume with another
    shard is refused.

    Raises:
        ExportError: the output exists without ``resume``/``overwrite``; there is
            nothing to resume; the checkpoint is foreign or for other users; the
            output does not match the checkpoint (deleted, emptied, truncated or
            edited since it was written); the file is unwritable; Parquet
            without pyarrow; ``output`` is a directory. All before any request.
        UnreachableError: ``stop_when_unreachable`` users failed in a row without
            reaching the API (what completed before is committed).
        AuthenticationError, PermissionDeniedError: the token was refused.
        ValueError: ``shard`` is a string that names no shard.

    Example::

        result = await export_sessions(client, user_ids, "sessions.jsonl", resume=True)
        print(result.sessions, result.failures)
    """
    return await _export(
        client,
        user_ids,
        output,
        format=format,
        resume=resume,
        overwrite=overwrite,
        users_in_flight=users_in_flight,
        page_size=page_size,
        users_total=users_total,
        progress=progress,
        progress_interval=progress_interval,
        users_may_change=users_may_change,
        stop_when_unreachable=stop_when_unreachable,
        shard=shard,
    )


async def _export(
    client: CariqaClient,
    user_ids: Iterable[str] | AsyncIterable[str],
    output: Path | str,
    *,
    format: ExportFormat | str,
    resume: bool,
    overwrite: bool,
    users_in_flight: int,
    page_size: int,
    users_total: int | None,
    progress: Callable[[ExportProgress], None] | None,
    progress_interval: float,
    users_may_change: bool,
    stop_when_unreachable: int | None,
    shard: Shard | str | None,
    keep_checkpoint: bool = False,
) -> ExportResult:
    """:func:`export_sessions`; ``keep_checkpoint`` keeps the checkpoint of a complete
    export, for a caller (``--workers``) that merges this output into another and
    deletes it then: until that merge is durable, a resume must find this part
    complete, not a file without a checkpoint."""
    fmt = ExportFormat(format)
    output = Path(output)
    if isinstance(shard, str):
        shard = Shard.parse(shard)
    check_target(output, fmt)
    data_path, checkpoint_path = _paths(output, fmt)
    users = users_key(user_ids, may_change=users_may_change)
    header: dict[str, Any] = {"format": fmt.value, "users": users}
    if shard is not None and shard.count > 1:
        header["shard"] = str(shard)
        user_ids = _of_shard(user_ids, shard)
    checkpoint = Checkpoint(checkpoint_path, header)
    result = ExportResult(output)
    earlier, converted = _prepare(
        output, data_path, checkpoint, fmt, resume=resume, overwrite=overwrite
    )
    listed = _distinct(user_ids)
    if listed is not None:
        result.users_skipped = len(listed & earlier.users.keys())
        if users_total is None:
            users_total = len(listed)
    if converted:
        # Finish the clean-up the interrupted run did not get to; the output stays.
        data_path.unlink(missing_ok=True)
        checkpoint_path.unlink()
        result.already_complete = True
        result.users_in_output = len(earlier.users)
        result._add(earlier.totals)
        return result
    done = dict(earlier.users)  # earlier runs' users, then this run's as they complete
    this_run = Tally()  # the users this run completed
    in_progress: dict[str, Tally] = {}
    written = 0
    started = time.perf_counter()
    stats = client.stats
    requests_before, retries_before = stats.requests, stats.retries
    last_progress = started

    def snapshot() -> ExportProgress:
        total = users_total
        if total is not None:
            # Never fewer than are accounted for (a caller's stale count, say).
            total = max(total, result.users_done + result.users_skipped + len(many.failures))
        return ExportProgress(
            users_total=total,
            users_done=result.users_done,
            users_skipped=result.users_skipped,
            users_failed=len(many.failures),
            sessions=earlier.totals.sessions + written,
            requests=stats.requests - requests_before,
            retries=stats.retries - retries_before,
            elapsed=time.perf_counter() - started,
        )

    unreachable = 0  # users in a row that failed without reaching the API

    def user_done(user_id: str, count: int) -> None:
        nonlocal unreachable
        unreachable = 0
        tally = in_progress.pop(user_id, None) or Tally()
        done[user_id] = (tally.sessions, tally.digest)
        this_run.add(tally)
        result.users_done += 1
        committer.completed(user_id, tally)

    def skipped(user_id: str) -> None:
        result.users_skipped += 1

    def user_failed(user_id: str, exc: Exception) -> None:
        nonlocal unreachable
        unreachable = unreachable + 1 if isinstance(exc, TransportError) else 0
        if stop_when_unreachable is not None and unreachable >= stop_when_unreachable:
            raise UnreachableError(
                f"the API is unreachable: {unreachable} users in a row failed without an "
                f"answer (last: {_describe(exc)})",
                users=unreachable,
            )

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
    def records_of(user_id: str) -> PageWalk[list[dict[str, Any]]]:
        return client.charging_sessions._pages_of(
            user_id, page_size=page_size, window=2, records=True
        )

    many: ManySessions[dict[str, Any]] = ManySessions(
        records_of,
        # A list's skipped users were counted above; a stream's only show as it goes.
        _skip(user_ids, earlier.users, skipped if listed is None else None),
        users_in_flight=users_in_flight,
        on_user_done=user_done,
        on_user_failed=user_failed,
    )
    try:
        async with many:
            async for user_id, page in many.pages():
                page_digest = sink.write(user_id, page)
                tally = in_progress.get(user_id)
                if tally is None:
                    tally = in_progress[user_id] = Tally()
                tally.add_page(page, page_digest)
                written += len(page)
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
    # What the output holds once failed users' partial records are gone: the
    # earlier runs' users and this run's completed ones.
    result._add(earlier.totals)
    result._add(this_run)
    result.sessions_this_run = this_run.sessions
    result.users_in_output = len(done)
    if result.failures:
        # Partial records of failed users go; the checkpoint stays for a resume.
        compact(data_path, _sink_class(fmt), done.__contains__)
    else:
        if fmt is ExportFormat.PARQUET:
            from ._parquet import convert

            # The order makes every crash resumable: the output appears whole (a
            # fsynced temporary file renamed), and the partial file and then the
            # checkpoint go only after it. A resume that finds the output is done.
            await asyncio.to_thread(convert, data_path, output)
            data_path.unlink()
        if not keep_checkpoint:
            checkpoint_path.unlink()
    return result


def _of_shard(
    user_ids: Iterable[str] | AsyncIterable[str], shard: Shard
) -> Iterable[str] | AsyncIterable[str]:
    """The ids of ``shard``: a list for a collection (counted up front), else a stream."""
    if isinstance(user_ids, AsyncIterable):
        return shard.select_stream(user_ids)
    if isinstance(user_ids, Collection) and not isinstance(user_ids, (str, bytes)):
        return shard.select(user_ids)
    return (user_id for user_id in user_ids if shard.owns(user_id))


def _prepare(
    output: Path,
    data_path: Path,
    checkpoint: Checkpoint,
    fmt: ExportFormat,
    *,
    resume: bool,
    overwrite: bool,
) -> tuple[Completed, bool]:
    """Check the files before any request: (what earlier runs completed, already converted).

    On resume the output is checked against the checkpoint, then the records of
    users the checkpoint does not list are dropped.
    """
    if resume and overwrite:
        raise ExportError("choose either resume or overwrite")
    if overwrite:
        for path in {output, data_path, checkpoint.path, _parquet_temporary(output)}:
            path.unlink(missing_ok=True)
        for path in side_files(data_path):
            path.unlink(missing_ok=True)
        return Completed(), False
    if not resume:
        for path in (output, checkpoint.path, data_path):
            if path.exists():
                raise ExportError(
                    f"{path} already exists; resume it (--resume) or overwrite it (--overwrite)"
                )
        return Completed(), False
    if not checkpoint.path.exists():
        raise ExportError(f"nothing to resume: {checkpoint.path} does not exist")
    try:
        completed = checkpoint.load()
    except CheckpointError as exc:
        raise ExportError(str(exc)) from None
    if fmt is ExportFormat.PARQUET and output.exists():
        # The output appears only by the final rename, after a complete conversion:
        # the run was interrupted while cleaning up.
        _check_converted(output, completed, checkpoint.path)
        return completed, True
    kind = _sink_class(fmt)
    finish_tail(data_path)  # a resume or a clean-up killed halfway through: finish it first
    try:
        first_drop = check(data_path, kind, completed.users, checkpoint.path)
    except OutputMismatch as exc:
        raise ExportError(str(exc)) from None
    if first_drop is not None:
        compact(data_path, kind, completed.users.__contains__, start=first_drop)
    return completed, False


def check_target(output: Path, fmt: ExportFormat) -> None:
    """Refuse, before any request, an export that could not end well.

    Raises:
        ExportError: ``output`` is a directory or names none (``./``), its
            directory is missing, or the format is Parquet and pyarrow is missing.
    """
    if output.name in ("", ".", "..") or output.is_dir():
        raise ExportError(f"{output} is a directory; give the output a file name")
    if not output.parent.is_dir():
        raise ExportError(f"cannot write {output}: {output.parent} is not a directory")
    if fmt is ExportFormat.PARQUET:
        from ._parquet import require_pyarrow

        try:
            require_pyarrow()
        except ConfigurationError as exc:
            message = str(exc)
        else:
            return
        raise ExportError(message)


def _parquet_temporary(output: Path) -> Path:
    # Named here so that importing the export never needs pyarrow.
    return output.with_name(f".{output.name}.partial")


def _check_converted(output: Path, completed: Completed, checkpoint: Path) -> None:
    """Refuse a Parquet output that is not the conversion of the checkpointed users.

    Raises:
        ExportError: unreadable, or other users or row counts than the checkpoint's.
    """
    from ._parquet import user_counts

    try:
        counts = user_counts(output)
    except (ValueError, ConfigurationError) as exc:
        raise ExportError(str(exc)) from None
    expected = {user: sessions for user, (sessions, _) in completed.users.items() if sessions}
    if counts != expected:
        differ = sorted(
            f"user {user!r}: {expected.get(user, 0)} rows expected, {counts.get(user, 0)} found"
            for user in expected.keys() | counts.keys()
            if expected.get(user, 0) != counts.get(user, 0)
        )
        raise ExportError(
            f"{output} exists but does not match {checkpoint} ({'; '.join(differ[:3])}"
            f"{'; ...' if len(differ) > 3 else ''}); restore it, or start over with "
            "overwrite (--overwrite)"
        )


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


def _distinct(user_ids: Iterable[str] | AsyncIterable[str]) -> set[str] | None:
    """The distinct ids of a collection; None for a stream, which cannot be read twice."""
    if isinstance(user_ids, Collection) and not isinstance(user_ids, (str, bytes)):
        return set(user_ids)
    return None


async def _skip(
    user_ids: Iterable[str] | AsyncIterable[str],
    earlier: Mapping[Any, object],
    skipped: Callable[[str], None] | None,
) -> AsyncIterator[str]:
    """The users not completed by an earlier run; ``skipped`` hears of the others, once each."""
    seen: set[str] = set()

    def fresh(user_id: str) -> bool:
        if user_id not in earlier:
            return True
        if skipped is not None and user_id not in seen:
            seen.add(user_id)
            skipped(user_id)
        return False

    if isinstance(user_ids, AsyncIterable):
        async for user_id in user_ids:
            if fresh(user_id):
                yield user_id
    else:
        for user_id in user_ids:
            if fresh(user_id):
                yield user_id


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
