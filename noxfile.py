"""Automation: `nox` runs tests, lint, typecheck and docs; `nox -s bench` runs the benchmarks."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "tests_oldest", "lint", "typecheck", "docs"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

# mkdocs-material's banner about its successor is not a warning of ours.
_QUIET = {"NO_MKDOCS_2_WARNING": "1"}

# The lowest versions pyproject.toml admits; `tests_oldest` proves they work.
OLDEST = [
    "aiohttp==3.13.0",
    "aiolimiter==1.1.0",
    "attrs==24.2.0",
    "cattrs==24.1.0",
    "tenacity==9.0.0",
    "orjson==3.10.0",
]


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, client (aioresponses) and integration (sandbox) tests, branch coverage >= 90%."""
    session.install("-e", ".[test]")
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "combine", "--quiet")
    session.run("coverage", "report")


@nox.session
def tests_oldest(session: nox.Session) -> None:
    """The whole suite on the oldest supported runtime dependencies (aiohttp 3.13...)."""
    session.install("-e", ".[test]", *OLDEST)
    session.run("pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[test]", "mypy>=1.13")
    session.run("mypy", "--strict", "cariqa_async")


@nox.session
def docs(session: nox.Session) -> None:
    """The site, built strictly: a broken link, anchor, reference or page fails it.

    First ``docs/check.py``: the README's links resolve and every example (the
    files and the pages' blocks, those needing a real token included) passes mypy.
    The test suite runs the examples; this session needs no sandbox.
    """
    session.install("-e", ".[docs,test]")
    session.run("python", "docs/check.py")
    site = session.create_tmp()  # the built site is not kept in the tree
    session.run("mkdocs", "build", "--strict", "--site-dir", f"{site}/site", env=_QUIET)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks that print ratios against baselines measured in the same run.

    Each script takes its own options; run it directly to change them, e.g.
    ``python bench/export.py --skip-million``.
    """
    session.install("-e", ".[bench]")
    session.run("python", "bench/decode.py")
    session.run("python", "bench/fanout.py")
    session.run("python", "bench/export.py")
    session.run(
        "python", "bench/export.py", "--workers", "1,2", "--skip-throughput", "--skip-memory"
    )
