"""``cariqa-async users list``: the platform's users, e.g. to build a ``--users-file``."""

from __future__ import annotations

import argparse
import sys

from .._converter import to_dict
from ..models import User
from ._common import (
    EXIT_OK,
    add_connection_arguments,
    add_verbosity_arguments,
    make_client,
    positive_int,
    run,
)
from ._sessions import _dumps, _print_table

_HEADER = ["id", "external id", "email", "locale"]


def add_users_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Sub-command ``list``."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list",
        help="the platform's users",
        description="The platform's users: a table on a terminal, else JSON Lines. "
        "`users list --ids > users.txt` writes a file for `export --users-file`.",
    )
    shape = listing.add_mutually_exclusive_group()
    shape.add_argument(
        "--json", action="store_true", help="JSON Lines (one user per line) instead of a table"
    )
    shape.add_argument(
        "--ids", action="store_true", help="only the ids, one per line (for --users-file)"
    )
    listing.add_argument(
        "--search", metavar="TEXT", help="only users whose id or external id matches TEXT"
    )
    listing.add_argument(
        "--limit", type=positive_int, default=None, metavar="N", help="at most N users"
    )
    add_connection_arguments(listing)
    add_verbosity_arguments(listing)
    return parser


def _row(user: User) -> list[str]:
    custom = user.custom_properties
    return [
        user.id,
        (custom.external_id if custom is not None else None) or "",
        user.email or "",
        user.locale.value if user.locale is not None else "",
    ]


async def users_command(args: argparse.Namespace) -> int:
    """Run ``users list``; returns the exit code."""
    table = not (args.json or args.ids) and sys.stdout.isatty()
    rows: list[list[str]] = []
    shown = 0
    async with make_client(args) as client, client.users.iter(search=args.search) as walk:
        async for user in walk:
            if table:
                rows.append(_row(user))
            elif args.ids:
                sys.stdout.write(user.id + "\n")
            else:
                sys.stdout.write(_dumps(to_dict(user)) + "\n")
            shown += 1
            if args.limit is not None and shown >= args.limit:
                break
    if table:
        _print_table(_HEADER, rows)
    return EXIT_OK


def main_users(args: argparse.Namespace) -> int:
    """Entry of ``users``."""
    return run(lambda: users_command(args), args)
