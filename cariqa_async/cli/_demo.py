"""``cariqa-async demo``: the main job, end to end, on the embedded sandbox."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import IO

import attrs
import orjson

from .._client import CariqaClient
from .._converter import Structurer
from .._transport import Timeout
from ..models import ChargingSession


def add_demo_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Options of ``demo``."""
    parser.add_argument("--users", type=int, default=300, help="sandbox users (%(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="sandbox data seed (%(default)s)")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("cariqa-demo-sessions.jsonl"),
        help="JSON Lines file to write (%(default)s)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="requests in flight (%(default)s)"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="sandbox seconds per request")
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="share of requests the sandbox fails"
    )
    return parser


@attrs.define
class Summary:
    """What an export saw."""

    users: int = 0
    sessions: int = 0
    kwh: Decimal = Decimal(0)
    spend: dict[str, Decimal] = attrs.Factory(lambda: defaultdict(Decimal))

    def add(self, session: ChargingSession) -> None:
        self.sessions += 1
        if session.consumed_energy is not None:
            self.kwh += session.consumed_energy
        cost = session.session_cost
        self.spend[cost.currency] += cost.invoice_summary


async def export_all(
    client: CariqaClient, out: IO[bytes], *, users_in_flight: int, progress: IO[str]
) -> Summary:
    """Write every session of every user as one JSON line with its ``user_id``."""
    structurer = Structurer()
    summary = Summary()
    user_ids = [user.id async for user in client.users.iter()]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for user_id in user_ids:
        queue.put_nowait(user_id)
    show = progress.isatty()

    async def worker() -> None:
        while not queue.empty():
            user_id = queue.get_nowait()
            lines = []
            # A user's sessions are collected before writing so that one user's
            # records are contiguous in the file.
            async for session in client.charging_sessions.iter(user_id, concurrency=4):
                record = {"user_id": user_id, **structurer.unstructure(session)}
                lines.append(orjson.dumps(record) + b"\n")
                summary.add(session)
            out.writelines(lines)
            summary.users += 1
            if show:
                print(
                    f"\r  users {summary.users}/{len(user_ids)}  sessions {summary.sessions}",
                    end="",
                    file=progress,
                    flush=True,
                )

    await asyncio.gather(*(worker() for _ in range(max(1, users_in_flight))))
    if show:
        print(file=progress)
    return summary


async def _demo(args: argparse.Namespace) -> int:
    from ..sandbox import Sandbox

    async with Sandbox(
        seed=args.seed, users=args.users, latency=args.latency, fault_rate=args.fault_rate,
        retry_after=0, stall_time=5.0,
    ) as sandbox:  # fmt: skip
        print(f"Sandbox serving {sandbox.url} with {args.users} users (seed {args.seed})")
        started = time.perf_counter()
        # A local server answers in milliseconds: a short read timeout turns the
        # sandbox's stalls into quick retries instead of half-minute waits.
        async with CariqaClient(
            sandbox.token,
            base_url=sandbox.url,
            concurrency=args.concurrency,
            timeout=Timeout(connect=5, read=1),
        ) as client:
            with args.output.open("wb") as out:
                summary = await export_all(
                    client, out, users_in_flight=args.concurrency, progress=sys.stderr
                )
        elapsed = time.perf_counter() - started
    print(f"Exported {summary.sessions} sessions of {summary.users} users to {args.output}")
    print(
        f"  {elapsed:.2f} s, {summary.sessions / elapsed:,.0f} sessions/s, "
        f"{client.stats.requests} requests, {client.stats.retries} retries"
    )
    print(f"  energy: {summary.kwh:,.3f} kWh")
    for currency, amount in sorted(summary.spend.items()):
        print(f"  spend:  {amount:,.2f} {currency.upper()}")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    """Run ``demo``; returns the exit code."""
    try:
        return asyncio.run(_demo(args))
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
