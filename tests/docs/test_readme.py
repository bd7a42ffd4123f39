"""The README's commands, and what the demo leaves behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .blocks import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_COMMAND = "python3 -m pip install --quiet --upgrade nox && python3 -m nox"


def shell_lines() -> list[str]:
    blocks = re.findall(r"^```sh\n(.*?)^```", README, re.S | re.M)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_test_command_is_the_one_ci_runs() -> None:
    assert CI_COMMAND in shell_lines()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m pip install --quiet --upgrade nox\npython3 -m nox" in ci


def test_the_first_command_makes_its_own_virtualenv() -> None:
    """A stock Debian python3 refuses `pip install` outside a virtualenv (PEP 668)."""
    first = shell_lines()[0]
    assert first.startswith("python3 -m venv .venv && .venv/bin/pip install ")
    assert first.endswith(".venv/bin/python -m cariqa_async demo")


def test_the_demo_leaves_nothing_in_the_working_directory(tmp_path: Path) -> None:
    cwd, scratch = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARIQA_")}
    env.update(TMPDIR=str(scratch), PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "cariqa_async", "demo", "--users", "5"],
        capture_output=True, text=True, timeout=120, cwd=cwd, env=env,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert list(cwd.iterdir()) == []
    output = scratch / "cariqa-demo-sessions.jsonl"
    size = output.stat().st_size
    assert f"The export is {output} ({size / 1e6:.1f} MB)" in result.stdout


def test_the_progress_picture_is_generated(tmp_path: Path) -> None:
    """docs/export.md's picture comes from a script that records a real export."""
    svg = tmp_path / "progress.svg"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "scripts" / "progress_svg.py"), str(svg)],
        capture_output=True, text=True, timeout=120, env=env,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<svg")
    assert "120/120" in text  # the bar, complete
    assert "Exported" in text  # and the summary
    assert (ROOT / "docs" / "assets" / "export-progress.svg").is_file()
