"""What every command shares: the token, the client, logging, signals, one-line errors."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from .._client import CariqaClient
from .._logging import LOGGER_NAME, level_from_env
from .._transport import Secret, Timeout
from ..errors import (
    AuthenticationError,
    CariqaError,
    InvalidArgumentError,
    PermissionDeniedError,
)

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM: systemd, Kubernetes, `kill`


class UsageError(Exception):
    """Bad input: reported as one line, exit code 2."""


def add_connection_arguments(parser: argparse.ArgumentParser, *, many: bool = True) -> None:
    """``--token``, ``--base-url``, ``--timeout``, ``--max-retries``; with ``many``
    (commands that send many requests) also ``--concurrency`` and ``--rate-limit``."""
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--token",
        help="API token (default: $CARIQA_TOKEN, else asked for without echo)",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="API origin, e.g. http://127.0.0.1:8080 (default: $CARIQA_BASE_URL or production)",
    )
    group.add_argument(
        "--timeout",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="give up on an attempt after this long without connecting or without a byte "
        "of the answer (default: 10 to connect, 30 to answer)",
    )
    group.add_argument(
        "--max-retries",
        type=non_negative_int,
        default=None,
        metavar="N",
        help="retries of a failed request, with backoff (default: 5; 0 disables)",
    )
    if many:
        group.add_argument(
            "--concurrency",
            type=positive_int,
            default=8,
            metavar="N",
            help="requests in flight, at most (%(default)s)",
        )
        group.add_argument(
            "--rate-limit",
            type=positive_float,
            default=None,
            metavar="PER_SECOND",
            help="requests per second, at most (default: no limit)",
        )


def add_verbosity_arguments(parser: argparse.ArgumentParser) -> None:
    """``-q``/``-v``: the level of the SDK's log lines (retries...) on stderr."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="only errors: no retry warnings (default level: $CARIQA_LOG, else warning)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more log lines: -v info, -vv every request (debug)",
    )


def positive_int(text: str) -> int:
    """``argparse`` type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """``argparse`` type: an integer of at least 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {value}")
    return value


def positive_float(text: str) -> float:
    """``argparse`` type: a number greater than 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def resolve_token(given: str | None) -> str:
    """The token from ``--token``, ``$CARIQA_TOKEN`` or a no-echo prompt on a terminal.

    It is a :class:`~cariqa_async._transport.Secret`: a ``str`` whose ``repr`` is
    redacted, so a traceback showing local variables never shows it.

    Raises:
        UsageError: none of those gave a token.
    """
    token = given or os.environ.get("CARIQA_TOKEN")
    if not token and sys.stdin is not None and sys.stdin.isatty():
        token = getpass.getpass("Cariqa API token: ").strip()
    if not token:
        raise UsageError("no API token: pass --token, set CARIQA_TOKEN, or run on a terminal")
    return Secret(token)


def make_client(args: argparse.Namespace) -> CariqaClient:
    """A client from the connection options.

    Raises:
        UsageError: no token, or an unacceptable token or base URL.
    """
    options: dict[str, Any] = {
        "concurrency": getattr(args, "concurrency", 1),
        "rate_limit": getattr(args, "rate_limit", None),
        "max_retries": args.max_retries,
    }
    if args.timeout is not None:
        # One number for what a user means by "timeout": connecting, and silence
        # while waiting for the answer; the whole attempt keeps its larger bound.
        default = Timeout()
        options["timeout"] = Timeout(
            connect=args.timeout, read=args.timeout, total=max(args.timeout, default.total or 0)
        )
    try:
        return CariqaClient(resolve_token(args.token), base_url=args.base_url, **options)
    except CariqaError as exc:
        raise UsageError(str(exc)) from None


class _Terminated(Exception):
    """SIGTERM arrived: the command was cancelled and cleaned up."""


class LogHandler(logging.Handler):
    """The SDK's log lines on stderr as ``warning: ...``, or above a progress bar.

    While a rich progress bar shows, ``console`` is its console: lines printed
    through it appear above the bar instead of tearing it.
    """

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.console: Any = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = f"{record.levelname.lower()}: {record.getMessage()}"
            if self.console is not None:
                self.console.print(line, markup=False, highlight=False, soft_wrap=True)
            else:
                print(line, file=sys.stderr, flush=True)
        except Exception:
            self.handleError(record)


def log_handler() -> LogHandler | None:
    """The handler :func:`cli_logging` installed, if a command runs."""
    for handler in logging.getLogger(LOGGER_NAME).handlers:
        if isinstance(handler, LogHandler):
            return handler
    return None


def log_level(args: argparse.Namespace) -> int:
    """``-q``/``-v`` if given, else ``$CARIQA_LOG``, else WARNING.

    Raises:
        UsageError: ``$CARIQA_LOG`` names no level.
    """
    if getattr(args, "quiet", False):
        return logging.ERROR
    verbose = getattr(args, "verbose", 0) or 0
    if verbose:
        return logging.DEBUG if verbose > 1 else logging.INFO
    try:
        level = level_from_env()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return logging.WARNING if level is None else level


@contextlib.contextmanager
def cli_logging(level: int) -> Iterator[LogHandler]:
    """Send the SDK's log lines at ``level`` and above to our handler, for one command.

    The logger's handlers, level and propagation are restored afterwards: ``main``
    may run inside another program (a test suite) that has its own logging.
    """
    logger = logging.getLogger(LOGGER_NAME)
    handlers, saved_level, propagate = logger.handlers[:], logger.level, logger.propagate
    handler = LogHandler(level)
    logger.handlers = [handler]
    logger.setLevel(level)
    logger.propagate = False  # else the root's handlers (or lastResort) print it twice
    try:
        yield handler
    finally:
        logger.handlers = handlers
        logger.setLevel(saved_level)
        logger.propagate = propagate


async def _cancelled_by_sigterm(command: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run ``command``; SIGTERM cancels it like Ctrl-C does, so its clean-up runs."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    terminated = False

    def on_sigterm() -> None:
        nonlocal terminated
        if not terminated and task is not None:  # once: a second cancel would cut the clean-up
            terminated = True
            task.cancel()

    installed = False
    # Not on Windows, nor outside the main thread: there SIGTERM keeps its default.
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        installed = True
    try:
        return await command()
    except asyncio.CancelledError:
        if terminated:
            raise _Terminated from None
        raise
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGTERM)


def run(
    command: Callable[[], Coroutine[Any, Any, int]],
    args: argparse.Namespace | None = None,
    *,
    stopped: Callable[[], str] | None = None,
) -> int:
    """Run an async command; turn expected failures into one line and an exit code.

    ``args`` gives the log level (``-q``/``-v``); ``stopped`` says what to do
    after Ctrl-C or SIGTERM (e.g. the command that resumes), printed after the
    command has cleaned up.
    """
    try:
        level = log_level(args) if args is not None else logging.WARNING
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    def report(what: str) -> None:
        print(f"{what}{': ' + stopped() if stopped is not None else ''}", file=sys.stderr)

    try:
        with cli_logging(level):
            return asyncio.run(_cancelled_by_sigterm(command))
    except BrokenPipeError:
        # `cariqa-async ... | head`: the reader left; that is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        report("interrupted")
        return EXIT_INTERRUPTED
    except _Terminated:
        report("terminated (SIGTERM)")
        return EXIT_TERMINATED
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
