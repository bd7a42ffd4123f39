"""The command line, in-process and through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cariqa_async.cli import main


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_demo_exports_every_session_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "sessions.jsonl"
    assert main(["demo", "--users", "25", "--seed", "3", "--output", str(output)]) == 0
    records = read_jsonl(output)
    ids = [record["id"] for record in records]
    assert len(ids) == len(set(ids)) > 0
    assert all(isinstance(record["user_id"], str) for record in records)
    out = capsys.readouterr().out
    assert f"Exported {len(records):,} sessions of 25 users" in out
    assert "kWh" in out
    assert "spend:" in out


def test_demo_survives_faults(tmp_path: Path) -> None:
    clean, faulty = tmp_path / "clean.jsonl", tmp_path / "faulty.jsonl"
    assert main(["demo", "--users", "12", "--output", str(clean)]) == 0
    assert main(["demo", "--users", "12", "--output", str(faulty), "--fault-rate", "0.15"]) == 0
    # Same seed, same data: the faults changed nothing in the result (users finish
    # in a different order under faults, so compare the sorted lines).
    assert sorted(clean.read_bytes().splitlines()) == sorted(faulty.read_bytes().splitlines())


def test_entry_point_runs_as_a_module(tmp_path: Path) -> None:
    output = tmp_path / "s.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "cariqa_async.cli", "demo", "--users", "5", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Exported" in result.stdout
    assert output.exists()


def test_version_and_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert "cariqa-async" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["nonsense"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["sandbox", "--fault-rate", "7"])
    assert info.value.code == 2
