"""The ``cariqa-async`` command line: ``export``, ``users``, ``sessions``, ``demo``, ``sandbox``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .. import __version__

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, one sub-parser per command."""
    from ..sandbox._cli import add_arguments
    from ._demo import add_demo_arguments
    from ._export import add_export_arguments
    from ._sessions import add_sessions_arguments
    from ._users import add_users_arguments

    parser = argparse.ArgumentParser(
        prog="cariqa-async", description="Command line of the Cariqa Connect asyncio SDK."
    )
    parser.add_argument("--version", action="version", version=f"cariqa-async {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_export_arguments(
        commands.add_parser(
            "export",
            help="export many users' charging sessions to JSON Lines, CSV or Parquet",
            description="Export every charging session of many users, resumably.",
        )
    )
    add_users_arguments(
        commands.add_parser(
            "users",
            help="list the platform's users (a table, JSON Lines, or ids for --users-file)",
            description="List the platform's users.",
        )
    )
    add_sessions_arguments(
        commands.add_parser(
            "sessions",
            help="list or get one user's charging sessions",
            description="Look at one user's charging sessions.",
        )
    )
    add_demo_arguments(
        commands.add_parser(
            "demo",
            help="export every session of a local sandbox to a file (no token, no network)",
            description="Start the sandbox in-process, export all sessions of all its "
            "users, and print a summary.",
        )
    )
    add_arguments(
        commands.add_parser(
            "sandbox",
            help="serve a local simulator of the Cariqa Connect API",
            description="Serve a local simulator of the Cariqa Connect API until Ctrl-C.",
        )
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code.

    Example: ``cariqa-async export --all-users --format csv --output sessions.csv``.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    # The arguments as given, to print the command that resumes an export.
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.command == "export":
        from ._export import main_export

        return main_export(args)
    if args.command == "users":
        from ._users import main_users

        return main_users(args)
    if args.command == "sessions":
        from ._sessions import main_sessions

        return main_sessions(args)
    if args.command == "demo":
        from ._demo import run_demo

        return run_demo(args)
    from ..sandbox._cli import serve_args

    return serve_args(parser, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
