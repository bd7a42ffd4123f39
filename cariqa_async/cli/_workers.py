"""``export --workers N``: N processes on one machine, one progress display, one summary.

The parent reads (or lists) the users once, splits them by :class:`Shard`, and
starts each worker as ``python -m cariqa_async export --worker K/M ...`` with its
share of ``--concurrency``, ``--rate-limit`` and ``--users-in-flight``. The token
goes by the environment (``CARIQA_TOKEN``), never on a command line; the users by
the worker's stdin, which then stays open as a lifeline: when it closes (the
parent died) the worker stops as on SIGTERM. Workers report progress and their
result as JSON lines on stdout; their stderr (errors, retry warnings) is relayed.
See :mod:`cariqa_async.export._merge` for the files and the merge.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import orjson

from .._logging import LOGGER_NAME
from ..export import (
    ExportError,
    ExportFormat,
    ExportProgress,
    ExportResult,
    Shard,
    UnreachableError,
)
from ..export._exporter import _export, _parquet_temporary, _paths, check_target
from ..export._files import side_files
from ..export._merge import Manifest, Parts, leftovers, merged_totals, totals_of
from ..export._shard import WHOLE
from ._common import (
    EXIT_FAILURES,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    UsageError,
    log_handler,
    make_client,
)

if TYPE_CHECKING:
    from ._export import Plan

#: How long stopped workers get to commit and exit before they are killed: a hang
#: guard only (a worker stops within a request's time; a kill loses nothing that
#: was committed, and a resume redoes the rest).
STOP_GRACE = 30.0

_log = logging.getLogger(LOGGER_NAME)


def share(total: int, workers: int, index: int) -> int:
    """Worker ``index``'s share of ``total``: the shares sum to ``total``, each at least 1."""
    return max(1, total // workers + (1 if index < total % workers else 0))


def peak_rss_kib() -> int:
    """This process's peak RSS in KiB: ``VmHWM`` where /proc has it, else ``ru_maxrss``."""
    with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def log_peak(who: str, kib: int) -> None:
    """``-v``: the peak memory of a process (the benchmark reads it too)."""
    _log.info("%s: peak RSS %.1f MB", who, kib * 1024 / 1e6)


# --- the worker --------------------------------------------------------------


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(message, default=str) + b"\n")
    sys.stdout.buffer.flush()


def _read_users() -> list[str]:
    """The ids on stdin, one per line, up to a blank line (stdin then stays open)."""
    users: list[str] = []
    while line := sys.stdin.buffer.readline():
        if line == b"\n":
            return users
        users.append(line.decode("utf-8").rstrip("\n"))
    raise UsageError("--worker: the users list ended early (the parent is gone)")


def _watch_parent() -> Callable[[], None]:
    """Stop as on SIGTERM when stdin closes (the parent is gone, and with it whoever
    would kill a worker that hangs: so exit anyway after :data:`STOP_GRACE`).
    Returns the function that stops watching."""
    loop = asyncio.get_running_loop()
    fd = sys.stdin.fileno()

    def readable() -> None:
        if not os.read(fd, 4096):
            loop.remove_reader(fd)
            os.kill(os.getpid(), signal.SIGTERM)
            loop.call_later(STOP_GRACE, os._exit, EXIT_TERMINATED)

    loop.add_reader(fd, readable)

    def unwatch() -> None:
        loop.remove_reader(fd)

    return unwatch


async def worker_command(args: argparse.Namespace, plan: Plan) -> int:
    """One worker: export its users to its part; progress and result on stdout."""
    from ._export import export_options

    user_ids = _read_users()
    unwatch = _watch_parent()
    try:
        async with make_client(args) as client:
            try:
                result = await _export(
                    client,
                    user_ids,
                    args.output,
                    **export_options(args, plan),
                    users_total=len(user_ids),
                    progress=lambda p: _emit({"progress": attrs.asdict(p)}),
                    progress_interval=0.5,
                    shard=args.worker,
                    keep_checkpoint=True,
                )
            except UnreachableError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return EXIT_FAILURES
            except ExportError as exc:
                raise UsageError(str(exc)) from None
    finally:
        unwatch()
    _emit({"result": {**_result_json(result), "peak_rss_kib": peak_rss_kib()}})
    return EXIT_OK if result.ok else EXIT_FAILURES


