"""`export --workers N` and `--shard K/N` (issue #11), through the real entry point."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cariqa_async import CariqaClient
from cariqa_async.cli import build_parser
from cariqa_async.cli._common import resolve_token
from cariqa_async.cli._workers import WorkersPlan, share, worker_argv
from cariqa_async.export import Shard
from cariqa_async.export._exporter import ExportFormat, _export
from cariqa_async.export._merge import Manifest, Parts
from cariqa_async.export._shard import WHOLE
from cariqa_async.sandbox import Sandbox, ThreadedSandbox

from .conftest import cli, expected, jsonl_ids


def records(path: Path, fmt: str) -> list[tuple[str, str]]:
    """(user_id, session id) of every record of an export file."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        return list(
            zip(table.column("user_id").to_pylist(), table.column("id").to_pylist(), strict=True)
        )
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert all(row[0] != "user_id" for row in rows[1:]), "a second header"
        return [(row[0], row[1]) for row in rows[1:]]
    return jsonl_ids(path)


def no_token_in_files(directory: Path, token: str) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path


def export(sb: ThreadedSandbox, *args: str) -> subprocess.CompletedProcess[str]:
    return cli("export", *args, "--base-url", sb.url, token=sb.token)


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_workers_export_every_session_exactly_once_in_one_file(
    sandbox: ThreadedSandbox, tmp_path: Path, fmt: str, workers: int
) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow.parquet")
    out = tmp_path / f"s.{fmt}"
    result = export(sandbox, "--all-users", "--workers", str(workers), "--output", str(out))
    assert result.returncode == 0, result.stderr
    got = records(out, fmt)
    assert len(got) == len(set(got)), "a session twice"
    assert set(got) == expected(sandbox, sandbox.user_ids)  # what --workers 1 exports
    users = len(sandbox.user_ids)
    assert result.stdout.count("Exported ") == 1  # one summary, of the whole output
    assert f"Exported {len(got):,} sessions of {users} users to {out}" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no parts, no manifest
    no_token_in_files(tmp_path, sandbox.token)
    assert sandbox.token not in result.stdout + result.stderr


def _fail_once(sb: ThreadedSandbox, user: str) -> None:
    """The next request for ``user``'s sessions gets a 400: that user fails this run."""
    sb.inject_error("validation_error", status=400, path=f"/api/v1/users/{user}/charging-sessions/")


def test_a_failed_user_keeps_the_parts_and_resume_needs_the_same_workers(
    sandbox: ThreadedSandbox, tmp_path: Path
) -> None:
    out = tmp_path / "s.csv"
    failing = sandbox.user_ids[5]
    _fail_once(sandbox, failing)
    first = export(sandbox, "--all-users", "--workers", "2", "--output", str(out))
    assert first.returncode == 1, first.stderr
    assert first.stdout.count("Exported ") == 1
    assert "1 user failed (run again with --resume to retry it)" in first.stdout
    assert f"  {failing}: " in first.stdout
    assert not out.exists()  # never a silent partial output
    assert (tmp_path / "s.csv.workers").exists()
    for other in ("3", "1"):
        refused = export(
            sandbox, "--all-users", "--workers", other, "--output", str(out), "--resume"
        )
        assert refused.returncode == 2, refused.stderr
        assert "was started with --workers 2: resume it with --workers 2" in refused.stderr
    resumed = export(sandbox, "--all-users", "--workers", "2", "--output", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"({len(sandbox.user_ids) - 1} already done)" in resumed.stdout
    got = records(out, "csv")
    assert len(got) == len(set(got))
    assert set(got) == expected(sandbox, sandbox.user_ids)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.csv"]


def test_a_merge_killed_before_its_rename_is_redone(
    sandbox: ThreadedSandbox, tmp_path: Path
) -> None:
    out = tmp_path / "s.jsonl"
    _fail_once(sandbox, sandbox.user_ids[2])
    first = export(sandbox, "--all-users", "--workers", "2", "--output", str(out))
    assert first.returncode == 1, first.stderr
    (tmp_path / ".s.jsonl.partial").write_bytes(b'{"user_id":"torn')  # a merge cut short
    resumed = export(sandbox, "--all-users", "--workers", "2", "--output", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    got = jsonl_ids(out)
    assert len(got) == len(set(got))
    assert set(got) == expected(sandbox, sandbox.user_ids)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]


async def _merged_but_not_cleaned(sb: Sandbox, out: Path, workers: int) -> Parts:
    """The state of a parent killed right after the merge's rename: every part complete
    with its checkpoint, the output merged, the manifest not yet marked merged."""
    parts = Parts(out, ExportFormat.JSONL, workers)
    Manifest(workers, ExportFormat.JSONL).write(out)
    async with CariqaClient(sb.token, base_url=sb.url) as client:
        for k, shard in enumerate(WHOLE.split(workers)):
            result = await _export(
                client, sb.user_ids, parts.part(k), format="jsonl", resume=False,
                overwrite=False, users_in_flight=4, page_size=100, users_total=None,
                progress=None, progress_interval=1, users_may_change=True,
                stop_when_unreachable=None, shard=shard, keep_checkpoint=True,
            )  # fmt: skip
            assert result.ok
    parts.merge()
    return parts


async def test_a_resume_after_the_merge_checks_the_output_and_cleans_up(tmp_path: Path) -> None:
    async with Sandbox(seed=8, users=9) as sb:
        out = tmp_path / "s.jsonl"
        await _merged_but_not_cleaned(sb, out, 2)
        before = out.read_bytes()
        requests = sb.stats.requests
        resumed = cli(
            "export", "--all-users", "--workers", "2", "--output", str(out), "--resume",
            "--base-url", sb.url, token=sb.token,
        )  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        assert "is already complete" in resumed.stdout
        assert out.read_bytes() == before
        assert sb.stats.requests == requests
        assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]
        assert set(jsonl_ids(out)) == expected(sb, sb.user_ids)  # type: ignore[arg-type]


