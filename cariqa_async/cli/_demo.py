"""``cariqa-async demo``: the main job, end to end, on the embedded sandbox."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .._client import CariqaClient
from .._transport import Timeout
from ..export import export_sessions
from ._common import EXIT_FAILURES, EXIT_OK, add_verbosity_arguments, positive_int, run
from ._export import print_summary
from ._progress import progress_for


def add_demo_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Options of ``demo``."""
    parser.add_argument(
        "--users", type=positive_int, default=300, help="sandbox users (%(default)s)"
    )
    parser.add_argument("--seed", type=int, default=1, help="sandbox data seed (%(default)s)")
    parser.add_argument(
        "--output",
        type=Path,
        # Not the working directory: the default run writes tens of megabytes.
        default=Path(tempfile.gettempdir()) / "cariqa-demo-sessions.jsonl",
        help="file to write, replaced if it exists (%(default)s)",
    )
    parser.add_argument(
        "--format", choices=["jsonl", "csv", "parquet"], default="jsonl", help="(%(default)s)"
    )
    parser.add_argument(
        "--concurrency", type=positive_int, default=16, help="requests in flight (%(default)s)"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="sandbox seconds per request")
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="share of requests the sandbox fails"
    )
    add_verbosity_arguments(parser)
    return parser


async def _demo(args: argparse.Namespace) -> int:
    from ..sandbox import Sandbox

    sandbox = Sandbox(
        seed=args.seed,
        users=args.users,
        latency=args.latency,
        fault_rate=args.fault_rate,
        retry_after=0,
        stall_time=5.0,
    )
    async with sandbox:
        print(f"Sandbox serving {sandbox.url} with {args.users} users (seed {args.seed})")
        # A local server answers in milliseconds: a short read timeout turns the
        # sandbox's stalls into quick retries instead of half-minute waits.
        client = CariqaClient(
            sandbox.token,
            base_url=sandbox.url,
            concurrency=args.concurrency,
            timeout=Timeout(connect=5, read=1),
        )
        async with client:
            user_ids = [user.id async for user in client.users.iter()]
            with progress_for() as progress:
                result = await export_sessions(
                    client,
                    user_ids,
                    args.output,
                    format=args.format,
                    overwrite=True,
                    users_in_flight=args.concurrency,
                    users_total=len(user_ids),
                    progress=progress,
                )
    print_summary(result, sys.stdout)
    size = args.output.stat().st_size if args.output.exists() else 0
    print(f"The export is {args.output} ({size / 1e6:.1f} MB); delete it when you are done.")
    return EXIT_OK if result.ok else EXIT_FAILURES


def run_demo(args: argparse.Namespace) -> int:
    """Run ``demo``; returns the exit code."""
    return run(lambda: _demo(args), args)
