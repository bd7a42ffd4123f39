"""Shards: a stable, disjoint and complete split of users (issue #11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cariqa_async import CariqaClient
from cariqa_async.export import ExportError, Shard, export_sessions
from cariqa_async.export._shard import stable_hash
from cariqa_async.sandbox import Sandbox

ids = st.sets(st.text(min_size=1, max_size=40), max_size=60)


@given(ids, st.integers(min_value=1, max_value=40))
def test_shards_are_disjoint_and_complete(user_ids: set[str], count: int) -> None:
    shards = [Shard(k, count).select(user_ids) for k in range(count)]
    assert sum(len(shard) for shard in shards) == len(user_ids)  # pairwise disjoint...
    assert set().union(*shards) == user_ids  # ...and together every user


@given(ids, st.integers(min_value=1, max_value=6), st.integers(min_value=1, max_value=6))
def test_splitting_a_shard_is_disjoint_and_complete(
    user_ids: set[str], count: int, parts: int
) -> None:
    for shard in (Shard(k, count) for k in range(count)):
        mine = set(shard.select(user_ids))
        split = [set(part.select(user_ids)) for part in shard.split(parts)]
        assert sum(map(len, split)) == len(mine)
        assert set().union(*split) == mine


def test_the_hash_never_changes() -> None:
    # Pinned: a resume after an upgrade must find every user in the shard it was in.
    assert stable_hash("u1") == 0xBB82030DBC2BCABA
    assert stable_hash("Zoë") == 0xC6A12698582FC110
    assert [Shard(k, 8).owns("alice") for k in range(8)] == [False] * 7 + [True]
    assert Shard(2, 8).owns("0b5a3f8e-6a5e-4d0c-9d5e-1f3c2b7a9e10")
    assert Shard(0, 3).owns("0b5a3f8e-6a5e-4d0c-9d5e-1f3c2b7a9e10")
    assert Shard(0, 1).owns("anyone")


def test_parse() -> None:
    assert Shard.parse("3/8") == Shard(3, 8)
    assert Shard.parse(" 0 / 1 ") == Shard(0, 1)
    assert str(Shard(3, 8)) == "3/8"
    assert Shard(1, 2).split(3) == [Shard(1, 6), Shard(3, 6), Shard(5, 6)]


@pytest.mark.parametrize("text", ["8/8", "9/8", "0/0", "1/0", "-1/4", "3", "a/b", "3/8/1", ""])
def test_parse_refuses_what_names_no_shard(text: str) -> None:
    with pytest.raises(ValueError, match="shard"):
        Shard.parse(text)


def ids_of(path: Path) -> list[tuple[str, str]]:
    return [(r["user_id"], r["id"]) for r in map(json.loads, path.read_text("utf-8").splitlines())]


async def test_the_shards_exports_together_are_the_export(tmp_path: Path) -> None:
    async with Sandbox(seed=4, users=25) as sb, CariqaClient(sb.token, base_url=sb.url) as client:
        whole = tmp_path / "all.jsonl"
        await export_sessions(client, sb.user_ids, whole)
        parts: list[tuple[str, str]] = []
        for k in range(3):
            part = tmp_path / f"part-{k}.jsonl"
            result = await export_sessions(client, sb.user_ids, part, shard=f"{k}/3")
            assert result.ok
            assert {user for user, _ in ids_of(part)} <= set(Shard(k, 3).select(sb.user_ids))
            parts += ids_of(part)
        assert len(parts) == len(set(parts))
        assert set(parts) == set(ids_of(whole))


async def test_a_resume_with_another_shard_is_refused(tmp_path: Path) -> None:
    async with Sandbox(seed=4, users=6) as sb, CariqaClient(sb.token, base_url=sb.url) as client:
        out = tmp_path / "part.jsonl"
        users = [*sb.user_ids, "no-such-user"]
        shard = next(Shard(k, 2) for k in range(2) if Shard(k, 2).owns("no-such-user"))
        first = await export_sessions(client, users, out, shard=shard)
        assert list(first.failures) == ["no-such-user"]  # the checkpoint stays
        other = Shard(1 - shard.index, 2)
        with pytest.raises(ExportError, match=f"written for shard {shard}.*exports shard {other}"):
            await export_sessions(client, users, out, shard=other, resume=True)
        with pytest.raises(ExportError, match="exports every user"):
            await export_sessions(client, users, out, resume=True)
        again = await export_sessions(client, users, out, shard=shard, resume=True)
        assert again.users_skipped == first.users_done
