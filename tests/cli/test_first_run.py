"""The command line as a new user (or a cron job) meets it (issue #9), through the real entry point.

Each test checks that a mistake is refused before the first request, or that the
CLI says what happened and what to do next.
"""

from __future__ import annotations

import csv
import re
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cariqa_async.export import columns
from cariqa_async.sandbox import Sandbox, ThreadedSandbox

from .conftest import cli, cli_env, expected, jsonl_ids


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr, stderr
    return lines[0]


# --- fail before the work, not after it ---------------------------------------


def test_parquet_without_pyarrow_is_refused_before_any_request(
    sandbox: ThreadedSandbox, tmp_path: Path
) -> None:
    # A pyarrow first on the path that fails exactly as a missing one does.
    fake = tmp_path / "site"
    (fake / "pyarrow").mkdir(parents=True)
    (fake / "pyarrow" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'pyarrow'\", name='pyarrow')\n"
    )
    out = tmp_path / "out" / "all.parquet"
    out.parent.mkdir()
    path = f"{fake}:{Path.cwd()}"
    result = cli(
        "export", "--all-users", "--output", str(out), "--base-url", sandbox.url,
        token=sandbox.token, env={"PYTHONPATH": path},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    line = _one_error_line(result.stderr)
    assert "pip install 'cariqa-async[parquet]'" in line
    assert sandbox.stats.requests == 0
    assert list(out.parent.iterdir()) == []  # no .checkpoint, no .jsonl.partial


def test_the_format_comes_from_the_extension(sandbox: ThreadedSandbox, tmp_path: Path) -> None:
    users = sandbox.user_ids[:3]
    out = tmp_path / "s.csv"
    result = cli(
        "export", *users, "--output", str(out), "--base-url", sandbox.url, token=sandbox.token
    )
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == columns()
    assert {(row[0], row[1]) for row in rows[1:]} == expected(sandbox, users)


def test_parquet_from_the_extension(sandbox: ThreadedSandbox, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    users = sandbox.user_ids[:3]
    out = tmp_path / "s.parquet"
    result = cli(
        "export", *users, "--output", str(out), "--base-url", sandbox.url, token=sandbox.token
    )
    assert result.returncode == 0, result.stderr
    assert pq.read_table(out).num_rows == len(expected(sandbox, users))


def test_a_format_that_contradicts_the_extension_is_refused(
    sandbox: ThreadedSandbox, tmp_path: Path
) -> None:
    out = tmp_path / "s.csv"
    result = cli(
        "export", "--all-users", "--format", "jsonl", "--output", str(out),
        "--base-url", sandbox.url, token=sandbox.token,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--format jsonl does not match --output" in _one_error_line(result.stderr)
    assert sandbox.stats.requests == 0
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["./", "adir", "adir/"])
def test_a_directory_as_output_is_refused(
    sandbox: ThreadedSandbox, tmp_path: Path, name: str
) -> None:
    (tmp_path / "adir").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "cariqa_async.cli", "export", "--all-users", "--output", name,
         "--base-url", sandbox.url],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
        env={**cli_env(sandbox.token), "PYTHONPATH": str(Path.cwd())},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "is a directory; give the output a file name" in _one_error_line(result.stderr)
    assert sandbox.stats.requests == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir"]


# --- one command a cron job can run every time ---------------------------------


def test_resume_with_nothing_to_resume_starts_and_says_so(
    sandbox: ThreadedSandbox, tmp_path: Path
) -> None:
    out = tmp_path / "s.jsonl"
    users = sandbox.user_ids[:4]
    command = ["export", *users, "--output", str(out), "--base-url", sandbox.url, "--resume"]
    first = cli(*command, token=sandbox.token)
    assert first.returncode == 0, first.stderr
    assert "nothing to resume (s.jsonl.checkpoint does not exist): starting a new export" in (
        first.stderr
    )
    got = jsonl_ids(out)
    assert len(got) == len(set(got))
    assert set(got) == expected(sandbox, users)
    # Run again on the finished export: refused, naming the flag that would do it.
    again = cli(*command, token=sandbox.token)
    assert again.returncode == 2
    line = _one_error_line(again.stderr)
    assert "nothing to resume" in line
    assert "--overwrite" in line


def test_an_existing_output_names_the_flags(sandbox: ThreadedSandbox, tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    out.write_text("precious\n", encoding="utf-8")
    result = cli(
        "export", "--all-users", "--output", str(out), "--base-url", sandbox.url,
        token=sandbox.token,
    )  # fmt: skip
    assert result.returncode == 2
    line = _one_error_line(result.stderr)
    assert "--resume" in line
    assert "--overwrite" in line
    assert sandbox.stats.requests == 0  # refused before listing the users
    assert out.read_text(encoding="utf-8") == "precious\n"


# --- say what to do next: Ctrl-C and SIGTERM -----------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize(
    ("sig", "code", "said"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated (SIGTERM)")],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_signal_commits_and_prints_the_command_that_continues(
    tmp_path: Path, sig: signal.Signals, code: int, said: str
) -> None:
    sizes = [150 + 7 * i for i in range(40)]
    # About 600 requests, 4 users at a time at 50 ms each: the export lasts well
    # past the progress line printed after 2 s, so the signal lands mid-export.
    with Sandbox(seed=5, sessions_per_user=sizes, latency=0.05).run_in_thread() as sb:
        out = tmp_path / "s.jsonl"
        args = ["export", "--all-users", "--output", str(out), "--base-url", sb.url,
                "--page-size", "20", "--users-in-flight", "4"]  # fmt: skip
        with subprocess.Popen(
            [sys.executable, "-m", "cariqa_async.cli", *args],
            env=cli_env(sb.token), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        ) as child:  # fmt: skip
            try:
                assert child.stderr is not None
                for line in child.stderr:  # wait until some users are done
                    if (
                        line.startswith("export: users ")
                        and int(line.split()[2].split("/")[0]) >= 3
                    ):
                        break
                child.send_signal(sig)
                rest = child.stderr.read()
                child.wait(timeout=30)
            finally:
                if child.poll() is None:
                    child.kill()
        assert child.returncode == code, rest
        assert "Traceback" not in rest
        checkpoint = out.with_name("s.jsonl.checkpoint")
        saved = len(checkpoint.read_bytes().splitlines()) - 1
        assert saved >= 3
        lines = rest.splitlines()
        stop = next(i for i, line in enumerate(lines) if line.startswith(said))
        assert lines[stop] == f"{said}: {saved} users saved in {out}; continue with:"
        command = shlex.split(lines[stop + 1])
        assert command[1:3] == ["-m", "cariqa_async.cli"]
        assert command[3:] == [*args, "--resume"]
        # The printed command, run as printed, finishes the export exactly once.
        resumed = subprocess.run(
            [sys.executable, *command[1:]], capture_output=True, text=True, timeout=120,
            env=cli_env(sb.token), check=False,
        )  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        assert f"({saved} already done)" in resumed.stdout
        got = jsonl_ids(out)
        assert len(got) == len(set(got)), "a session was written twice"
        assert set(got) == expected(sb, sb.user_ids)


def test_the_resume_command_never_shows_the_token(tmp_path: Path) -> None:
    from cariqa_async.cli._export import resume_command

    command = resume_command(
        ["export", "u1", "--token", "s3cret", "--output", "o.jsonl", "--overwrite", "--token=x2"]
    )
    assert "s3cret" not in command
    assert "x2" not in command
    assert "--overwrite" not in command
    assert command.endswith("export u1 --output o.jsonl --resume")


# --- stop when the API is unreachable -------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_api_stops_the_export(tmp_path: Path) -> None:
    users = [f"user-{i}" for i in range(24)]
    out = tmp_path / "s.jsonl"
    result = cli(
        "export", *users, "--output", str(out), "--base-url", f"http://127.0.0.1:{_closed_port()}",
        "--timeout", "2", "--max-retries", "1", "--users-in-flight", "2", token="t",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    line = _one_error_line(result.stderr)
    assert "the API is unreachable: 5 users in a row failed without an answer" in line
    assert "continue with:" in result.stderr
    assert "--resume" in result.stderr
    # Each user makes one attempt and one retry, and warns once for its retry:
    # 5 users fail before it stops, plus at most the one the other worker started.
    retries = [x for x in result.stderr.splitlines() if x.startswith("warning: ") and "retry" in x]
    assert 5 <= len(retries) <= 6, result.stderr
    assert "users failed" not in result.stdout


def test_answers_from_the_api_do_not_count_as_unreachable(
    sandbox: ThreadedSandbox, tmp_path: Path
) -> None:
    missing = [f"no-such-user-{i}" for i in range(7)]  # 404s: the API is there
    out = tmp_path / "s.jsonl"
    result = cli(
        "export", *missing, "--output", str(out), "--base-url", sandbox.url, token=sandbox.token
    )
    assert result.returncode == 1
    assert "7 users failed" in result.stdout
    assert "unreachable" not in result.stderr


# --- output that stays readable -----------------------------------------------


def test_quiet_verbose_and_cariqa_log(tmp_path: Path) -> None:
    with Sandbox(seed=3, sessions_per_user=[30] * 6, faults={"500": 0.15}).run_in_thread() as sb:
        base = [
            "export",
            *sb.user_ids,
            "--base-url",
            sb.url,
            "--page-size",
            "5",
            "--max-retries",
            "12",
        ]

        def run(name: str, *extra: str, log: str = "") -> subprocess.CompletedProcess[str]:
            out = tmp_path / f"{name}.jsonl"
            result = cli(*base, "--output", str(out), *extra, token=sb.token,
                         env={"CARIQA_LOG": log})  # fmt: skip
            assert result.returncode == 0, result.stderr
            assert set(jsonl_ids(out)) == expected(sb, sb.user_ids)
            return result

        default = run("default")
        assert "warning: GET " in default.stderr  # retries are reported...
        assert "debug: " not in default.stderr
        assert "warning: " not in run("quiet", "-q").stderr  # ...unless asked not to
        assert "warning: " not in run("env", log="error").stderr
        assert "debug: GET " in run("debug", "-vv").stderr
        assert "debug: GET " in run("env-debug", log="DEBUG").stderr
        assert "warning: " not in run("flag-wins", "-q", log="debug").stderr
        bad = cli(*base, "--output", str(tmp_path / "bad.jsonl"), token=sb.token,
                  env={"CARIQA_LOG": "loud"})  # fmt: skip
        assert bad.returncode == 2
        assert "CARIQA_LOG='loud' is not a log level" in _one_error_line(bad.stderr)


def test_cariqa_log_works_for_library_users() -> None:
    code = (
        "import logging, cariqa_async\n"
        "logging.getLogger('cariqa_async').debug('hello from the sdk')\n"
        "logging.getLogger('cariqa_async').info('and info')\n"
    )

    def run(level: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
            env={**cli_env(), "CARIQA_LOG": level}, check=False,
        )  # fmt: skip

    debug = run("debug")
    assert "DEBUG cariqa_async: hello from the sdk" in debug.stderr
    assert "INFO cariqa_async: and info" in debug.stderr
    info = run("info")
    assert "hello" not in info.stderr
    assert "and info" in info.stderr
    bad = run("loud")
    assert bad.returncode == 0
    assert "RuntimeWarning: CARIQA_LOG='loud' is not a log level" in bad.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminal")
def test_log_lines_go_above_the_progress_bar(tmp_path: Path) -> None:
    pytest.importorskip("rich")
    import os
    import pty

    with Sandbox(seed=3, sessions_per_user=[40] * 6, faults={"500": 0.15}).run_in_thread() as sb:
        out = tmp_path / "s.jsonl"
        leader, follower = pty.openpty()  # stderr a terminal: the rich bar shows
        try:
            child = subprocess.Popen(
                [sys.executable, "-m", "cariqa_async.cli", "export", *sb.user_ids,
                 "--output", str(out), "--base-url", sb.url, "--page-size", "5",
                 "--max-retries", "12"],
                env={**cli_env(sb.token), "COLUMNS": "200", "TERM": "xterm"},
                stdout=subprocess.DEVNULL, stderr=follower, stdin=subprocess.DEVNULL,
            )  # fmt: skip
            os.close(follower)
            chunks = []
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: the child closed its end
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            assert child.wait(timeout=60) == 0
        finally:
            os.close(leader)
    text = b"".join(chunks).decode("utf-8", "replace")
    warnings = [m.start() for m in re.finditer(r"failed \(500\); retry", text)]
    assert warnings, text
    for at in warnings:
        # Each warning on a line of its own: not after the bar's text on its line.
        start = max(text.rfind("\n", 0, at), text.rfind("\r", 0, at))
        assert "━" not in text[start:at], text[start - 200 : at + 50]
        assert "warning: GET " in text[start:at], text[start:at]
    assert "export" in text  # the bar itself showed


# --- smaller fixes -----------------------------------------------------------


def test_every_help_reads_well() -> None:
    for command in (
        [], ["export"], ["users"], ["users", "list"], ["sessions"], ["sessions", "list"],
        ["sessions", "get"], ["demo"], ["sandbox"],
    ):  # fmt: skip
        result = cli(*command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert "usage: " in result.stdout
    get = cli("sessions", "get", "--help").stdout
    assert "--concurrency" not in get
    assert "--rate-limit" not in get
    assert "--timeout" in get
    assert "--max-retries" in get
    export = cli("export", "--help").stdout
    for flag in ("--resume", "--overwrite", "--timeout", "--max-retries", "-q", "-v", "143"):
        assert flag in export


def test_users_list_builds_a_users_file(sandbox: ThreadedSandbox, tmp_path: Path) -> None:
    ids = cli("users", "list", "--ids", "--base-url", sandbox.url, token=sandbox.token)
    assert ids.returncode == 0, ids.stderr
    assert ids.stdout.splitlines() == sandbox.user_ids
    as_json = cli("users", "list", "--json", "--limit", "2", "--base-url", sandbox.url,
                  token=sandbox.token)  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    assert [line.split('"id":"')[1].split('"')[0] for line in as_json.stdout.splitlines()] == (
        sandbox.user_ids[:2]
    )
    users_file = tmp_path / "users.txt"
    users_file.write_text(ids.stdout, encoding="utf-8")
    out = tmp_path / "s.jsonl"
    export = cli("export", "--users-file", str(users_file), "--output", str(out),
                 "--base-url", sandbox.url, token=sandbox.token)  # fmt: skip
    assert export.returncode == 0, export.stderr
    assert set(jsonl_ids(out)) == expected(sandbox, sandbox.user_ids)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_the_sandbox_banner_prints_what_to_pass() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "cariqa_async.cli", "sandbox", "--port", "0", "--users", "3",
         "--token", "tok-1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(),
    ) as server:  # fmt: skip
        try:
            assert server.stdout is not None
            banner = [server.stdout.readline() for _ in range(3)]
            base_url = banner[0].split()[-1]
            assert banner[1].strip() == "Token: tok-1"
            assert f"--base-url {base_url} --token tok-1" in banner[2]
            # Pasted as printed, the URL is accepted.
            listed = cli("users", "list", "--ids", "--base-url", base_url, token="tok-1")
            assert listed.returncode == 0, listed.stderr
            assert len(listed.stdout.splitlines()) == 3
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
