"""``cariqa-async export``: many users' sessions to JSON Lines, CSV or Parquet."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO, TypedDict

import attrs

from .._client import CariqaClient
from .._protocol import segment
from ..export import (
    ExportError,
    ExportFormat,
    ExportProgress,
    ExportResult,
    Shard,
    UnreachableError,
    export_sessions,
)
from ..export._exporter import _paths, check_target
from ..export._merge import manifest_path
from ._common import (
    EXIT_FAILURES,
    EXIT_OK,
    UsageError,
    add_connection_arguments,
    add_verbosity_arguments,
    make_client,
    positive_int,
    resolve_token,
    run,
)
from ._progress import progress_for

#: Users in a row failing without reaching the API (refused, reset, timed out,
#: after retries), with no user succeeding or answered by the API in between,
#: that stop an export: the API is down, the rest would fail the same way.
UNREACHABLE_USERS = 5

#: Output file extensions that name a format.
EXTENSIONS = {
    ".jsonl": ExportFormat.JSONL,
    ".ndjson": ExportFormat.JSONL,
    ".csv": ExportFormat.CSV,
    ".parquet": ExportFormat.PARQUET,
    ".pq": ExportFormat.PARQUET,
}

_EPILOG = """examples:
  cariqa-async export --all-users --output sessions.csv
  cariqa-async export --users-file users.txt --output sessions.parquet --resume
  cariqa-async export --all-users --workers 4 --concurrency 64 --output sessions.jsonl
  cariqa-async export --all-users --shard "$JOB_COMPLETION_INDEX/8" --output part.jsonl

--resume is safe to use every time (a cron job): it continues an interrupted
export, and starts a fresh one when there is nothing to continue.

exit codes: 0 every user exported; 1 some users failed or the API was
unreachable (run again with --resume); 2 bad input or refused (existing output,
refused token...); 130 Ctrl-C; 143 SIGTERM. After 1, 130 and 143 what was
exported is kept and --resume continues from there.
"""


def add_export_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Options of ``export``."""
    parser.epilog = _EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    users = parser.add_argument_group("whose sessions (one of)")
    source = users.add_mutually_exclusive_group()
    source.add_argument(
        "--users-file", type=Path, metavar="FILE", help="a file with one user id per line"
    )
    source.add_argument("--all-users", action="store_true", help="every user of the platform")
    users.add_argument("user_ids", nargs="*", metavar="USER_ID", help="user ids")
    output = parser.add_argument_group("output")
    output.add_argument(
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help="the file to write; its extension (.jsonl, .csv, .parquet) gives the format",
    )
    output.add_argument(
        "--format",
        choices=[f.value for f in ExportFormat],
        default=None,
        help="output format (default: from the --output extension, else jsonl)",
    )
    mode = output.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted export (or start one if there is none)",
    )
    mode.add_argument("--overwrite", action="store_true", help="replace an existing output")
    tuning = parser.add_argument_group("tuning")
    tuning.add_argument(
        "--page-size",
        type=positive_int,
        default=100,
        metavar="N",
        help="sessions per request (%(default)s)",
    )
    tuning.add_argument(
        "--users-in-flight",
        type=positive_int,
        default=8,
        metavar="N",
        help="users exported at once (%(default)s)",
    )
    scale = parser.add_argument_group("scaling out")
    scale.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        metavar="N",
        help="processes on this machine, each with 1/N of the users, --concurrency, "
        "--rate-limit and --users-in-flight; one output file (%(default)s)",
    )
    scale.add_argument(
        "--shard",
        type=shard_arg,
        default=None,
        metavar="K/N",
        help="export only shard K (0 to N-1) of N of the users, split by a stable hash: "
        "N machines, one shard each, share an export with no coordination",
    )
    # A worker of --workers: its sub-shard; users on stdin, progress on stdout.
    parser.add_argument("--worker", type=shard_arg, default=None, help=argparse.SUPPRESS)
    add_connection_arguments(parser)
    add_verbosity_arguments(parser)
    return parser


