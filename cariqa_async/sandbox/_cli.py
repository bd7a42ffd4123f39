"""``python -m cariqa_async.sandbox``: serve a sandbox until Ctrl-C.

Split so a larger CLI can reuse it: :func:`add_arguments` fills any
``argparse`` parser (e.g. a ``cariqa-async sandbox`` subcommand),
:func:`sandbox_from_args` turns the parsed options into a :class:`Sandbox`,
:func:`run` serves it, and :func:`main` does all three.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from typing import TextIO, cast

from ._faults import DEFAULT_FAULT_KINDS, FAULT_KINDS, FAULT_SETTINGS, FaultKind, FaultSettings
from ._server import DEFAULT_TOKEN, DEFAULT_USERS, Sandbox
from .resources import charging_sessions

__all__ = ["add_arguments", "main", "run", "sandbox_from_args", "serve", "serve_args"]


def _int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers: {text!r}") from None
    if any(v < 0 for v in values):
        raise argparse.ArgumentTypeError("session counts must be >= 0")
    return values


def _kinds(text: str) -> list[FaultKind]:
    kinds = [part.strip() for part in text.split(",") if part.strip()]
    bad = [k for k in kinds if k not in FAULT_KINDS]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown fault kinds {bad}; choose from {FAULT_KINDS}")
    return [k for k in FAULT_KINDS if k in kinds]


def _fault(text: str) -> tuple[FaultKind, float]:
    kind, sep, value = text.partition("=")
    if not sep or kind not in FAULT_KINDS:
        raise argparse.ArgumentTypeError(f"expected KIND=PROBABILITY with KIND in {FAULT_KINDS}")
    try:
        probability = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a probability: {value!r}") from None
    return next(k for k in FAULT_KINDS if k == kind), probability


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the sandbox options to ``parser`` and return it."""
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (%(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks one (%(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="data set seed (%(default)s)")
    data = parser.add_mutually_exclusive_group()
    data.add_argument("--users", type=int, default=None, help=f"users ({DEFAULT_USERS})")
    data.add_argument(
        "--sessions-per-user",
        type=_int_list,
        metavar="N,N,...",
        help="exact session count of each user, e.g. 0,1,99,100,5000",
    )
    parser.add_argument(
        "--token",
        action="append",
        dest="tokens",
        metavar="TOKEN",
        help=f"accepted bearer token, repeatable ({DEFAULT_TOKEN})",
    )
    parser.add_argument("--page-size", type=int, default=10, help="default page size (%(default)s)")
    parser.add_argument(
        "--max-page-size", type=int, default=100, help="page_size cap (%(default)s)"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--jitter", type=float, default=0.0, help="extra random seconds, at most")
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="total fault probability per request"
    )
    parser.add_argument(
        "--fault-kinds",
        type=_kinds,
        default=None,
        metavar="KIND,...",
        help=f"kinds --fault-rate spreads over (default: {','.join(DEFAULT_FAULT_KINDS)})",
    )
    parser.add_argument(
        "--fault",
        type=_fault,
        action="append",
        dest="faults",
        default=[],
        metavar="KIND=P",
        help="probability of one fault kind, repeatable (e.g. 429=0.05)",
    )
    parser.add_argument("--retry-after", type=int, default=1, help="429 Retry-After seconds")
    parser.add_argument("--stall-time", type=float, default=30.0, help="seconds a stall lasts")
    parser.add_argument(
        "--doc-variants",
        action="store_true",
        help="serve the docs' shapes where they differ from the spec (client_secret, ...)",
    )
    return parser


def sandbox_from_args(args: argparse.Namespace) -> Sandbox:
    """Build the :class:`Sandbox` the parsed options describe.

    Raises:
        ValueError: On inconsistent settings (e.g. probabilities summing past 1).
    """
    # Every fault flag's dest is its FaultSettings name; --fault repeats into a list.
    settings = {name: getattr(args, name) for name in FAULT_SETTINGS}
    settings["faults"] = dict(settings["faults"])
    return Sandbox(
        seed=args.seed,
        users=args.users,
        sessions_per_user=args.sessions_per_user,
        tokens=args.tokens or DEFAULT_TOKEN,
        host=args.host,
        port=args.port,
        page_size=args.page_size,
        max_page_size=args.max_page_size,
        doc_variants=args.doc_variants,
        **cast("FaultSettings", settings),
    )


async def serve(sandbox: Sandbox, stop: asyncio.Event, out: TextIO) -> None:
    """Serve ``sandbox``, print where, and return once ``stop`` is set."""
    async with sandbox:
        sessions = charging_sessions.total(sandbox.state.store)
        # The origin, as --base-url and CARIQA_BASE_URL take it (the API is under /api/v1/).
        print(f"Cariqa sandbox serving {sandbox.url}", file=out)
        print(f"Token: {sandbox.token}", file=out)
        print(
            f"Use it: --base-url {sandbox.url} --token {sandbox.token}, or "
            f"export CARIQA_BASE_URL={sandbox.url} CARIQA_TOKEN={sandbox.token}",
            file=out,
        )
        print(
            f"Data: seed {sandbox.seed}, {len(sandbox.user_ids)} users, "
            f"{sessions} charging sessions",
            file=out,
        )
        print("Press Ctrl-C to stop.", file=out, flush=True)
        await stop.wait()


async def _serve_until_signalled(sandbox: Sandbox, out: TextIO) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not available on Windows; there Ctrl-C raises KeyboardInterrupt instead.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await serve(sandbox, stop, out)


def run(sandbox: Sandbox, out: TextIO | None = None) -> int:
    """Serve ``sandbox`` until SIGINT/SIGTERM (Ctrl-C); return 0.

    Raises:
        OSError: If the address cannot be bound.
    """
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_until_signalled(sandbox, out or sys.stdout))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox command line; return the exit status.

    Exits through ``SystemExit(2)`` on invalid arguments (argparse's convention).

    Example:
        ``python -m cariqa_async.sandbox --port 8080 --users 300 --fault-rate 0.1``
    """
    parser = add_arguments(
        argparse.ArgumentParser(
            prog="python -m cariqa_async.sandbox",
            description="Serve a local simulator of the Cariqa Connect API.",
        )
    )
    return serve_args(parser, parser.parse_args(argv))


def serve_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Serve the sandbox ``args`` (parsed by ``parser``) describe; return the exit status.

    Bad settings exit through ``parser.error`` (status 2); an address in use is 1.
    """
    try:
        sandbox = sandbox_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        return run(sandbox)
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
