"""A server in a child process that announces itself on its first stdout line."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys


class ChildProcess:
    """Starts ``argv``, waits for its first stdout line, and always stops it.

    The child's stdin stays open as a lifeline: the servers exit when it closes,
    so they never outlive a benchmark that dies.
    """

    def __init__(self, argv: list[str], what: str) -> None:
        self._proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True
        )
        try:
            assert self._proc.stdout is not None
            line = self._proc.stdout.readline()
            if not line.strip():
                raise RuntimeError(f"{what} failed to start (exit {self._proc.wait()})")
        except BaseException:
            self.stop()
            raise
        #: The child's announcement (its first line of output).
        self.announcement = line

    def stop(self) -> None:
        proc = self._proc
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()

    def __enter__(self) -> ChildProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def lifeline() -> asyncio.Event:
    """In a child: an event set on SIGTERM or when the parent's pipe closes (it died)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    stdin = sys.stdin.fileno()

    def watch_parent() -> None:
        if not os.read(stdin, 4096):  # EOF: the parent closed the pipe or died
            loop.remove_reader(stdin)
            stop.set()

    loop.add_reader(stdin, watch_parent)
    return stop
