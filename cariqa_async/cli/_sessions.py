"""``cariqa-async sessions list|get``: look at one user's sessions."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

from .._converter import to_dict
from ..models import ChargingSession
from ._common import (
    EXIT_OK,
    add_connection_arguments,
    add_verbosity_arguments,
    make_client,
    positive_int,
    run,
)


def add_sessions_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Sub-commands ``list`` and ``get``."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list",
        help="a user's sessions, newest first",
        description="A user's charging sessions, newest first: a table on a terminal, "
        "else JSON Lines.",
    )
    listing.add_argument("user_id", metavar="USER_ID")
    listing.add_argument(
        "--json", action="store_true", help="JSON Lines (one session per line) instead of a table"
    )
    listing.add_argument(
        "--limit", type=positive_int, default=None, metavar="N", help="at most N sessions"
    )
    add_connection_arguments(listing)
    add_verbosity_arguments(listing)
    getting = actions.add_parser(
        "get", help="one session as JSON", description="One charging session, as JSON."
    )
    getting.add_argument("user_id", metavar="USER_ID")
    getting.add_argument("session_id", metavar="SESSION_ID")
    add_connection_arguments(getting, many=False)
    add_verbosity_arguments(getting)
    return parser


def _row(session: ChargingSession) -> list[str]:
    cost = session.session_cost
    return [
        session.start_time.strftime("%Y-%m-%d %H:%M") if session.start_time else "",
        "active" if session.is_active else f"{(session.duration or 0) // 60} min",
        f"{session.consumed_energy} kWh" if session.consumed_energy is not None else "",
        f"{cost.invoice_summary} {cost.currency.upper()}",
        session.station_info.station_name or "",
        session.id,
    ]


_HEADER = ["start", "duration", "energy", "cost", "station", "id"]


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        return
    table = Table(*header)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


async def sessions_command(args: argparse.Namespace) -> int:
    """Run ``sessions list`` or ``sessions get``."""
    async with make_client(args) as client:
        if args.action == "get":
            session = await client.charging_sessions.get(args.user_id, args.session_id)
            sys.stdout.write(_dumps(to_dict(session), indent=True) + "\n")
            return EXIT_OK
        rows: list[list[str]] = []
        table = not args.json and sys.stdout.isatty()
        shown = 0
        async with client.charging_sessions.iter(args.user_id) as walk:
            async for session in walk:
                if table:
                    rows.append(_row(session))
                else:
                    sys.stdout.write(_dumps(to_dict(session)) + "\n")
                shown += 1
                if args.limit is not None and shown >= args.limit:
                    break
        if rows:
            _print_table(_HEADER, rows)
    return EXIT_OK


def _dumps(data: Any, *, indent: bool = False) -> str:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 if indent else 0).decode()


def main_sessions(args: argparse.Namespace) -> int:
    """Entry of ``sessions``."""
    return run(lambda: sessions_command(args), args)