def _result_json(result: ExportResult) -> dict[str, Any]:
    data = attrs.asdict(result)
    data["output"] = str(result.output)
    data["kwh"] = str(result.kwh)
    data["spend"] = {currency: str(amount) for currency, amount in result.spend.items()}
    return data


# --- the parent --------------------------------------------------------------


@attrs.define
class WorkersPlan:
    """What ``export --workers N`` will do, decided before any request."""

    format: ExportFormat
    parts: Parts
    resume: bool = False
    note: str | None = None
    #: Set when the output is merged already: only the clean-up is left.
    done: Manifest | None = None


def plan_workers(args: argparse.Namespace) -> WorkersPlan:
    """Check the output and the files of an earlier run before any request.

    Raises:
        UsageError: what ``plan_export`` refuses, and a resume with another number
            of workers, format or shard than the export was started with.
    """
    from ._export import export_format

    output: Path = args.output
    fmt = export_format(output, args.format)
    try:
        check_target(output, fmt)
        manifest = Manifest.read(output)
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    parts = Parts(output, fmt, args.workers)
    plan = WorkersPlan(fmt, parts)
    data, checkpoint = _paths(output, fmt)
    if args.overwrite:
        return plan
    if not args.resume:
        for path in [output, checkpoint, data, *leftovers(output)]:
            if path.exists():
                raise UsageError(
                    f"{path} already exists: add --resume to continue that export, "
                    "or --overwrite to replace it"
                )
        return plan
    if manifest is not None:
        _same_split(args, manifest, fmt)
        if manifest.merged is not None:
            plan.done = manifest
        elif output.exists():
            # Killed after the merge's rename, before the manifest said so.
            try:
                completed = parts.check_merged()
            except ExportError as exc:
                raise UsageError(str(exc)) from None
            plan.done = attrs.evolve(manifest, merged=merged_totals(completed))
            plan.done.write(output)
        plan.resume = True
        return plan
    if checkpoint.exists():
        raise UsageError(
            f"{output} is being exported by one process ({checkpoint.name} exists): resume "
            "it with --workers 1"
        )
    if output.exists():
        raise UsageError(
            f"nothing to resume: {output} exists but {parts.output.name}.workers does not, "
            "so the export that wrote it finished (or it is another file); add --overwrite "
            "instead of --resume to export it again"
        )
    plan.note = f"nothing to resume ({output.name}.workers does not exist): starting a new export"
    return plan


def _same_split(args: argparse.Namespace, manifest: Manifest, fmt: ExportFormat) -> None:
    output = args.output
    if manifest.workers != args.workers:
        raise UsageError(
            f"{output} was started with --workers {manifest.workers}: resume it with "
            f"--workers {manifest.workers}, or start over with --overwrite"
        )
    if manifest.format is not fmt:
        raise UsageError(
            f"{output} was started as {manifest.format.value}, not {fmt.value}: resume it "
            f"with --format {manifest.format.value}, or start over with --overwrite"
        )
    shard = None if args.shard is None else str(args.shard)
    if manifest.shard != shard:
        given = "no --shard" if manifest.shard is None else f"--shard {manifest.shard}"
        raise UsageError(
            f"{output} was started with {given}: resume it the same way, or start over "
            "with --overwrite"
        )


def clean_start(output: Path, fmt: ExportFormat) -> None:
    """Delete what any earlier export of ``output`` left (an ``--overwrite``, or
    files no checkpoint or manifest vouches for)."""
    data, checkpoint = _paths(output, fmt)
    for path in [output, data, checkpoint, _parquet_temporary(output), *side_files(data)]:
        path.unlink(missing_ok=True)
    for path in leftovers(output):
        path.unlink(missing_ok=True)


