"""``cariqa-async export``: many users' sessions to JSON Lines, CSV or Parquet."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .._client import CariqaClient
from .._protocol import segment
from ..export import ExportError, ExportFormat, ExportResult, export_sessions
from ._common import (
    EXIT_FAILURES,
    EXIT_OK,
    UsageError,
    add_connection_arguments,
    make_client,
    positive_int,
    run,
)
from ._progress import progress_for


def add_export_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Options of ``export``."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--users-file", type=Path, help="file with one user id per line")
    source.add_argument("--all-users", action="store_true", help="every user of the platform")
    parser.add_argument("user_ids", nargs="*", metavar="USER_ID", help="user ids to export")
    parser.add_argument(
        "--format",
        choices=[f.value for f in ExportFormat],
        default="jsonl",
        help="output format (%(default)s)",
    )
    parser.add_argument("--output", type=Path, required=True, help="file to write")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="continue an interrupted export")
    mode.add_argument("--overwrite", action="store_true", help="replace an existing output")
    parser.add_argument(
        "--page-size", type=positive_int, default=100, help="sessions per page (%(default)s)"
    )
    parser.add_argument(
        "--users-in-flight", type=positive_int, default=8, help="users at once (%(default)s)"
    )
    add_connection_arguments(parser)
    return parser


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
        print(f"{len(result.failures)} users failed (run again with --resume):", file=out)
        for user_id, error in sorted(result.failures.items()):
            print(f"  {user_id}: {error}", file=out)


def _check_output(args: argparse.Namespace) -> None:
    parent = args.output.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {args.output}: {parent} is not a directory")


async def export_command(args: argparse.Namespace) -> int:
    """Run ``export``; returns the exit code."""
    _check_output(args)
    client = make_client(args)
    async with client:
        user_ids = await _user_ids(args, client)
        with progress_for() as progress:
            try:
                result = await export_sessions(
                    client,
                    user_ids,
                    args.output,
                    format=args.format,
                    resume=args.resume,
                    overwrite=args.overwrite,
                    users_in_flight=args.users_in_flight,
                    page_size=args.page_size,
                    users_total=len(user_ids),
                    progress=progress,
                    # The platform's users may come and go between runs: pinning
                    # the list would make such an export impossible to resume.
                    users_may_change=args.all_users,
                )
            except ExportError as exc:
                raise UsageError(str(exc)) from None
    print_summary(result, sys.stdout)
    return EXIT_OK if result.ok else EXIT_FAILURES


def main_export(args: argparse.Namespace) -> int:
    """Entry of ``export``."""
    return run(lambda: export_command(args))
