"""The Cariqa sandbox in its own process, for ``export.py``.

Child: ``python bench/_export_server.py --users U [--sessions-per-user N]`` starts
``cariqa_async.sandbox.Sandbox`` (zero latency, no faults) on 127.0.0.1 and a free
port and, once it accepts connections, prints one JSON line: ``url``, ``token``,
``user_ids`` and each user's session ``counts``. Without ``--sessions-per-user``
the counts follow the sandbox's realistic default distribution for ``--seed``.
It exits on SIGTERM or when its stdin closes (the parent died), so its memory
and CPU are never counted as the exporter's.

Parent: :class:`SandboxProcess` starts the child in its own session (Ctrl-C
reaches only the parent, whose ``finally`` stops the child).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

import orjson
from _child import ChildProcess, lifeline

from cariqa_async.sandbox import Sandbox


def python() -> list[str]:
    """This interpreter, with this process's ``-W`` options (``-W error`` reaches children)."""
    return [sys.executable, *(f"-W{option}" for option in sys.warnoptions)]


class SandboxProcess(ChildProcess):
    """The sandbox in a child process; a context manager that always stops it.

    Attributes:
        url, token: where and how to reach it.
        user_ids, counts: the users in server order and how many sessions each has.
    """

    def __init__(
        self, *, users: int, sessions_per_user: int | None, seed: int, cache_size: int
    ) -> None:
        argv = [*python(), str(Path(__file__).resolve()), "--users", str(users)]
        argv += ["--seed", str(seed), "--cache-size", str(cache_size)]
        if sessions_per_user is not None:
            argv += ["--sessions-per-user", str(sessions_per_user)]
        super().__init__(argv, "sandbox")
        info = orjson.loads(self.announcement)
        self.url: str = info["url"]
        self.token: str = info["token"]
        self.user_ids: list[str] = info["user_ids"]
        self.counts: list[int] = info["counts"]

    @property
    def total(self) -> int:
        return sum(self.counts)


async def _serve(args: argparse.Namespace) -> None:
    per_user = args.sessions_per_user
    sandbox = Sandbox(
        seed=args.seed,
        users=None if per_user is not None else args.users,
        sessions_per_user=None if per_user is None else [per_user] * args.users,
        cache_size=args.cache_size,
    )
    stop = lifeline()
    async with sandbox as sb:
        info = {
            "url": sb.url,
            "token": sb.token,
            "user_ids": sb.user_ids,
            "counts": [sb.session_count(user) for user in sb.user_ids],
        }
        sys.stdout.buffer.write(orjson.dumps(info) + b"\n")
        sys.stdout.flush()
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--sessions-per-user", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache-size", type=int, default=25_000)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