async def test_a_clean_up_cut_short_is_finished(tmp_path: Path) -> None:
    async with Sandbox(seed=8, users=9) as sb:
        out = tmp_path / "s.jsonl"
        parts = await _merged_but_not_cleaned(sb, out, 3)
        completed = parts.completed()
        from cariqa_async.export._merge import merged_totals

        Manifest(3, ExportFormat.JSONL, merged=merged_totals(completed)).write(out)
        parts.checkpoint(0).unlink()  # the clean-up got this far
        parts.part(1).unlink()
        resumed = cli(
            "export", "--all-users", "--workers", "3", "--output", str(out), "--resume",
            "--base-url", sb.url, token=sb.token,
        )  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        assert f"{completed.totals.sessions:,} sessions of 9 users; nothing to do" in resumed.stdout
        assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]


async def test_a_merged_output_that_changed_is_refused(tmp_path: Path) -> None:
    async with Sandbox(seed=8, users=9) as sb:
        out = tmp_path / "s.jsonl"
        await _merged_but_not_cleaned(sb, out, 2)
        with out.open("r+b") as handle:
            handle.truncate(out.stat().st_size // 2)
        resumed = cli(
            "export", "--all-users", "--workers", "2", "--output", str(out), "--resume",
            "--base-url", sb.url, token=sb.token,
        )  # fmt: skip
        assert resumed.returncode == 2
        assert "does not match" in resumed.stderr
        assert (tmp_path / "s.jsonl.workers").exists()  # nothing deleted


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("how", ["kill -9 a worker", "SIGTERM the parent"])
def test_a_stopped_export_resumes_every_worker(tmp_path: Path, how: str) -> None:
    sizes = [150 + 7 * i for i in range(40)]
    with Sandbox(seed=5, sessions_per_user=sizes, latency=0.05).run_in_thread() as sb:
        out = tmp_path / "s.jsonl"
        env = {**os.environ, "CARIQA_TOKEN": sb.token}
        args = [sys.executable, "-m", "cariqa_async.cli", "export", "--all-users",
                "--output", str(out), "--base-url", sb.url, "--page-size", "20",
                "--workers", "2"]  # fmt: skip
        with subprocess.Popen(
            args, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        ) as parent:
            try:
                assert parent.stderr is not None
                for line in parent.stderr:  # the first progress line: the workers run
                    if line.startswith("export: users "):
                        break
                workers = _children(parent.pid)
                assert len(workers) == 2
                for pid in workers:
                    argv = Path(f"/proc/{pid}/cmdline").read_bytes()
                    assert b"--worker" in argv
                    assert sb.token.encode() not in argv
                if how == "SIGTERM the parent":
                    parent.send_signal(signal.SIGTERM)
                else:
                    os.kill(workers[1], signal.SIGKILL)
                _, stderr = parent.communicate(timeout=120)  # > the parent's STOP_GRACE
            finally:
                if parent.poll() is None:
                    parent.kill()
        if how == "SIGTERM the parent":
            assert parent.returncode == 143, stderr
            assert "terminated (SIGTERM)" in stderr
            assert all(not Path(f"/proc/{pid}").exists() for pid in workers)
        else:
            assert parent.returncode == 1, stderr
            assert "error: worker 1 of 2 was killed by signal 9" in stderr
        assert "continue with:" in stderr
        assert "--workers 2 --resume" in stderr
        assert not out.exists()
        resumed = cli(
            "export", "--all-users", "--output", str(out), "--base-url", sb.url,
            "--page-size", "20", "--workers", "2", "--resume", token=sb.token,
        )  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        got = jsonl_ids(out)
        assert len(got) == len(set(got)), "a session was written twice"
        assert set(got) == expected(sb, sb.user_ids)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_shards_together_are_the_export(
    sandbox: ThreadedSandbox, tmp_path: Path, workers: int
) -> None:
    got: list[tuple[str, str]] = []
    for k in range(3):
        out = tmp_path / f"part-{k}.jsonl"
        result = export(
            sandbox, "--all-users", "--shard", f"{k}/3", "--workers", str(workers),
            "--output", str(out),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        part = jsonl_ids(out)
        assert {user for user, _ in part} <= set(Shard(k, 3).select(sandbox.user_ids))
        got += part
    assert len(got) == len(set(got))
    assert set(got) == expected(sandbox, sandbox.user_ids)


def test_a_resume_with_another_shard_is_refused(sandbox: ThreadedSandbox, tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    users = [*sandbox.user_ids, "no-such-user"]
    shard = next(k for k in range(2) if Shard(k, 2).owns("no-such-user"))
    first = export(sandbox, *users, "--shard", f"{shard}/2", "--output", str(out))
    assert first.returncode == 1, first.stderr
    other = export(sandbox, *users, "--shard", f"{1 - shard}/2", "--output", str(out), "--resume")
    assert other.returncode == 2
    assert f"written for shard {shard}/2" in other.stderr
    out2 = tmp_path / "w.jsonl"
    first = export(
        sandbox, *users, "--shard", f"{shard}/2", "--workers", "2", "--output", str(out2)
    )
    assert first.returncode == 1, first.stderr
    other = export(sandbox, *users, "--workers", "2", "--output", str(out2), "--resume")
    assert other.returncode == 2
    assert f"was started with --shard {shard}/2" in other.stderr


@pytest.mark.parametrize("shard", ["8/8", "-1/8", "0/0", "x", "1/2/3"])
def test_a_bad_shard_is_a_usage_error(tmp_path: Path, shard: str) -> None:
    result = cli("export", "u1", "--shard", shard, "--output", str(tmp_path / "s.jsonl"), token="t")
    assert result.returncode == 2
    assert "--shard" in result.stderr
    assert not list(tmp_path.iterdir())


def test_workers_get_shares_and_never_the_token(tmp_path: Path) -> None:
    assert [share(10, 3, k) for k in range(3)] == [4, 3, 3]
    assert [share(2, 3, k) for k in range(3)] == [1, 1, 1]  # each at least 1
    args = build_parser().parse_args(
        [
            "export",
            "--all-users",
            "--workers",
            "3",
            "--output",
            str(tmp_path / "s.parquet"),
            "--token",
            "secret-token-xyz",
            "--concurrency",
            "10",
            "--rate-limit",
            "9",
            "--users-in-flight",
            "8",
        ]
    )
    plan = WorkersPlan(ExportFormat.PARQUET, Parts(args.output, ExportFormat.PARQUET, 3))
    argvs = [worker_argv(args, plan, k, shard) for k, shard in enumerate(WHOLE.split(3))]
    for k, argv in enumerate(argvs):
        assert not any("secret-token-xyz" in arg for arg in argv)
        assert argv[argv.index("--worker") + 1] == f"{k}/3"
        assert argv[argv.index("--output") + 1].endswith(f"s.parquet.part-{k}-of-3.jsonl")
        assert argv[argv.index("--format") + 1] == "jsonl"
    concurrency = [int(argv[argv.index("--concurrency") + 1]) for argv in argvs]
    in_flight = [int(argv[argv.index("--users-in-flight") + 1]) for argv in argvs]
    rate = [float(argv[argv.index("--rate-limit") + 1]) for argv in argvs]
    assert (sum(concurrency), sum(in_flight), sum(rate)) == (10, 8, pytest.approx(9))


def test_the_token_the_command_line_resolves_never_shows_in_a_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `export --workers` holds the token in the parent (to hand it to its workers by
    # environment): a traceback that shows local variables must not show it.
    monkeypatch.setenv("CARIQA_TOKEN", "tok-secret-123")
    for token in (resolve_token(None), resolve_token("tok-secret-123")):
        assert token == "tok-secret-123"
        env = {"CARIQA_TOKEN": token}
        assert "tok-secret-123" not in repr(token)
        assert "tok-secret-123" not in repr(env)
        assert os.fsencode(token) == b"tok-secret-123"  # what a child's environment gets