def worker_argv(args: argparse.Namespace, plan: WorkersPlan, index: int, shard: Shard) -> list[str]:
    """The command line of worker ``index``: never the token (it goes by the environment)."""
    workers = args.workers
    argv = [sys.executable, "-m", "cariqa_async", "export", "--worker", str(shard)]
    argv += ["--output", str(plan.parts.part(index))]
    argv += ["--format", plan.parts.part(index).suffix[1:]]
    argv += ["--page-size", str(args.page_size)]
    argv += ["--users-in-flight", str(share(args.users_in_flight, workers, index))]
    argv += ["--concurrency", str(share(args.concurrency, workers, index))]
    if args.rate_limit is not None:
        argv += ["--rate-limit", repr(args.rate_limit / workers)]
    if args.base_url is not None:
        argv += ["--base-url", args.base_url]
    if args.timeout is not None:
        argv += ["--timeout", repr(args.timeout)]
    if args.max_retries is not None:
        argv += ["--max-retries", str(args.max_retries)]
    if args.quiet:
        argv.append("-q")
    elif args.verbose:
        argv.append("-" + "v" * args.verbose)
    if args.all_users:
        argv.append("--all-users")  # the list may change between runs: do not pin it
    argv.append("--resume" if plan.resume else "--overwrite")
    return argv


@attrs.define
class _Worker:
    index: int
    shard: Shard
    users: list[str]
    proc: asyncio.subprocess.Process | None = None
    last: ExportProgress | None = None
    result: dict[str, Any] | None = None


