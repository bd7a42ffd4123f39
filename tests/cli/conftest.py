from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cariqa_async.sandbox import Sandbox, ThreadedSandbox


@pytest.fixture
def sandbox() -> Iterator[ThreadedSandbox]:
    """A sandbox in a background thread: the CLI under test runs as a subprocess."""
    sizes = [0, 1, 37, 100, 101, 250, 3, 64, 12, 999, 5, 150]
    with Sandbox(seed=21, sessions_per_user=sizes, retry_after=0).run_in_thread() as sb:
        yield sb


def cli(
    *args: str,
    token: str | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real entry point; the token goes through the environment, never argv.

    ``env`` adds to (or, with an empty value, removes from) the environment.
    """
    env = {**cli_env(token), **(env or {})}
    env = {k: v for k, v in env.items() if v}
    return subprocess.run(
        [sys.executable, "-m", "cariqa_async.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def cli_env(token: str | None = None) -> dict[str, str]:
    """The environment the CLI runs in: ours without CARIQA_*, plus the token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARIQA_")}
    if token is not None:
        env["CARIQA_TOKEN"] = token
    return env


def jsonl_ids(path: Path) -> list[tuple[str, str]]:
    """(user_id, session id) of every record, in file order."""
    return [
        (record["user_id"], record["id"])
        for record in map(json.loads, path.read_text(encoding="utf-8").splitlines())
    ]


def expected(sb: ThreadedSandbox, users: list[str]) -> set[tuple[str, str]]:
    return {(user, session) for user in users for session in sb.session_ids(user)}