def shard_arg(text: str) -> Shard:
    """``argparse`` type: ``K/N``, shard K (0 to N-1) of N."""
    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def read_user_ids(path: Path) -> list[str]:
    """User ids from a file, one per line; surrounding whitespace is ignored.

    Raises:
        UsageError: unreadable or empty file, a blank or duplicate id, or an id
            that could not be a path segment.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    return check_user_ids(lines, where=str(path))


def check_user_ids(ids: Sequence[str], *, where: str) -> list[str]:
    """Stripped ids, each valid and unique.

    Raises:
        UsageError: naming the first bad one and where it is.
    """
    seen: dict[str, int] = {}
    for number, raw in enumerate(ids, start=1):
        user_id = raw.strip()
        if not user_id:
            raise UsageError(f"{where}: line {number} is blank")
        try:
            segment(user_id, "user id")
        except ValueError as exc:
            raise UsageError(f"{where}: line {number}: {exc}") from None
        if user_id in seen:
            raise UsageError(
                f"{where}: line {number} repeats user id {user_id!r} (first on line "
                f"{seen[user_id]})"
            )
        seen[user_id] = number
    if not seen:
        raise UsageError(f"{where}: no user ids")
    return list(seen)


async def _user_ids(args: argparse.Namespace, client: CariqaClient) -> list[str]:
    if args.users_file is not None:
        if args.user_ids:
            raise UsageError("give user ids either as arguments or in --users-file")
        return read_user_ids(args.users_file)
    if args.all_users:
        if args.user_ids:
            raise UsageError("--all-users takes no user ids")
        return [user.id async for user in client.users.iter()]
    if not args.user_ids:
        raise UsageError("say whose sessions: USER_ID..., --users-file FILE or --all-users")
    return check_user_ids(args.user_ids, where="arguments")


def print_summary(result: ExportResult, out: TextIO) -> None:
    """The end-of-export summary of the whole output file; failures listed with their error.

    After a resume the sessions, energy and spend cover every run's records, and
    the rate only this run's.
    """
    if result.already_complete:
        print(
            f"{result.output} is already complete: {result.sessions:,} sessions of "
            f"{result.users_in_output} users; nothing to do",
            file=out,
        )
    else:
        rate = result.sessions_this_run / result.elapsed if result.elapsed else 0.0
        skipped = f" ({result.users_skipped} already done)" if result.users_skipped else ""
        print(
            f"Exported {result.sessions:,} sessions of {result.users_in_output} users{skipped} "
            f"to {result.output} in {result.elapsed:.1f} s ({rate:,.0f} sessions/s, "
            f"{result.requests} requests, {result.retries} retries)",
            file=out,
        )
    if result.sessions:
        print(f"  energy: {result.kwh:,.3f} kWh", file=out)
        for currency, amount in sorted(result.spend.items()):
            print(f"  spend:  {amount:,.2f} {currency.upper()}", file=out)
    if result.failures:
        count = len(result.failures)
        print(
            f"{count} {_users(count)} failed (run again with --resume to retry "
            f"{'it' if count == 1 else 'them'}):",
            file=out,
        )
        for user_id, error in sorted(result.failures.items()):
            print(f"  {user_id}: {error}", file=out)


def _users(count: int) -> str:
    return "user" if count == 1 else "users"


def export_format(output: Path, given: str | None) -> ExportFormat:
    """The format ``--format`` names, else the one ``output``'s extension names, else JSONL.

    Raises:
        UsageError: ``--format`` and the extension name different formats.
    """
    implied = EXTENSIONS.get(output.suffix.lower())
    if given is None:
        return implied or ExportFormat.JSONL
    fmt = ExportFormat(given)
    if implied is not None and implied is not fmt:
        raise UsageError(
            f"--format {fmt.value} does not match --output {output} (a {implied.value} "
            f"name); drop --format, or name the file {output.stem}.{fmt.value}"
        )
    return fmt


@attrs.define
class Plan:
    """What ``export`` will do, decided before any request."""

    format: ExportFormat
    resume: bool
    overwrite: bool
    note: str | None = None  # said before starting


def plan_export(args: argparse.Namespace) -> Plan:
    """Check the output, format and mode before any request (or the token prompt).

    Raises:
        UsageError: a directory or an unwritable place as output, a format that
            contradicts the extension, Parquet without pyarrow, an existing output
            without ``--resume``/``--overwrite``, or ``--resume`` of an output
            that is complete or not an export.
    """
    output: Path = args.output
    fmt = export_format(output, args.format)
    try:
        check_target(output, fmt)
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    _, checkpoint = _paths(output, fmt)
    plan = Plan(fmt, resume=args.resume, overwrite=args.overwrite)
    if args.overwrite:
        return plan
    data, _ = _paths(output, fmt)
    manifest = manifest_path(output)
    if not args.resume:
        for path in (output, checkpoint, data, manifest):
            if path.exists():
                raise UsageError(
                    f"{path} already exists: add --resume to continue that export, "
                    "or --overwrite to replace it"
                )
        return plan
    if manifest.exists() and args.worker is None:
        from ..export._merge import Manifest

        try:
            workers = getattr(Manifest.read(output), "workers", "N")
        except ExportError:
            workers = "N"
        raise UsageError(
            f"{output} was started with --workers {workers}: resume it with --workers "
            f"{workers}, or start over with --overwrite"
        )
    if checkpoint.exists():
        return plan
    if output.exists():
        raise UsageError(
            f"nothing to resume: {output} exists but {checkpoint.name} does not, so the "
            "export that wrote it finished (or it is another file); add --overwrite "
            "instead of --resume to export it again"
        )
    # A cron job runs the same command every time: the first run starts. Files an
    # export left without a checkpoint vouch for nothing, so they may go.
    return Plan(
        fmt,
        resume=False,
        overwrite=True,
        note=f"nothing to resume ({checkpoint.name} does not exist): starting a new export",
    )


def resume_command(argv: Sequence[str]) -> str:
    """The command line that continues this export: ``argv`` with ``--resume``.

    ``--overwrite`` is dropped, and ``--token`` with its value: a token is never
    printed (it comes from ``$CARIQA_TOKEN`` or the prompt again).
    """
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--token":
            skip = True
        elif not (arg.startswith("--token=") or arg == "--overwrite"):
            kept.append(arg)
    if "--resume" not in kept:
        kept.append("--resume")
    return shlex.join([*_program(), *kept])


def _program() -> list[str]:
    """How this program was started: ``cariqa-async`` or ``python -m ...``."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path("cariqa-async")
    if script.name == "__main__.py":
        package = ".".join(part for part in (script.parent.parent.name, script.parent.name) if part)
        module = "cariqa_async.cli" if package.endswith("cariqa_async.cli") else "cariqa_async"
        return [Path(sys.executable).name, "-m", module]
    return ["cariqa-async"]


