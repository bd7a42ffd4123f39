"""The ```python blocks of the site's pages and the README, and how to run them.

Every block runs, in page order, in one namespace per page (as a reader would
paste them one after the other), against a sandbox. A block right after the
line ``<!-- needs a real token -->`` is only compiled here; ``docs/check.py``
type-checks it (``nox -s docs``). A block whose only content is a snippet include
(``--8<-- "docs/examples/..."``) is the included file's, which has its own test.

The names the pages may use without defining them are those of :func:`context`:
``client`` (an open client of the sandbox), ``sb`` (the sandbox, a
``ThreadedSandbox``), ``token``, ``user_id`` and ``session_id`` (a user with
sessions and its newest one), ``user_ids``, ``method_id`` (a card of
``user_id``), ``evse_id`` (a free EVSE) and ``external_id``. ``CARIQA_TOKEN`` and
``CARIQA_BASE_URL`` point at the sandbox, so ``CariqaClient()`` reaches it too.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
NEEDS_TOKEN = "<!-- needs a real token -->"
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
#: A snippet include in block form (``--8<--``, the files, ``--8<--``): ruff's
#: formatter, which formats the pages' Python blocks, leaves it alone, while it
#: would rewrite the one-line form ``--8<-- "file"`` as Python.
SNIPPET_MARK = "--8<--"


@dataclass(frozen=True)
class Block:
    """One ```python block: where it is, its code, and whether it runs."""

    page: Path
    line: int
    code: str
    runs: bool

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def includes(self) -> list[str]:
        """The files it includes, if it is a snippet include."""
        lines = [line.strip() for line in self.code.splitlines() if line.strip()]
        if len(lines) >= 3 and lines[0] == lines[-1] == SNIPPET_MARK:
            return lines[1:-1]
        return []


def pages() -> list[Path]:
    """The README and every Markdown page of the site."""
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def blocks(page: Path) -> list[Block]:
    """The page's ```python blocks, snippet includes left out."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip().rsplit("\n", 1)[-1].strip()
        line = text.count("\n", 0, match.start()) + 2
        block = Block(page, line, match.group(1), runs=before != NEEDS_TOKEN)
        if not block.includes:
            found.append(block)
    return found


def includes(page: Path) -> list[str]:
    """The files the page includes into ```python blocks."""
    text = page.read_text(encoding="utf-8")
    return [
        path
        for match in FENCE.finditer(text)
        for path in Block(page, 0, match.group(1), runs=False).includes
    ]


def compiled(block: Block) -> object:
    """The block's code object; top-level ``await`` allowed (it makes a coroutine)."""
    return compile(
        block.code, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
