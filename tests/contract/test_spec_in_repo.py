"""The spec and the example live in the repository; nothing reads beside the checkout."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .spec import SPEC_PATH, operations, spec

ROOT = Path(__file__).resolve().parents[2]
# A path built to the directory beside the checkout, by a relative path or a join.
_BESIDE = "sha" + "red"  # spelled apart so that this file is no match of its own
_OUTSIDE = re.compile(rf"""\.\./{_BESIDE}|/\s*["']{_BESIDE}["']""")
_SKIP = {".git", ".nox", ".venv", "build", "dist", "__pycache__"}


def test_the_spec_and_the_example_are_in_the_repository(example_page: dict[str, Any]) -> None:
    assert SPEC_PATH.is_relative_to(ROOT / "tests" / "data")
    assert example_page["count"] == len(example_page["results"]) == 1
    assert spec()["openapi"] == "3.0.3"
    # NOTES.md says 24; the spec has 22 (on 17 paths).
    assert len(operations()) == 22
    assert len({op.path for op in operations()}) == 17


def test_no_python_file_reads_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in ROOT.rglob("*.py")
        if not _SKIP.intersection(path.relative_to(ROOT).parts)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _OUTSIDE.search(line) and path != Path(__file__).resolve()
    ]
    assert offenders == []