class _Saved:
    """Remembers the export's last progress: how many users are committed."""

    def __init__(self) -> None:
        self.last: ExportProgress | None = None

    def __call__(self, snapshot: ExportProgress) -> None:
        self.last = snapshot

    @property
    def users(self) -> int:
        # The exporter reports a last snapshot after it has committed, also when
        # interrupted: every user counted done is in the checkpoint by then.
        p = self.last
        return 0 if p is None else p.users_done + p.users_skipped


def _continue_hint(args: argparse.Namespace, saved: _Saved) -> str:
    count = saved.users
    return (
        f"{count} {_users(count)} saved in {args.output}; continue with:\n"
        f"  {resume_command(args.argv)}"
    )


class ExportOptions(TypedDict):
    """What an ``export`` command line sets of the exporter, in one process or a worker."""

    format: ExportFormat
    resume: bool
    overwrite: bool
    users_in_flight: int
    page_size: int
    users_may_change: bool
    stop_when_unreachable: int


def export_options(args: argparse.Namespace, plan: Plan) -> ExportOptions:
    """The exporter's options from the command line and the plan."""
    return ExportOptions(
        format=plan.format,
        resume=plan.resume,
        overwrite=plan.overwrite,
        users_in_flight=args.users_in_flight,
        page_size=args.page_size,
        # The platform's users may come and go between runs: pinning the list
        # would make such an export impossible to resume.
        users_may_change=args.all_users,
        stop_when_unreachable=UNREACHABLE_USERS,
    )


async def export_command(args: argparse.Namespace, saved: _Saved | None = None) -> int:
    """Run ``export``; returns the exit code."""
    saved = saved or _Saved()
    if args.worker is not None:
        from ._workers import worker_command

        return await worker_command(args, plan_export(args))
    if args.workers > 1:
        return await _export_with_workers(args, saved)
    plan = plan_export(args)
    client = make_client(args)
    async with client:
        user_ids = await _user_ids(args, client)
        if plan.note:
            print(plan.note, file=sys.stderr)
        if plan.overwrite:
            from ._workers import clean_start

            clean_start(args.output, plan.format)  # a --workers export's files too
        with progress_for() as progress:

            def report(snapshot: ExportProgress) -> None:
                saved(snapshot)
                progress(snapshot)

            try:
                result = await export_sessions(
                    client,
                    user_ids,
                    args.output,
                    **export_options(args, plan),
                    # With a shard, the exporter counts the shard's users.
                    users_total=len(user_ids) if args.shard is None else None,
                    progress=report,
                    shard=args.shard,
                )
            except UnreachableError as exc:
                print(f"error: {exc}", file=sys.stderr)
                print(_continue_hint(args, saved), file=sys.stderr)
                return EXIT_FAILURES
            except ExportError as exc:
                raise UsageError(str(exc)) from None
    from ._workers import log_peak, peak_rss_kib

    log_peak("export", peak_rss_kib())
    print_summary(result, sys.stdout)
    return EXIT_OK if result.ok else EXIT_FAILURES


async def _export_with_workers(args: argparse.Namespace, saved: _Saved) -> int:
    """``--workers N``: list the users once, run N worker processes, merge their parts."""
    from ._workers import already_merged, plan_workers, run_workers

    plan = plan_workers(args)
    if plan.done is not None:
        print_summary(already_merged(args.output, plan), sys.stdout)
        return EXIT_OK
    token = resolve_token(args.token)
    client = make_client(argparse.Namespace(**{**vars(args), "token": token}))
    async with client:
        user_ids = await _user_ids(args, client)
    if plan.note:
        print(plan.note, file=sys.stderr)
    with progress_for() as progress:

        def report(snapshot: ExportProgress) -> None:
            saved(snapshot)
            progress(snapshot)

        code, result = await run_workers(args, plan, token, user_ids, report)
    if result is not None:
        print_summary(result, sys.stdout)
    if code == EXIT_FAILURES and result is None:
        print(_continue_hint(args, saved), file=sys.stderr)
    return code


def main_export(args: argparse.Namespace) -> int:
    """Entry of ``export``."""
    saved = _Saved()
    if args.worker is not None:
        return run(lambda: export_command(args, saved), args)  # the parent says what to do
    return run(
        lambda: export_command(args, saved), args, stopped=lambda: _continue_hint(args, saved)
    )
