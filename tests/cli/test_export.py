"""`cariqa-async export` through the real entry point against the sandbox."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cariqa_async.export import columns
from cariqa_async.sandbox import Sandbox, ThreadedSandbox

from .conftest import cli, expected, jsonl_ids


def test_export_user_ids_to_jsonl(sandbox: ThreadedSandbox, tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    users = sandbox.user_ids
    result = cli(
        "export", *users, "--output", str(out), "--base-url", sandbox.url, token=sandbox.token
    )
    assert result.returncode == 0, result.stderr
    got = jsonl_ids(out)
    assert len(got) == len(set(got))
    assert set(got) == expected(sandbox, users)
    assert sandbox.token not in result.stdout + result.stderr + out.read_text(encoding="utf-8")
    assert f"Exported {len(got):,} sessions of {len(users)} users" in result.stdout
    assert not out.with_name("s.jsonl.checkpoint").exists()


def test_export_all_users_to_csv(sandbox: ThreadedSandbox, tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    result = cli(
        "export", "--all-users", "--format", "csv", "--output", str(out),
        "--base-url", sandbox.url, "--page-size", "40", token=sandbox.token,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == columns()
    assert "station_info.station_name" in rows[0]
    got = {(row[0], row[1]) for row in rows[1:]}
    assert len(got) == len(rows) - 1
    assert got == expected(sandbox, sandbox.user_ids)
    kwh = rows[0].index("session_cost.kwh_cost")
    assert all(row[kwh] == "" or "." in row[kwh] for row in rows[1:])  # decimals as text


def test_export_to_parquet_with_typed_columns(sandbox: ThreadedSandbox, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "s.parquet"
    users = sandbox.user_ids[:6]
    result = cli(
        "export", *users, "--format", "parquet", "--output", str(out), "--base-url", sandbox.url,
        token=sandbox.token,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    assert str(table.schema.field("start_time").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("consumed_energy").type).startswith("decimal128")
    assert str(table.schema.field("duration").type) == "int64"
    got = set(zip(table.column("user_id").to_pylist(), table.column("id").to_pylist(), strict=True))
    assert got == expected(sandbox, users)
    assert not list(tmp_path.glob("*.partial"))


def test_kill_9_then_resume_gives_every_session_exactly_once(tmp_path: Path) -> None:
    sizes = [150 + 7 * i for i in range(40)]
    # About 600 requests, 8 at a time: at 50 ms each the export lasts at least 3.75 s,
    # so the progress line printed after 2 s always comes before it ends.
    with Sandbox(seed=5, sessions_per_user=sizes, latency=0.05).run_in_thread() as sb:
        out = tmp_path / "s.jsonl"
        env = {**os.environ, "CARIQA_TOKEN": sb.token}
        args = [sys.executable, "-m", "cariqa_async.cli", "export", "--all-users",
                "--output", str(out), "--base-url", sb.url, "--page-size", "20",
                "--users-in-flight", "4"]  # fmt: skip
        with subprocess.Popen(
            args, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        ) as child:
            try:
                assert child.stderr is not None
                for line in child.stderr:  # progress lines: wait until users are done
                    if (
                        line.startswith("export: users ")
                        and int(line.split()[2].split("/")[0]) >= 6
                    ):
                        break
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=30)
            finally:
                if child.poll() is None:
                    child.kill()
        assert child.returncode == -signal.SIGKILL
        assert out.read_bytes()
        checkpoint = out.with_name("s.jsonl.checkpoint")
        saved = len(checkpoint.read_bytes().splitlines()) - 1  # users durably complete
        again = cli("export", "--all-users", "--output", str(out), "--base-url", sb.url,
                    "--page-size", "20", token=sb.token)  # fmt: skip
        assert again.returncode == 2
        assert "--resume" in again.stderr or "resume" in again.stderr
        resumed = cli("export", "--all-users", "--output", str(out), "--base-url", sb.url,
                      "--page-size", "20", "--resume", token=sb.token)  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        if saved > 0:  # the kill may land before the first fsync: then all start over
            assert f"({saved} already done)" in resumed.stdout
        got = jsonl_ids(out)
        assert len(got) == len(set(got)), "a session was written twice"
        assert set(got) == expected(sb, sb.user_ids)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "no user ids"),
        ("u1\n\nu2\n", "line 2 is blank"),
        ("u1\nu2\nu1\n", "line 3 repeats user id 'u1'"),
        ("u1\n../stations\n", "line 2"),
    ],
)
def test_bad_users_files(tmp_path: Path, content: str, message: str) -> None:
    users = tmp_path / "users.txt"
    users.write_text(content, encoding="utf-8")
    out = tmp_path / "s.jsonl"
    result = cli("export", "--users-file", str(users), "--output", str(out),
                 "--base-url", "http://127.0.0.1:9", token="t")  # fmt: skip
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_other_bad_input(sandbox: ThreadedSandbox, tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    common = ["--base-url", sandbox.url]
    missing = cli(
        "export",
        "--users-file",
        str(tmp_path / "nope.txt"),
        "--output",
        str(out),
        *common,
        token="t",
    )
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr
    no_dir = cli("export", "u1", "--output", str(tmp_path / "no" / "s.jsonl"), *common, token="t")
    assert no_dir.returncode == 2
    assert "not a directory" in no_dir.stderr
    no_token = cli("export", "u1", "--output", str(out), *common)
    assert no_token.returncode == 2
    assert "no API token" in no_token.stderr
    bad_token = cli(
        "export", sandbox.user_ids[1], "--output", str(out), *common, token="wrong-token-xyz"
    )
    assert bad_token.returncode == 2
    assert "refused the token" in bad_token.stderr
    assert "wrong-token-xyz" not in bad_token.stderr + bad_token.stdout
    out.write_text("precious", encoding="utf-8")
    exists = cli("export", sandbox.user_ids[1], "--output", str(out), *common, token=sandbox.token)
    assert exists.returncode == 2
    assert "already exists" in exists.stderr
    assert out.read_text(encoding="utf-8") == "precious"
    nothing = cli(
        "export",
        sandbox.user_ids[1],
        "--output",
        str(out),
        "--resume",
        *common,
        token=sandbox.token,
    )
    assert nothing.returncode == 2
    assert "nothing to resume" in nothing.stderr


def test_failed_users_are_listed_and_exit_non_zero(
    sandbox: ThreadedSandbox, tmp_path: Path
) -> None:
    out = tmp_path / "s.jsonl"
    users = [sandbox.user_ids[2], "no-such-user", sandbox.user_ids[3]]
    result = cli(
        "export", *users, "--output", str(out), "--base-url", sandbox.url, token=sandbox.token
    )
    assert result.returncode == 1
    assert "1 user failed (run again with --resume to retry it)" in result.stdout
    assert "no-such-user: HTTP 404" in result.stdout
    assert set(jsonl_ids(out)) == expected(sandbox, [users[0], users[2]])
    assert out.with_name("s.jsonl.checkpoint").exists()  # a resume retries just that user


def _half_done_export(sandbox: ThreadedSandbox, out: Path, fmt: str = "jsonl") -> list[str]:
    """An export with a failed user: two users committed, the checkpoint kept."""
    users = [sandbox.user_ids[2], "no-such-user", sandbox.user_ids[3]]
    first = cli(
        "export", *users, "--format", fmt, "--output", str(out), "--base-url", sandbox.url,
        token=sandbox.token,
    )  # fmt: skip
    assert first.returncode == 1, first.stderr
    return users


def _truncate_mid_record(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2 + 7)


def _alter_a_value(path: Path) -> None:
    data = path.read_bytes()
    assert b"false" in data
    path.write_bytes(data.replace(b"false", b"true", 1))  # same records, same count


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (Path.unlink, "is missing"),
        (lambda path: path.write_bytes(b""), "is empty"),
        (_truncate_mid_record, "records expected"),
        (_alter_a_value, "not the ones written"),
    ],
    ids=["deleted", "emptied", "truncated", "altered"],
)
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_refuses_an_output_that_changed(
    sandbox: ThreadedSandbox, tmp_path: Path, fmt: str, tamper: Any, message: str
) -> None:
    out = tmp_path / f"s.{fmt}"
    users = _half_done_export(sandbox, out, fmt)
    tamper(out)
    resumed = cli(
        "export", *users, "--format", fmt, "--output", str(out), "--resume",
        "--base-url", sandbox.url, token=sandbox.token,
    )  # fmt: skip
    assert resumed.returncode == 2, resumed.stdout
    assert resumed.stderr.startswith(f"error: {out}")
    assert message in resumed.stderr
    assert len(resumed.stderr.strip().splitlines()) == 1


def test_resume_with_another_users_list_is_refused(
    sandbox: ThreadedSandbox, tmp_path: Path
) -> None:
    out = tmp_path / "s.jsonl"
    users = _half_done_export(sandbox, out)
    before = out.read_bytes()
    users_file = tmp_path / "users.txt"
    users_file.write_text("\n".join([*users, sandbox.user_ids[4]]) + "\n", encoding="utf-8")
    other = cli(
        "export", "--users-file", str(users_file), "--output", str(out), "--resume",
        "--base-url", sandbox.url, token=sandbox.token,
    )  # fmt: skip
    assert other.returncode == 2
    assert "written for a list of 3 users" in other.stderr
    assert "this run exports a list of 4 users" in other.stderr
    assert out.read_bytes() == before
    all_users = cli(
        "export", "--all-users", "--output", str(out), "--resume",
        "--base-url", sandbox.url, token=sandbox.token,
    )  # fmt: skip
    assert all_users.returncode == 2
    assert "may change between runs" in all_users.stderr


def test_the_summary_after_a_resume_covers_the_whole_file(
    sandbox: ThreadedSandbox, tmp_path: Path
) -> None:
    out = tmp_path / "s.jsonl"
    users = _half_done_export(sandbox, out)
    resumed = cli(
        "export", *users, "--output", str(out), "--resume", "--base-url", sandbox.url,
        token=sandbox.token,
    )  # fmt: skip
    assert resumed.returncode == 1  # the missing user is still missing
    records = jsonl_ids(out)
    assert f"Exported {len(records):,} sessions of 2 users (2 already done)" in resumed.stdout


def test_sessions_list_and_get(sandbox: ThreadedSandbox) -> None:
    user = sandbox.user_ids[2]
    listed = cli(
        "sessions",
        "list",
        user,
        "--json",
        "--limit",
        "5",
        "--base-url",
        sandbox.url,
        token=sandbox.token,
    )
    assert listed.returncode == 0, listed.stderr
    import json

    ids = [json.loads(line)["id"] for line in listed.stdout.splitlines()]
    assert ids == sandbox.session_ids(user)[:5]
    got = cli("sessions", "get", user, ids[0], "--base-url", sandbox.url, token=sandbox.token)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["id"] == ids[0]
    missing = cli("sessions", "get", user, "nope", "--base-url", sandbox.url, token=sandbox.token)
    assert missing.returncode == 1
    assert "404" in missing.stderr
