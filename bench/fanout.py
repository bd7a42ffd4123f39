"""Fan-out pagination: ``client.charging_sessions.iter()`` against two baselines.

A page server in a separate process (``_server.py``) answers every request after
``--latency`` seconds. In one run, with the same pages, this measures:

* ``sdk``: ``CariqaClient(concurrency=C).charging_sessions.iter()``, every session
  consumed as a model;
* ``naive``: aiohttp following ``next`` one page at a time, ``orjson.loads`` only;
* ``raw``: page 1, then pages 2..P with at most C in flight, ``await resp.read()``
  only: the transport's ceiling for this fan-out;

and prints the ideal ``T* = L * (1 + ceil((P - 1) / C))`` with the ratios
``T*/T`` (target >= 0.85), ``T/T_raw`` (target <= 1.05) and the speedup over
``naive``. Each repetition runs the three in a rotating order with fresh
connections; medians are reported. Exits 0 whether or not targets are met.

    python bench/fanout.py --pages 100 --latency 0.05 --concurrency 10 --repeat 7
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp
import orjson
from _server import USER_ID, ServerProcess

from cariqa_async import CariqaClient

PATH = f"/api/v1/users/{USER_ID}/charging-sessions/"
HEADERS = {"Authorization": "Bearer bench-token", "Accept": "application/json"}
TARGET_IDEAL = 0.85
TARGET_RAW = 1.05

Runner = Callable[[], Awaitable[int]]


class Bench:
    """The three ways of walking the same ``pages`` pages; each returns the items seen."""

    def __init__(self, base_url: str, pages: int, page_size: int, concurrency: int) -> None:
        self.base_url = base_url
        self.pages = pages
        self.page_size = page_size
        self.concurrency = concurrency

    def url(self, page: int) -> str:
        return f"{self.base_url}{PATH}?page={page}&page_size={self.page_size}"

    async def sdk(self) -> int:
        seen = 0
        async with CariqaClient(
            "bench-token", base_url=self.base_url, concurrency=self.concurrency
        ) as client:
            async for _ in client.charging_sessions.iter(USER_ID, page_size=self.page_size):
                seen += 1
        return seen

    async def naive(self, max_pages: int | None = None) -> int:
        seen = 0
        url: str | None = self.url(1)
        async with aiohttp.ClientSession(headers=HEADERS) as http:
            for _ in range(max_pages or self.pages + 1):
                if url is None:
                    break
                async with http.get(url) as resp:
                    resp.raise_for_status()
                    data = orjson.loads(await resp.read())
                seen += len(data["results"])
                url = data["next"]
        return seen

    async def raw(self) -> int:
        connector = aiohttp.TCPConnector(limit=self.concurrency)
        async with aiohttp.ClientSession(headers=HEADERS, connector=connector) as http:
            window = asyncio.Semaphore(self.concurrency)

            async def fetch(page: int) -> int:
                async with window, http.get(self.url(page)) as resp:
                    resp.raise_for_status()
                    return len(await resp.read())

            first = await fetch(1)
            rest = await asyncio.gather(*(fetch(p) for p in range(2, self.pages + 1)))
        return first + sum(rest)  # bytes, not items: nothing is parsed


async def timed(run: Runner) -> tuple[float, float, int]:
    """Wall time, this process's CPU time (the server's is not counted), result."""
    wall, cpu = time.perf_counter(), time.process_time()
    seen = await run()
    return time.perf_counter() - wall, time.process_time() - cpu, seen


Times = dict[str, list[tuple[float, float]]]


async def measure(bench: Bench, repeat: int, naive_repeat: int) -> Times:
    runners: dict[str, Runner] = {"sdk": bench.sdk, "raw": bench.raw, "naive": bench.naive}
    expected = {"sdk": bench.pages * bench.page_size, "naive": bench.pages * bench.page_size}
    # Warm-up: imports, converter hooks, connection code paths (naive: a few pages).
    await bench.sdk()
    await bench.raw()
    await bench.naive(max_pages=3)
    times: Times = {name: [] for name in runners}
    order = list(runners)
    for rep in range(repeat):
        for name in order[rep % 3 :] + order[: rep % 3]:  # rotate: no one always goes first
            if name == "naive" and rep >= naive_repeat:
                continue
            elapsed, cpu, seen = await timed(runners[name])
            if name in expected and seen != expected[name]:
                raise RuntimeError(f"{name} saw {seen} sessions, expected {expected[name]}")
            times[name].append((elapsed, cpu))
    return times


def report(args: argparse.Namespace, times: Times) -> None:
    pages, latency, conc = args.pages, args.latency, args.concurrency
    ideal = latency * (1 + math.ceil((pages - 1) / conc))
    t = {name: statistics.median(wall for wall, _ in runs) for name, runs in times.items()}
    print(
        f"fan-out: P={pages} pages x {args.page_size} sessions, L={latency * 1000:g} ms, "
        f"C={conc}; median of R={args.repeat} (naive {len(times['naive'])}) after a warm-up"
    )
    print(f"{'walk (wall time; client CPU)':<36}{'median':>10}{'min':>10}{'max':>10}{'CPU':>10}")
    print(f"{'ideal  T* = L*(1+ceil((P-1)/C))':<36}{ideal * 1000:>8.1f}ms")
    labels = {
        "sdk": "sdk    T      iter() -> models",
        "raw": "raw    T_raw  fan-out, bytes only",
        "naive": "naive  T_nv   follow next, orjson",
    }
    for name, label in labels.items():
        walls = [wall * 1000 for wall, _ in times[name]]
        cpu = statistics.median(cpu for _, cpu in times[name]) * 1000
        print(
            f"{label:<36}{t[name] * 1000:>8.1f}ms{min(walls):>8.1f}ms{max(walls):>8.1f}ms"
            f"{cpu:>8.1f}ms"
        )
    sdk_vs_ideal, sdk_vs_raw = ideal / t["sdk"], t["sdk"] / t["raw"]
    rows = [
        ("T*/T     sdk vs ideal", sdk_vs_ideal, f">= {TARGET_IDEAL}", sdk_vs_ideal >= TARGET_IDEAL),
        ("T/T_raw  sdk vs raw fan-out", sdk_vs_raw, f"<= {TARGET_RAW}", sdk_vs_raw <= TARGET_RAW),
        ("T*/T_raw raw vs ideal", ideal / t["raw"], "", None),
        ("T_nv/T   sdk speedup over naive", t["naive"] / t["sdk"], "", None),
    ]
    print(f"{'ratio':<36}{'value':>10}  target")
    for label, value, target, ok in rows:
        mark = "" if ok is None else "PASS" if ok else "MISS"
        print(f"{label:<36}{value:>10.3f}  {target:<8} {mark}".rstrip())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100, help="P, pages served (default 100)")
    parser.add_argument("--page-size", type=int, default=100, help="sessions per page (100)")
    parser.add_argument("--latency", type=float, default=0.05, help="L, seconds per request")
    parser.add_argument("--concurrency", type=int, default=10, help="C, requests in flight")
    parser.add_argument("--repeat", type=int, default=7, help="R, measured repetitions")
    parser.add_argument(
        "--naive-repeat", type=int, default=3, help="repetitions of the slow naive walk (3)"
    )
    args = parser.parse_args(argv)
    if min(args.pages, args.page_size, args.concurrency, args.repeat, args.naive_repeat) < 1:
        parser.error("--pages, --page-size, --concurrency and the repeats must be >= 1")
    if args.page_size > 100:
        parser.error("--page-size is capped at 100 by the server")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        # The server process is stopped on every way out, Ctrl-C included.
        with ServerProcess(pages=args.pages, page_size=args.page_size, latency=args.latency) as srv:
            bench = Bench(srv.base_url, args.pages, args.page_size, args.concurrency)
            times = asyncio.run(measure(bench, args.repeat, min(args.naive_repeat, args.repeat)))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    report(args, times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
