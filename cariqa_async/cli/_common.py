"""What every command shares: the token, the client, and one-line error reporting."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from .._client import CariqaClient
from ..errors import (
    AuthenticationError,
    CariqaError,
    InvalidArgumentError,
    PermissionDeniedError,
)

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input: reported as one line, exit code 2."""


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """``--token`` and ``--base-url``."""
    parser.add_argument(
        "--token",
        help="API token (default: $CARIQA_TOKEN, else asked for without echo)",
    )
    parser.add_argument("--base-url", help="API base URL (default: $CARIQA_BASE_URL or production)")
    parser.add_argument(
        "--concurrency", type=positive_int, default=8, help="requests in flight (%(default)s)"
    )
    parser.add_argument(
        "--rate-limit", type=positive_float, default=None, help="requests per second, at most"
    )


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def resolve_token(given: str | None) -> str:
    """The token from ``--token``, ``$CARIQA_TOKEN`` or a no-echo prompt on a terminal.

    Raises:
        UsageError: none of those gave a token.
    """
    token = given or os.environ.get("CARIQA_TOKEN")
    if not token and sys.stdin is not None and sys.stdin.isatty():
        token = getpass.getpass("Cariqa API token: ").strip()
    if not token:
        raise UsageError("no API token: pass --token, set CARIQA_TOKEN, or run on a terminal")
    return token


def make_client(args: argparse.Namespace) -> CariqaClient:
    """A client from the connection options.

    Raises:
        UsageError: no token, or an unacceptable token or base URL.
    """
    try:
        return CariqaClient(
            resolve_token(args.token),
            base_url=args.base_url,
            concurrency=args.concurrency,
            rate_limit=args.rate_limit,
        )
    except CariqaError as exc:
        raise UsageError(str(exc)) from None


def run(command: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run an async command; turn expected failures into one line and an exit code."""
    import asyncio

    try:
        return asyncio.run(command())
    except BrokenPipeError:
        # `cariqa-async ... | head`: the reader left; that is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, InvalidArgumentError) as exc:
        # A bad argument (an id that would change the URL, say) is the caller's to fix.
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (AuthenticationError, PermissionDeniedError) as exc:
        print(f"error: the API refused the token (HTTP {exc.status})", file=sys.stderr)
        return EXIT_USAGE
    except CariqaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURES
