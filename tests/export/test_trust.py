"""The exporter distrusts its files: a resume checks them before it builds on them."""

from __future__ import annotations

import csv
import io
import json
import os
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cariqa_async import CariqaClient, RetryPolicy
from cariqa_async.export import ExportError, ExportProgress, ExportResult, export_sessions
from cariqa_async.sandbox import Sandbox

from .test_exporter import Interrupt, client_for, expected, ids_of, interrupted_export


@pytest.fixture(autouse=True)
def _no_leaks(no_leaked_tasks: None) -> None:
    """Every export test must leave no task running."""


def recount(path: Path, fmt: str) -> tuple[int, Decimal, dict[str, Decimal]]:
    """(sessions, kWh, spend per currency) of an export file, counted from scratch."""
    kwh = Decimal(0)
    spend: dict[str, Decimal] = defaultdict(Decimal)
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            kwh += Decimal(row["consumed_energy"] or 0)
            spend[row["session_cost.currency"]] += Decimal(row["session_cost.invoice_summary"])
        return len(rows), kwh, dict(spend)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for record in records:
        kwh += Decimal(record["consumed_energy"] or 0)
        cost = record["session_cost"]
        spend[cost["currency"]] += Decimal(cost["invoice_summary"])
    return len(records), kwh, dict(spend)


def totals(result: ExportResult) -> tuple[int, Decimal, dict[str, Decimal]]:
    return result.sessions, result.kwh, dict(result.spend)


def _committed_end(path: Path, fmt: str, users: list[str]) -> int:
    """Bytes from the start of ``path`` to the end of ``users``' (contiguous) records."""
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    end = 0
    for number, line in enumerate(lines):
        if fmt == "csv" and number == 0:
            end += len(line)
            continue
        if not any(user in line.decode("utf-8")[:80] for user in users):
            break
        end += len(line)
    return end


def deleted(path: Path, fmt: str, users: list[str]) -> None:
    path.unlink()


def emptied(path: Path, fmt: str, users: list[str]) -> None:
    path.write_bytes(b"")


