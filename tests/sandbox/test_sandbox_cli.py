"""``python -m cariqa_async.sandbox``: argument parsing, serving, Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import signal
import subprocess
import sys
import urllib.request

import aiohttp
import pytest

from cariqa_async.sandbox import DEFAULT_TOKEN, Sandbox, main
from cariqa_async.sandbox._cli import add_arguments, sandbox_from_args, serve


def parse(*argv: str) -> Sandbox:
    return sandbox_from_args(add_arguments(argparse.ArgumentParser()).parse_args(argv))


def test_defaults() -> None:
    sb = parse()
    assert sb.token == DEFAULT_TOKEN
    assert len(sb.user_ids) == 300
    assert sb.seed == 1
    assert sb.state.max_page_size == 100
    assert sb.faults.rates == {}


def test_every_option() -> None:
    sb = parse(
        "--host", "127.0.0.1", "--port", "0", "--users", "7", "--seed", "9",
        "--latency", "0.05", "--jitter", "0.01", "--fault-rate", "0.1",
        "--fault-kinds", "500,429", "--fault", "drop=0.05", "--max-page-size", "50",
        "--page-size", "5", "--token", "a", "--token", "b", "--retry-after", "2",
        "--stall-time", "3",
    )  # fmt: skip
    assert (len(sb.user_ids), sb.seed, sb.tokens) == (7, 9, ("a", "b"))
    assert (sb.state.page_size, sb.state.max_page_size) == (5, 50)
    faults = sb.faults
    assert (faults.latency, faults.jitter, faults.retry_after, faults.stall_time) == (
        0.05, 0.01, 2, 3.0,
    )  # fmt: skip
    assert faults.rates == {"429": 0.05, "500": 0.05, "drop": 0.05}
    exact = parse("--sessions-per-user", "0,1,99")
    assert [exact.session_count(u) for u in exact.user_ids] == [0, 1, 99]


@pytest.mark.parametrize(
    "argv",
    [
        ["--fault-rate", "2"],
        ["--fault", "teapot=0.1"],
        ["--fault", "429"],
        ["--fault", "429=often"],
        ["--fault-kinds", "429,boom"],
        ["--users", "3", "--sessions-per-user", "1,2"],
        ["--sessions-per-user", "1,x"],
        ["--sessions-per-user", "1,-2"],
        ["--latency", "-1"],
        ["--port", "http"],
    ],
)
def test_invalid_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_an_address_in_use_returns_1(capsys: pytest.CaptureFixture[str]) -> None:
    with Sandbox(users=1).run_in_thread() as busy:
        port = busy.url.rsplit(":", 1)[1]
        assert main(["--port", port, "--users", "1"]) == 1
    assert "cannot serve" in capsys.readouterr().err


class _Output(io.StringIO):
    """Captures what ``serve`` prints and signals when it is ready."""

    def __init__(self) -> None:
        super().__init__()
        self.ready = asyncio.Event()

    def write(self, text: str) -> int:
        if "Ctrl-C" in text:
            self.ready.set()
        return super().write(text)


async def test_serve_prints_and_stops_on_the_event(http: aiohttp.ClientSession) -> None:
    sb = Sandbox(users=4, sessions_per_user=None)
    stop, out = asyncio.Event(), _Output()
    task = asyncio.create_task(serve(sb, stop, out))
    await out.ready.wait()
    assert f"serving {sb.url}\n" in out.getvalue()  # what --base-url accepts
    assert f"--base-url {sb.url} " in out.getvalue()
    assert f"Token: {DEFAULT_TOKEN}" in out.getvalue()
    assert "4 users" in out.getvalue()
    async with http.get(
        f"{sb.url}/api/v1/users/", headers={"Authorization": "Bearer sandbox-token"}
    ) as r:
        assert r.status == 200
    stop.set()
    await task
    with pytest.raises(RuntimeError):
        _ = sb.url


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_the_module_serves_until_ctrl_c() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cariqa_async.sandbox",
            "--port",
            "0",
            "--users",
            "3",
            "--token",
            "t",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Cariqa sandbox serving http://127.0.0.1:"), first
        base = first.split()[-1]
        assert process.stdout.readline().strip() == "Token: t"
        headers = {"Authorization": "Bearer t"}
        request = urllib.request.Request(base + "/api/v1/users/", headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local URL)
            assert json.load(response)["count"] == 3
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_public_api_is_pinned() -> None:
    import cariqa_async.sandbox as sandbox

    assert sorted(sandbox.__all__) == [
        "DEFAULT_DISTRIBUTION", "DEFAULT_TOKEN", "DEFAULT_USERS", "Distribution", "FAULT_KINDS",
        "FaultConfig", "FaultKind", "Sandbox", "SandboxControls", "Stats", "ThreadedSandbox",
        "UnknownSessionsError", "create_app", "main",
    ]  # fmt: skip
    assert all(hasattr(sandbox, name) for name in sandbox.__all__)