class _Relay:
    """Workers' stderr lines on ours (above a progress bar), each error once."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def __call__(self, line: str) -> None:
        if line in ("interrupted", "terminated (SIGTERM)") or not line:
            return  # the parent says what happened, once
        if line.startswith("error: "):
            if line in self._seen:
                return
            self._seen.add(line)
        handler = log_handler()
        if handler is not None and handler.console is not None:
            handler.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            print(line, file=sys.stderr, flush=True)


async def run_workers(
    args: argparse.Namespace,
    plan: WorkersPlan,
    token: str,
    user_ids: Sequence[str],
    progress: Callable[[ExportProgress], None],
) -> tuple[int, ExportResult | None]:
    """Start the workers, follow them, and merge their parts when all succeeded.

    Returns the exit code and, when every worker finished, the summed result.
    On cancellation (Ctrl-C, SIGTERM) the workers get SIGTERM, and are waited for.
    """
    base = args.shard or WHOLE
    workers = [
        _Worker(k, shard, shard.select(user_ids))
        for k, shard in enumerate(base.split(args.workers))
    ]
    users_total = sum(len(worker.users) for worker in workers)  # this machine's shard
    if plan.resume:
        plan.parts.drop_unvouched()
    else:
        clean_start(args.output, plan.format)
        shard = None if args.shard is None else str(args.shard)
        Manifest(args.workers, plan.format, shard).write(args.output)
    env = {**os.environ, "CARIQA_TOKEN": token}
    relay = _Relay()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    started = loop.time()

    def report() -> None:
        snapshots = [w.last for w in workers if w.last is not None]
        progress(
            ExportProgress(
                users_total=users_total,
                users_done=sum(p.users_done for p in snapshots),
                users_skipped=sum(p.users_skipped for p in snapshots),
                users_failed=sum(p.users_failed for p in snapshots),
                sessions=sum(p.sessions for p in snapshots),
                requests=sum(p.requests for p in snapshots),
                retries=sum(p.retries for p in snapshots),
                elapsed=loop.time() - started,
            )
        )

    async def follow(worker: _Worker) -> None:
        proc = worker.proc = await asyncio.create_subprocess_exec(
            *worker_argv(args, plan, worker.index, worker.shard),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            limit=1 << 26,  # a result line lists every failed user
            # Ctrl-C reaches the parent only; it stops the workers itself, once.
            start_new_session=True,
        )
        assert proc.stdin is not None
        assert proc.stdout is not None
        assert proc.stderr is not None
        if stopping.is_set():  # stopped while it was starting
            proc.terminate()

        async def feed() -> None:
            assert proc.stdin is not None
            with contextlib.suppress(ConnectionError):
                for start in range(0, len(worker.users), 10_000):
                    chunk = worker.users[start : start + 10_000]
                    proc.stdin.write("".join(f"{u}\n" for u in chunk).encode("utf-8"))
                    await proc.stdin.drain()
                proc.stdin.write(b"\n")  # the end of the list; stdin stays open (a lifeline)
                await proc.stdin.drain()

        async def messages() -> None:
            assert proc.stdout is not None
            async for line in proc.stdout:
                try:
                    message = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue  # torn by a kill: the worker's exit code tells
                if "progress" in message:
                    worker.last = ExportProgress(**message["progress"])
                    report()
                elif "result" in message:
                    worker.result = message["result"]

        async def errors() -> None:
            assert proc.stderr is not None
            async for line in proc.stderr:
                relay(line.decode("utf-8", "replace").rstrip("\n"))

        try:
            await asyncio.gather(feed(), messages(), errors())
            await proc.wait()
        finally:
            proc.stdin.close()

    tasks = [asyncio.ensure_future(follow(worker)) for worker in workers]
    try:
        # wait(), not gather(): a cancellation must not cancel the followers, which
        # read the workers' last progress while they stop.
        await asyncio.wait(tasks)
        for task in tasks:
            task.result()  # a follower's own failure
    except BaseException:
        stopping.set()
        await asyncio.shield(_stop(workers, tasks))
        raise
    return _conclude(args, plan, workers, loop.time() - started)


async def _stop(workers: list[_Worker], tasks: list[asyncio.Task[None]]) -> None:
    """SIGTERM every worker still running (they commit what is complete), wait for them."""
    _signal(workers, signal.SIGTERM)
    _, pending = await asyncio.wait(tasks, timeout=STOP_GRACE)
    if pending:  # a hang guard: workers stop within a request's time
        _signal(workers, signal.SIGKILL)
        await asyncio.wait(tasks)


def _signal(workers: list[_Worker], signum: int) -> None:
    for worker in workers:
        proc = worker.proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signum)


def _conclude(
    args: argparse.Namespace, plan: WorkersPlan, workers: list[_Worker], elapsed: float
) -> tuple[int, ExportResult | None]:
    codes = [w.proc.returncode if w.proc is not None else None for w in workers]
    for worker in workers:
        if worker.result is not None:
            log_peak(f"worker {worker.index}", int(worker.result["peak_rss_kib"]))
    if EXIT_USAGE in codes:
        return EXIT_USAGE, None  # the workers said why (a refused token, a changed part)
    missing = [w for w in workers if w.result is None]
    for worker in missing:
        code = codes[worker.index]
        how = f"was killed by signal {-code}" if code is not None and code < 0 else "failed"
        print(
            f"error: worker {worker.index} of {args.workers} {how} (exit {code}); what it "
            "completed is kept",
            file=sys.stderr,
        )
    if missing:
        return EXIT_FAILURES, None
    result = combine(args.output, [w.result for w in workers if w.result is not None], elapsed)
    if not result.ok:
        return EXIT_FAILURES, result  # parts and checkpoints stay: --resume retries them
    finish(plan)
    return EXIT_OK, result


def combine(output: Path, results: list[dict[str, Any]], elapsed: float) -> ExportResult:
    """The workers' results as one: what the merged output holds."""
    total = ExportResult(output, elapsed=elapsed)
    for r in results:
        total.users_done += r["users_done"]
        total.users_skipped += r["users_skipped"]
        total.users_in_output += r["users_in_output"]
        total.sessions += r["sessions"]
        total.sessions_this_run += r["sessions_this_run"]
        total.requests += r["requests"]
        total.retries += r["retries"]
        total.kwh += Decimal(r["kwh"])
        for currency, amount in r["spend"].items():
            total.spend[currency] += Decimal(amount)
        total.failures.update(r["failures"])
    return total


def finish(plan: WorkersPlan) -> None:
    """Merge the parts into the output, mark the manifest merged, clean up.

    Each step leaves a state a resume completes: before the rename, the workers
    resume (each is complete: nothing to fetch) and the merge runs again; after
    it, the output is checked against the checkpoints; once the manifest says
    merged, only the clean-up is left.
    """
    parts = plan.parts
    completed = parts.completed()
    parts.merge()
    manifest = Manifest.read(parts.output)
    assert manifest is not None, "written before the workers started"
    attrs.evolve(manifest, merged=merged_totals(completed)).write(parts.output)
    parts.remove()


def already_merged(output: Path, plan: WorkersPlan) -> ExportResult:
    """Finish the clean-up an interrupted run left after its merge; the summary of the output."""
    assert plan.done is not None
    assert plan.done.merged is not None
    users, totals = totals_of(plan.done.merged)
    plan.parts.remove()
    result = ExportResult(output, already_complete=True, users_in_output=users)
    result._add(totals)
    return result