def truncated(path: Path, fmt: str, users: list[str]) -> None:
    """Cut the file in the middle of a committed record."""
    end = _committed_end(path, fmt, users)
    with path.open("r+b") as handle:
        handle.truncate(end // 2)


def altered(path: Path, fmt: str, users: list[str]) -> None:
    """Change one value of one committed record: same count, same shape."""
    data = path.read_bytes()
    end = _committed_end(path, fmt, users)
    start = data.rindex(b"\n", 0, end - 1) + 1  # the last committed record
    record = data[start:end]
    changed = record.replace(b"false", b"true", 1)
    assert changed != record
    path.write_bytes(data[:start] + changed + data[end:])


def duplicated(path: Path, fmt: str, users: list[str]) -> None:
    """Repeat one committed record: one too many for that user."""
    data = path.read_bytes()
    end = _committed_end(path, fmt, users)
    start = data.rindex(b"\n", 0, end - 1) + 1
    path.write_bytes(data[:end] + data[start:end] + data[end:])


TAMPERINGS: dict[str, tuple[Callable[[Path, str, list[str]], None], str]] = {
    "deleted": (deleted, "is missing"),
    "emptied": (emptied, "is empty"),
    "truncated": (truncated, "records expected"),
    "altered": (altered, "not the ones written"),
    "duplicated": (duplicated, "records expected"),
}


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("tampering", list(TAMPERINGS))
async def test_resume_refuses_an_output_that_disagrees_with_the_checkpoint(
    tmp_path: Path, fmt: str, tampering: str
) -> None:
    tamper, message = TAMPERINGS[tampering]
    async with Sandbox(seed=4, sessions_per_user=[30, 40, 50, 60]) as sb, client_for(sb) as client:
        users = sb.user_ids
        out = tmp_path / f"s.{fmt}"
        await interrupted_export(client, users, out, after=2, format=fmt)
        tamper(out, fmt, users[:2])
        before = out.read_bytes() if out.exists() else None
        checkpoint = out.with_name(f"s.{fmt}.checkpoint").read_bytes()
        requests = client.stats.requests
        with pytest.raises(ExportError, match=message) as caught:
            await export_sessions(client, users, out, format=fmt, resume=True)
        assert str(out) in str(caught.value)
        assert client.stats.requests == requests  # refused before any request
        # Nothing was changed: the user can still look at (or restore) the file.
        assert (out.read_bytes() if out.exists() else None) == before
        assert out.with_name(f"s.{fmt}.checkpoint").read_bytes() == checkpoint


async def test_resume_with_the_same_users_in_another_order_goes_on(tmp_path: Path) -> None:
    async with Sandbox(seed=4, sessions_per_user=[30, 40, 50, 60]) as sb, client_for(sb) as client:
        users = sb.user_ids
        out = tmp_path / "s.jsonl"
        await interrupted_export(client, users, out, after=2)
        result = await export_sessions(client, users[::-1], out, resume=True)
        assert result.ok
        assert result.users_skipped == 2
        assert sorted(ids_of(out)) == sorted(expected(sb, users))


@pytest.mark.parametrize(
    "other", [pytest.param(lambda u: u[:3], id="fewer"), pytest.param(lambda u: u, id="more")]
)
async def test_resume_with_other_users_is_refused(
    tmp_path: Path, other: Callable[[list[str]], list[str]]
) -> None:
    async with (
        Sandbox(seed=4, sessions_per_user=[30, 40, 50, 60, 5]) as sb,
        client_for(sb) as client,
    ):
        users = sb.user_ids[:4]
        out = tmp_path / "s.jsonl"
        await interrupted_export(client, users, out, after=2)
        with pytest.raises(ExportError, match="a list of 4 users") as caught:
            await export_sessions(client, other(sb.user_ids), out, resume=True)
        assert "checkpoint" in str(caught.value)
        # A list pinned by one run cannot be resumed as "any users" either.
        with pytest.raises(ExportError, match="may change"):
            await export_sessions(client, users, out, resume=True, users_may_change=True)
        result = await export_sessions(client, users, out, resume=True)
        assert result.ok


async def test_users_that_may_change_keep_progress_within_the_total(tmp_path: Path) -> None:
    async with Sandbox(seed=4, sessions_per_user=[5] * 12) as sb, client_for(sb) as client:
        out = tmp_path / "s.jsonl"
        await interrupted_export(client, sb.user_ids, out, after=8, users_may_change=True)
        # The platform lost users since: the list is shorter than the checkpoint.
        now = sb.user_ids[6:]
        seen: list[ExportProgress] = []
        result = await export_sessions(
            client, now, out, resume=True, users_may_change=True, users_total=len(now),
            progress=seen.append, progress_interval=0,
        )  # fmt: skip
        assert result.ok
        assert result.users_skipped == 2  # of this list; users 0-5 are not in it
        assert result.users_done == 4
        assert result.users_in_output == 12  # their records stay: they were exported
        assert seen
        for snapshot in seen:
            assert snapshot.users_total is not None
            assert snapshot.users_done + snapshot.users_skipped <= snapshot.users_total
        assert totals(result) == recount(out, "jsonl")


async def test_a_list_gives_the_progress_total_and_counts_skipped_users(tmp_path: Path) -> None:
    async with Sandbox(seed=4, sessions_per_user=[5] * 6) as sb, client_for(sb) as client:
        out = tmp_path / "s.jsonl"
        await interrupted_export(client, sb.user_ids, out, after=3)
        seen: list[ExportProgress] = []
        await export_sessions(
            client, sb.user_ids, out, resume=True, progress=seen.append, progress_interval=0
        )
        assert seen[0].users_total == 6
        assert seen[0].users_skipped == 3  # known up front, not as the walk reaches them
        assert seen[-1].users_done + seen[-1].users_skipped == 6


async def test_the_summary_counts_only_the_records_kept(tmp_path: Path) -> None:
    async with Sandbox(seed=7, sessions_per_user=[40, 300, 25]) as sb:
        users = sb.user_ids
        # The big user's third request fails for good (no retries): its first
        # pages are written, then removed with the user.
        sb.schedule_faults([None, None, "500"], path=f"/api/v1/users/{users[1]}/")
        policy = RetryPolicy(max_retries=0)
        async with CariqaClient(sb.token, base_url=sb.url, retry=policy) as client:
            out = tmp_path / "s.jsonl"
            written: list[int] = []
            result = await export_sessions(
                client, users, out, users_in_flight=1,
                progress=lambda p: written.append(p.sessions), progress_interval=0,
            )  # fmt: skip
        assert set(result.failures) == {users[1]}
        assert max(written) > 65  # some of the failed user's records were written...
        assert totals(result) == recount(out, "jsonl")  # ...and are not in the summary
        assert result.sessions == 65
        assert result.users_in_output == 2


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_the_summary_after_a_resume_covers_the_whole_file(tmp_path: Path, fmt: str) -> None:
    async with Sandbox(seed=4, sessions_per_user=[30, 40, 50, 60]) as sb, client_for(sb) as client:
        users = sb.user_ids
        out = tmp_path / f"s.{fmt}"
        await interrupted_export(client, users, out, after=2, format=fmt)
        result = await export_sessions(client, users, out, format=fmt, resume=True)
        assert result.ok
        assert totals(result) == recount(out, fmt)
        assert result.sessions == 180
        assert result.sessions_this_run == 110
        assert result.users_in_output == 4


def _unlink_fails_for(monkeypatch: pytest.MonkeyPatch, victim: Path) -> None:
    """Make deleting ``victim`` die like a crash at that point (kill -9, power loss)."""
    real = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if self == victim:
            raise Interrupt(f"crashed before deleting {self.name}")
        real(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)


@pytest.mark.parametrize("crash_before", ["s.parquet.jsonl.partial", "s.parquet.checkpoint"])
async def test_parquet_resume_after_the_conversion_keeps_the_complete_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_before: str
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    async with Sandbox(seed=9, sessions_per_user=[0, 20, 33]) as sb, client_for(sb) as client:
        out = tmp_path / "s.parquet"
        with monkeypatch.context() as patch:
            _unlink_fails_for(patch, tmp_path / crash_before)
            with pytest.raises(Interrupt):
                await export_sessions(client, sb.user_ids, out, format="parquet")
        assert pq.read_table(out).num_rows == 53
        assert out.with_name("s.parquet.checkpoint").exists()
        converted = out.read_bytes()
        inode = out.stat().st_ino
        requests = client.stats.requests
        result = await export_sessions(client, sb.user_ids, out, format="parquet", resume=True)
        assert result.already_complete
        assert result.ok
        assert result.sessions == 53
        assert result.users_in_output == 3
        assert result.users_done == 0
        assert client.stats.requests == requests
        assert out.stat().st_ino == inode  # not rewritten...
        assert out.read_bytes() == converted  # ...nor changed
        assert sorted(p.name for p in tmp_path.iterdir()) == ["s.parquet"]


async def test_parquet_resume_refuses_a_converted_file_that_disagrees(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow.parquet")
    async with Sandbox(seed=9, sessions_per_user=[4, 20]) as sb, client_for(sb) as client:
        out = tmp_path / "s.parquet"
        await interrupted_export(client, sb.user_ids, out, after=1, format="parquet")
        # A file the export did not write where its output goes.
        out.write_bytes(b"PAR1 not really")
        with pytest.raises(ExportError, match="not a readable Parquet"):
            await export_sessions(client, sb.user_ids, out, format="parquet", resume=True)
        assert out.read_bytes() == b"PAR1 not really"


async def test_parquet_conversion_is_atomic_and_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    async with Sandbox(seed=9, sessions_per_user=[7, 20]) as sb, client_for(sb) as client:
        out = tmp_path / "s.parquet"
        synced: list[str] = []
        real_fsync = os.fsync
        real_replace = Path.replace

        def fsync(fd: int) -> None:
            synced.append(os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc") else "?")
            real_fsync(fd)

        def replace(self: Path, target: Any) -> Path:
            if Path(target) == out:
                assert any(name.endswith(".s.parquet.partial") for name in synced[-1:])
                raise Interrupt("crashed before the rename")
            return real_replace(self, target)

        with monkeypatch.context() as patch:
            patch.setattr(os, "fsync", fsync)
            patch.setattr(Path, "replace", replace)
            with pytest.raises(Interrupt):
                await export_sessions(client, sb.user_ids, out, format="parquet")
        assert not out.exists()  # no half file under the output's name
        result = await export_sessions(client, sb.user_ids, out, format="parquet", resume=True)
        assert result.ok
        assert not result.already_complete
        assert pq.read_table(out).num_rows == 27
        assert sorted(p.name for p in tmp_path.iterdir()) == ["s.parquet"]


def test_csv_records_read_back_byte_for_byte(tmp_path: Path) -> None:
    from cariqa_async.export._sinks import CsvSink

    path = tmp_path / "s.csv"
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(["a"])
    writer.writerow(["u,1", 'x "quoted"\nover two lines'])
    writer.writerow(["u2", "plain"])
    path.write_text(rows.getvalue() + 'u3,"torn\n', encoding="utf-8")
    got = list(CsvSink.records(path, len("a\n")))
    assert got == [
        ("u,1", b'"u,1","x ""quoted""\nover two lines"\n'),
        ("u2", b"u2,plain\n"),
    ]


async def test_a_resume_killed_while_dropping_records_is_finished_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cariqa_async.export import _files

    async with Sandbox(seed=4, sessions_per_user=[30, 40, 50, 60]) as sb, client_for(sb) as client:
        users = sb.user_ids
        out = tmp_path / "s.jsonl"
        await interrupted_export(client, users, out, after=2)
        before = out.read_bytes()

        def killed(path: Path) -> None:
            raise Interrupt("killed with the new tail durable, before it was applied")

        with monkeypatch.context() as patch:
            patch.setattr(_files, "finish_tail", killed)
            with pytest.raises(Interrupt):
                await export_sessions(client, users, out, resume=True)
        assert out.read_bytes() == before
        result = await export_sessions(client, users, out, resume=True)
        assert result.ok
        got = ids_of(out)
        assert len(got) == len(set(got))
        assert set(got) == expected(sb, users)
        assert totals(result) == recount(out, "jsonl")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]
