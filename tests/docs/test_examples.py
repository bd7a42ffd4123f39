"""The example files of ``docs/examples/`` run, as the pages tell readers to run them.

The pytest examples run in a pytest of their own (a subprocess), configured the
way the page says (strict mode, auto mode, anyio), not with this suite's own
settings; the scripts run against a sandbox the environment points at.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import aiohttp
import pytest
from aiohttp import web

from cariqa_async import CariqaClient
from cariqa_async.sandbox import Sandbox

from .blocks import ROOT, includes, pages

EXAMPLES = ROOT / "docs" / "examples"
TESTING = EXAMPLES / "testing"
# pytest-asyncio warns (an error here) unless the fixtures' loop scope is set.
STRICT = "asyncio_mode = strict\nasyncio_default_fixture_loop_scope = function"
AUTO = "asyncio_mode = auto\nasyncio_default_fixture_loop_scope = function"


def load(path: Path) -> ModuleType:
    name = f"docs_examples_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_pytest(tmp_path: Path, ini: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A pytest of its own: only ``ini`` configures it, not this project's pyproject."""
    config = tmp_path / "pytest.ini"
    config.write_text(f"[pytest]\nfilterwarnings = error\n{ini}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARIQA_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(config), "--rootdir", str(tmp_path),
         "-p", "no:cacheprovider", "-q", *args],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def test_the_fixture_in_strict_mode(tmp_path: Path) -> None:
    result = run_pytest(
        tmp_path, STRICT,
        str(TESTING / "test_strict_mode.py"), str(TESTING / "test_faults.py"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout


def test_the_fixture_in_auto_mode(tmp_path: Path) -> None:
    result = run_pytest(
        tmp_path, AUTO,
        str(TESTING / "test_auto_mode.py"), str(TESTING / "test_strict_mode.py"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_the_fixture_under_anyio_without_pytest_asyncio(tmp_path: Path) -> None:
    pytest.importorskip("anyio", reason="anyio ships the pytest plugin this example uses")
    result = run_pytest(tmp_path, "", "-p", "no:asyncio", str(TESTING / "test_anyio.py"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_an_unmarked_async_test_fails_in_strict_mode(tmp_path: Path) -> None:
    """Why the strict-mode example carries its mark: the page says so, and it is true."""
    result = run_pytest(tmp_path, STRICT, str(TESTING / "test_auto_mode.py"))
    assert result.returncode != 0
    assert "async def functions are not natively supported" in result.stdout + result.stderr


async def test_the_quick_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    quickstart = load(EXAMPLES / "quickstart.py")
    async with Sandbox(seed=2, sessions_per_user=[23, 0, 4]) as sb:
        monkeypatch.setenv("CARIQA_TOKEN", sb.token)
        monkeypatch.setenv("CARIQA_BASE_URL", sb.url)
        await quickstart.main()
    out = capsys.readouterr().out
    assert "3 users" in out
    assert "has 23 charging sessions" in out
    assert "stations within 100 m" in out


async def test_the_service_shares_one_client(monkeypatch: pytest.MonkeyPatch) -> None:
    service = load(EXAMPLES / "service.py")
    async with Sandbox(seed=2, sessions_per_user=[23, 4]) as sb:
        monkeypatch.setenv("CARIQA_TOKEN", sb.token)
        monkeypatch.setenv("CARIQA_BASE_URL", sb.url)
        async with CariqaClient(sb.token, base_url=sb.url) as client:
            sessions = [s async for s in client.charging_sessions.iter(sb.user_ids[0])]
        expected = str(sum(s.consumed_energy or 0 for s in sessions))
        runner = web.AppRunner(service.make_app())
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            url = f"http://127.0.0.1:{runner.addresses[0][1]}/users"
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{url}/{sb.user_ids[0]}/energy") as resp:
                    assert resp.status == 200
                    assert await resp.json() == {"user_id": sb.user_ids[0], "kwh": expected}
                async with http.get(f"{url}/nobody/energy") as resp:
                    assert resp.status == 404
            client = runner.app[service.CLIENT]
        finally:
            await runner.cleanup()
        assert client.closed  # closed with the app


def test_every_example_file_is_on_a_page() -> None:
    shown = {path.split(":")[0] for page in pages() for path in includes(page)}
    shown |= {f"docs/examples/testing/{p.name}" for p in TESTING.glob("*.py")}  # testing.md
    for path in EXAMPLES.rglob("*.py"):
        assert str(path.relative_to(ROOT)) in shown, f"{path.name} is on no page"
