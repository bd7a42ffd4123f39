"""Strict docs check: relative links resolve and every ```python block compiles.

Run by ``nox -s docs``. Top-level ``await`` and ``async for`` are allowed in the
examples (they are shown as they would be written inside a coroutine).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "bench" / "README.md"]
PAGES += sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def problems(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    found = [
        f"{page.relative_to(ROOT)}: broken link {target}"
        for target in LINK.findall(text)
        if "://" not in target and not (page.parent / target).exists()
    ]
    for number, block in enumerate(BLOCK.findall(text), start=1):
        try:
            compile(block, f"{page.name}#{number}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        except SyntaxError as exc:
            found.append(f"{page.relative_to(ROOT)}: python block {number}: {exc}")
    return found


def main() -> int:
    found = [problem for page in PAGES for problem in problems(page)]
    for problem in found:
        print(problem)
    print(f"docs: {len(PAGES)} pages checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
