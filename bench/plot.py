"""Wall time of a walk against concurrency: the SDK, the raw fan-out, the sequential follower.

Runs ``fanout.py``'s three walks over the same page server (a separate process,
``--latency`` per request) at each concurrency of ``--concurrency``, prints a
Markdown table of the medians and saves it (``OUTPUT.md``) beside the plot (SVG or
PNG, by the file name)
with the ideal ``T* = L * (1 + ceil((P - 1) / C))`` beside them. The sequential
walk follows ``next`` one page at a time, so concurrency does not change it: it
is measured once and drawn flat. Needs matplotlib (``pip install -e ".[bench]"``)::

    python bench/plot.py                         # ~2 min; writes docs/assets/fanout-concurrency.svg
    python bench/plot.py --concurrency 1 4 16 --repeat 5 --output /tmp/fanout.png
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
from pathlib import Path

from _server import ServerProcess
from fanout import Bench, Times, measure

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "assets" / "fanout-concurrency.svg"


async def sweep(base_url: str, args: argparse.Namespace) -> dict[int, Times]:
    results: dict[int, Times] = {}
    for number, concurrency in enumerate(args.concurrency):
        bench = Bench(base_url, args.pages, args.page_size, concurrency)
        # The sequential walk ignores concurrency: measure it with the first only.
        naive = args.naive_repeat if number == 0 else 0
        results[concurrency] = await measure(bench, args.repeat, naive)
        print(f"  C={concurrency} done", file=sys.stderr, flush=True)
    return results


def medians(results: dict[int, Times]) -> tuple[dict[str, list[float]], float]:
    """Median wall times in ms per walk, in the order of the concurrencies; the naive one."""
    series: dict[str, list[float]] = {"sdk": [], "raw": []}
    naive: list[float] = []
    for times in results.values():
        for name in series:
            series[name].append(statistics.median(wall for wall, _ in times[name]) * 1000)
        naive += [wall * 1000 for wall, _ in times["naive"]]
    return series, statistics.median(naive)


def table(args: argparse.Namespace, series: dict[str, list[float]], naive: float) -> str:
    rows = [
        f"P={args.pages} pages x {args.page_size} sessions, L={args.latency * 1000:g} ms per "
        f"request, median of {args.repeat}; sequential follower: {naive:.0f} ms",
        "",
        "| C | ideal T* | sdk T | raw T_raw | T/T_raw | speedup T_nv/T |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for i, c in enumerate(args.concurrency):
        ideal = args.latency * (1 + math.ceil((args.pages - 1) / c)) * 1000
        sdk, raw = series["sdk"][i], series["raw"][i]
        rows.append(
            f"| {c} | {ideal:.0f} ms | {sdk:.0f} ms | {raw:.0f} ms | {sdk / raw:.2f} "
            f"| {naive / sdk:.1f}x |"
        )
    return "\n".join(rows)


def plot(args: argparse.Namespace, series: dict[str, list[float]], naive: float) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    # The same data gives the same SVG bytes: no random ids, no date.
    matplotlib.rcParams["svg.hashsalt"] = "cariqa-async"
    conc = args.concurrency
    ideal = [args.latency * (1 + math.ceil((args.pages - 1) / c)) * 1000 for c in conc]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=100)
    ax.plot(conc, series["sdk"], "o-", label="SDK: charging_sessions.iter(), models")
    ax.plot(conc, series["raw"], "s--", label="raw aiohttp fan-out, bytes only")
    ax.plot(conc, ideal, ":", color="grey", label="ideal L·(1 + ⌈(P-1)/C⌉)")
    ax.axhline(naive, color="tab:red", label="sequential: follow next, one page at a time")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(conc, [str(c) for c in conc])
    # Plain milliseconds on the log axis, not 6 x 10^3.
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_xlabel("concurrency C (requests in flight)")
    ax.set_ylabel("wall time of the walk (ms)")
    ax.set_title(
        f"{args.pages} pages of {args.page_size} sessions, {args.latency * 1000:g} ms per request"
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.output, metadata={"Date": None} if args.output.suffix == ".svg" else None)
    plt.close(fig)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100, help="P, pages served (100)")
    parser.add_argument("--page-size", type=int, default=100, help="sessions per page (100)")
    parser.add_argument("--latency", type=float, default=0.05, help="L, seconds per request")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32], help="values of C"
    )
    parser.add_argument("--repeat", type=int, default=3, help="measured walks per C (3)")
    parser.add_argument("--naive-repeat", type=int, default=2, help="sequential walks (2)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the plot file")
    args = parser.parse_args(argv)
    if min(args.pages, args.page_size, args.repeat, args.naive_repeat, *args.concurrency) < 1:
        parser.error("--pages, --page-size, --concurrency and the repeats must be >= 1")
    if args.page_size > 100:
        parser.error("--page-size is capped at 100 by the server")
    args.concurrency = sorted(set(args.concurrency))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with ServerProcess(pages=args.pages, page_size=args.page_size, latency=args.latency) as srv:
            results = asyncio.run(sweep(srv.base_url, args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    series, naive = medians(results)
    text = table(args, series, naive)
    print(text)
    plot(args, series, naive)
    # The table beside the plot: docs/performance.md includes it, so that the page's
    # numbers are always the plotted ones.
    args.output.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
    print(f"\nwrote {args.output} and {args.output.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
