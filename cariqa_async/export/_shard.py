"""Shards: a stable split of user ids, for many processes or machines with no coordination."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable

import attrs

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def stable_hash(user_id: str) -> int:
    """The first 8 bytes of sha256(``user_id`` as UTF-8), big-endian.

    The same on every platform, Python version and run (``PYTHONHASHSEED`` has no
    say), and never to change between releases: a resume after an upgrade must
    find every user in the shard it was in.
    """
    return int.from_bytes(hashlib.sha256(user_id.encode("utf-8")).digest()[:8], "big")


@attrs.frozen
class Shard:
    """Shard ``index`` of ``count``: the users whose :func:`stable_hash` is ``index`` mod ``count``.

    The ``count`` shards of a list are disjoint and together hold every user, so
    ``count`` machines can each export one with no coordination; a Kubernetes
    indexed Job passes ``$JOB_COMPLETION_INDEX`` as ``index`` directly.

    Raises:
        ValueError: ``count`` < 1, or ``index`` outside ``0..count-1``.

    Example::

        shard = Shard.parse("3/8")
        mine = [user for user in user_ids if shard.owns(user)]
        # or: await export_sessions(client, user_ids, "part-3.jsonl", shard=shard)
    """

    index: int
    count: int

    def __attrs_post_init__(self) -> None:
        if isinstance(self.index, bool) or isinstance(self.count, bool):
            raise ValueError("a shard is two integers")
        if self.count < 1:
            raise ValueError(f"a shard count must be at least 1, got {self.count}")
        if not 0 <= self.index < self.count:
            raise ValueError(
                f"shard {self.index} of {self.count} does not exist: shards are numbered "
                f"0 to {self.count - 1}"
            )

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"K/N"`` (as ``--shard`` takes it) -> ``Shard(K, N)``.

        Raises:
            ValueError: not two integers around a slash, or no such shard.
        """
        match = _SHARD.fullmatch(text)
        if match is None:
            raise ValueError(f"expected K/N (shard K of N, K from 0 to N-1), got {text!r}")
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, user_id: str) -> bool:
        """Whether ``user_id`` is in this shard."""
        return stable_hash(user_id) % self.count == self.index

    def select(self, user_ids: Iterable[str]) -> list[str]:
        """The ids of ``user_ids`` in this shard, in their order."""
        return [user_id for user_id in user_ids if self.owns(user_id)]

    async def select_stream(self, user_ids: AsyncIterable[str]) -> AsyncIterator[str]:
        """The ids of a stream that are in this shard, as they come."""
        async for user_id in user_ids:
            if self.owns(user_id):
                yield user_id

    def split(self, parts: int) -> list[Shard]:
        """This shard cut into ``parts`` shards: disjoint, and together this one.

        Part ``k`` is ``Shard(index + count * k, count * parts)``: the users of this
        shard whose hash divided by ``count`` is ``k`` mod ``parts``. So ``--workers``
        on one machine of a ``--shard`` export splits that machine's users evenly
        (and not with the same remainder as the shard, which would leave all but
        one worker idle).

        Raises:
            ValueError: ``parts`` < 1.
        """
        if parts < 1:
            raise ValueError(f"cannot split a shard into {parts} parts")
        return [Shard(self.index + self.count * k, self.count * parts) for k in range(parts)]


#: Every user: what an unsharded export holds.
WHOLE = Shard(0, 1)
