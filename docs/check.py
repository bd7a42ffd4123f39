"""Docs checks that need no server: links outside the site, and the examples' types.

Run by ``nox -s docs`` (before ``mkdocs build --strict``, which checks the site's
own links, anchors and references):

1. the relative links of the pages GitHub shows outside the site (README.md,
   CHANGELOG.md, bench/README.md) resolve;
2. mypy passes on the example files (``docs/examples``, ``--strict`` except the
   pytest examples, which are shown unannotated), the docs' scripts and every
   ```python block of the README and the pages. A block is checked as the body of
   a coroutine (top-level ``await`` is how the pages show code that runs inside
   one); the names the pages use without defining them have the types the test
   suite gives them (``tests/docs/blocks.py``), names from earlier blocks of the
   same page are ``Any``. Blocks marked ``<!-- needs a real token -->`` are
   checked here and never run.

The test suite (``tests/docs``) runs every example against the sandbox.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.docs.blocks import Block, blocks, pages  # noqa: E402 - after the path

OUTSIDE = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "bench" / "README.md"]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
#: The names of tests/docs/test_pages.py's context(), with their types.
CONTEXT = """\
from typing import Any
from cariqa_async import CariqaClient
from cariqa_async.sandbox import ThreadedSandbox

client: CariqaClient
sb: ThreadedSandbox
token: str
user_id: str
session_id: str
user_ids: list[str]
method_id: str
evse_id: str
external_id: str
"""
CONTEXT_NAMES = set(re.findall(r"^(\w+):", CONTEXT, re.M))


def broken_links() -> list[str]:
    return [
        f"{page.relative_to(ROOT)}: broken link {target}"
        for page in OUTSIDE
        for target in LINK.findall(page.read_text(encoding="utf-8"))
        if "://" not in target and not (page.parent / target).exists()
    ]


def defined(code: str) -> set[str]:
    """Names a block binds at its top level (assignments, defs, imports, loops)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def module_of(page_blocks: list[Block]) -> str:
    """One module for a page: each block the body of a coroutine of its own."""
    earlier: set[str] = set()
    declared = CONTEXT_NAMES | {"Any", "CariqaClient", "ThreadedSandbox"}
    parts = [CONTEXT]
    for number, block in enumerate(page_blocks):
        parts.extend(f"{name}: Any" for name in sorted(earlier - declared))
        declared |= earlier
        earlier |= defined(block.code)
        parts.append(f"# {block.where}\nasync def _block_{number}() -> None:")
        parts.append(textwrap.indent(block.code, "    ") + "    pass\n")
    return "\n".join(parts)


def mypy(*args: str) -> int:
    command = [sys.executable, "-m", "mypy", "--no-error-summary", "--hide-error-context"]
    return subprocess.run([*command, *args], cwd=ROOT, check=False).returncode  # noqa: S603


def main() -> int:
    failed = False
    for problem in broken_links():
        print(problem)
        failed = True
    examples = ROOT / "docs" / "examples"
    typed = [str(p) for p in examples.glob("*.py")]
    typed += [str(p) for p in (ROOT / "docs" / "scripts").glob("*.py")]
    with tempfile.TemporaryDirectory() as scratch:
        for page in pages():
            found = blocks(page)
            if found:
                name = re.sub(r"\W", "_", str(page.relative_to(ROOT)))
                module = Path(scratch) / f"docs_{name}.py"
                module.write_text(module_of(found), encoding="utf-8")
                typed.append(str(module))
        # Blocks and files are separate modules: the same name may mean different things.
        failed |= mypy("--strict", "--scripts-are-modules", *typed) != 0
    # The pytest examples are shown as users write tests: unannotated.
    loose = ["--allow-untyped-defs", "--allow-untyped-calls", "--check-untyped-defs"]
    failed |= mypy(*loose, str(examples / "testing")) != 0
    print("docs: links and example types", "FAILED" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
