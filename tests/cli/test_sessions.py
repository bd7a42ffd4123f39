"""`cariqa-async sessions` through the real entry point: bad input is one line, exit 2."""

from __future__ import annotations

import pytest

from cariqa_async.sandbox import ThreadedSandbox

from .conftest import cli


@pytest.mark.parametrize(
    "args",
    [("list", "a/b"), ("list", ".."), ("get", "u1", "x?y"), ("get", "a b", "s1")],
    ids=["slash", "dot-dot", "query", "space"],
)
def test_a_bad_id_is_one_line_and_exit_2(sandbox: ThreadedSandbox, args: tuple[str, ...]) -> None:
    result = cli("sessions", *args, "--base-url", sandbox.url, token=sandbox.token)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr  # one line, no traceback
    assert result.stderr.startswith("error: ")
    assert "not a valid identifier" in result.stderr
    assert sandbox.stats.requests == 0  # refused before any request
