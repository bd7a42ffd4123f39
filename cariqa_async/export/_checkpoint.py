"""The checkpoint: which users are completely in the output, made durable in groups."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, Collection, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import attrs
import orjson

from ._files import complete_lines, fsync_file
from ._tally import Tally

# 2: per-user digests and totals, and the users list's digest in the header.
_VERSION = 2

#: The header's ``users`` when the list may differ between runs (``--all-users``, a stream).
ANY_USERS = "any"


class CheckpointError(Exception):
    """The checkpoint does not belong to this export (other format, users or not ours)."""


def users_key(user_ids: Iterable[str] | AsyncIterable[str], *, may_change: bool) -> Any:
    """What the header records about the users: a list's size and digest, or ``"any"``.

    The digest is of the sorted distinct ids, so the same users in another order
    are the same export. A stream cannot be digested before it is walked, and a
    list that may legitimately change between runs (every user of the platform)
    must not be pinned: both record ``"any"``.
    """
    if may_change or not isinstance(user_ids, Collection) or isinstance(user_ids, (str, bytes)):
        return ANY_USERS
    ids = sorted({str(user_id) for user_id in user_ids})
    text = "\n".join(ids).encode("utf-8")
    return {"count": len(ids), "sha256": hashlib.sha256(text).hexdigest()}


def _describe_users(key: Any) -> str:
    if isinstance(key, dict) and "count" in key and "sha256" in key:
        return f"a list of {key['count']} users (sha256 {str(key['sha256'])[:12]})"
    if key == ANY_USERS:
        return "users that may change between runs (--all-users or a stream)"
    return "an unknown users list"


def _describe_shard(shard: Any) -> str:
    return "every user" if shard is None else f"shard {shard} (--shard {shard})"


@attrs.define
class Completed:
    """What an earlier run left: each completed user's (sessions, digest), and their sum."""

    users: dict[Any, tuple[int, int]] = attrs.Factory(dict)
    totals: Tally = attrs.Factory(Tally)


def completed_users(path: Path) -> Completed:
    """The users a checkpoint lists, whatever export its header describes.

    For a caller that checked the header already, or that needs no check: the
    ``--workers`` merge, which sums its workers' checkpoints.
    """
    lines = complete_lines(path)
    next(lines, None)  # the header
    return _entries(lines)


def _entries(lines: Iterator[bytes]) -> Completed:
    completed = Completed()
    for line in lines:
        try:
            entry = orjson.loads(line)
            user_id = entry["user_id"]
            tally = Tally.from_json(entry)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, ArithmeticError):
            continue  # a torn line that happened to end in a newline: not durable
        if user_id in completed.users:
            continue  # only the exporter's bookkeeping could repeat one; keep the first
        completed.users[user_id] = (tally.sessions, tally.digest)
        completed.totals.add(tally)
    return completed


class Checkpoint:
    """An append-only log: a header line, then one line per completed user.

    ``record`` only buffers; ``append`` writes and fsyncs. The exporter appends a
    batch only after fsyncing the output it flushed before taking that batch, so
    every user in a durable checkpoint has all its records durably in the output.
    Each user's line holds its record count, the digest of its records' bytes and
    its energy and spend, so a resume can check the output and sum it up in one
    streaming pass.
    """

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = path
        self._header = {"cariqa_async_export": _VERSION, **header}
        self._pending: list[bytes] = []
        self._handle: BinaryIO | None = None

    def load(self) -> Completed:
        """Users completed by earlier runs, with their counts, digests and totals.

        Raises:
            CheckpointError: the file is not a checkpoint of an export like this
                one: not ours, another format or version, or other users.
        """
        lines = complete_lines(self.path)
        try:
            header = orjson.loads(next(lines))
        except (StopIteration, orjson.JSONDecodeError):
            header = None
        if not isinstance(header, dict) or "cariqa_async_export" not in header:
            raise CheckpointError(f"{self.path} is not a cariqa-async checkpoint")
        if header.get("format") != self._header["format"]:
            raise CheckpointError(
                f"{self.path} belongs to a different export ({header.get('format', '?')})"
            )
        if header["cariqa_async_export"] != _VERSION:
            raise CheckpointError(
                f"{self.path} was written by another version of cariqa-async; "
                "start over with overwrite (--overwrite)"
            )
        if header.get("users") != self._header["users"]:
            raise CheckpointError(
                f"{self.path} was written for {_describe_users(header.get('users'))}, but "
                f"this run exports {_describe_users(self._header['users'])}; resume with "
                "the same users, or start over with overwrite (--overwrite)"
            )
        if header.get("shard") != self._header.get("shard"):
            raise CheckpointError(
                f"{self.path} was written for {_describe_shard(header.get('shard'))}, but "
                f"this run exports {_describe_shard(self._header.get('shard'))}; resume with "
                "the same shard, or start over with overwrite (--overwrite)"
            )
        return _entries(lines)

    def start(self, *, fresh: bool) -> None:
        """Open for appending; ``fresh`` writes a new header first."""
        self._handle = self.path.open("wb" if fresh else "ab")
        if fresh:
            self._handle.write(orjson.dumps(self._header) + b"\n")
            fsync_file(self._handle)

    def record(self, user_id: str, tally: Tally) -> None:
        """Note a completed user; durable only after :meth:`append`."""
        entry = {"user_id": user_id, **tally.to_json()}
        self._pending.append(orjson.dumps(entry) + b"\n")

    def take(self) -> list[bytes]:
        """The users recorded since the last call, to hand to :meth:`append`."""
        batch, self._pending = self._pending, []
        return batch

    def append(self, batch: list[bytes]) -> None:
        """Write ``batch`` and fsync. Safe in a worker thread: only the committer calls it."""
        assert self._handle is not None, "start() first"
        self._handle.writelines(batch)
        fsync_file(self._handle)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
