"""Record the export's progress bar and summary as an SVG, for docs/export.md.

Runs a real export from an embedded sandbox through the command line's own
progress bar (``progress_for``) on a console that rich records, and saves the
final frame with ``Console.save_svg``: the picture is what a terminal shows,
not a drawing. Needs the ``cli`` extra (rich)::

    python docs/scripts/progress_svg.py [OUTPUT.svg]
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from cariqa_async import CariqaClient
from cariqa_async.cli._export import print_summary
from cariqa_async.cli._progress import BarProgress, progress_for
from cariqa_async.export import export_sessions
from cariqa_async.sandbox import Sandbox

DEFAULT = Path(__file__).resolve().parent.parent / "assets" / "export-progress.svg"
WIDTH = 100


class Terminal(io.StringIO):
    """Stands in for a terminal, so that the command line chooses its bar."""

    def isatty(self) -> bool:
        return True


async def record(output: Path) -> None:
    bar = progress_for(Terminal())
    assert isinstance(bar, BarProgress), "rich is needed: pip install '.[cli]'"
    console: Any = bar._progress.console  # the bar's own console, as the CLI builds it
    console.width = WIDTH
    sandbox = Sandbox(
        seed=1, users=120, latency=0.002, fault_rate=0.02, fault_kinds=["429", "503"], retry_after=0
    )
    async with sandbox as sb, CariqaClient(sb.token, base_url=sb.url, concurrency=16) as client:
        with tempfile.TemporaryDirectory() as scratch, bar:
            result = await export_sessions(
                client,
                sb.user_ids,
                Path(scratch) / "sessions.jsonl",
                users_in_flight=16,
                users_total=len(sb.user_ids),
                progress=bar,
            )
            # Only the final frame: the live refreshes before it are redrawn in
            # place on a terminal, and would pile up in a recording.
            console.record = True
    summary = io.StringIO()
    print_summary(result, summary)
    # The scratch directory is gone: show the file as the user named it.
    text = summary.getvalue().replace(f"{scratch}{os.sep}", "")
    console.print(text, end="", highlight=False)
    console.save_svg(str(output), title="cariqa-async export --users-file users.txt ...")


def main(argv: list[str]) -> int:
    output = Path(argv[0]) if argv else DEFAULT
    output.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(record(output))
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
