"""Fan-out pagination: ``client.charging_sessions.iter()`` against same-run baselines.

A page server in a separate process (``_server.py``) answers every request after
a latency L. Three modes (``--mode``, default all three in turn), each in one run
with the same pages:

* ``default``: P=100, L=50 ms, C=10 — the network is the bound;
* ``cpu``: P=200, L=0, C=10 — the client's CPU is the bound;
* ``high``: P=200, L=50 ms, C=32 — many requests in flight.

The walks timed:

* ``sdk``: ``CariqaClient(concurrency=C).charging_sessions.iter()``, every session
  consumed as a model;
* ``untyped``: page 1, then pages 2..P with at most C in flight (aiohttp),
  ``orjson.loads``, each session yielded as a dict, in page order: what a
  hand-written untyped client costs;
* ``raw``: the same fan-out, ``await resp.read()`` only: the transport's ceiling;
* ``naive`` (default mode only): aiohttp following ``next`` one page at a time.

Targets, printed with PASS/MISS: default ``T*/T >= 0.85`` and ``T/T_raw <= 1.05``;
cpu: client CPU per session ``sdk/untyped <= 1.5``; high: ``T/T_raw <= 1.3``.
Each repetition runs the walks in a rotating order with fresh connections; medians
are reported. Exits 0 whether or not targets are met.

    python bench/fanout.py                      # the three modes (~1 min)
    python bench/fanout.py --mode cpu --repeat 9
    python bench/fanout.py --pages 100 --latency 0.05 --concurrency 10 --repeat 7
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import orjson
from _server import USER_ID, ServerProcess

from cariqa_async import CariqaClient

PATH = f"/api/v1/users/{USER_ID}/charging-sessions/"
HEADERS = {"Authorization": "Bearer bench-token", "Accept": "application/json"}

#: mode -> (pages, latency, concurrency)
MODES: dict[str, tuple[int, float, int]] = {
    "default": (100, 0.05, 10),
    "cpu": (200, 0.0, 10),
    "high": (200, 0.05, 32),
}
TARGET_IDEAL = 0.85  # default: T*/T
TARGET_RAW = 1.05  # default: T/T_raw
TARGET_CPU = 1.5  # cpu: client CPU per session, sdk / untyped
TARGET_HIGH = 1.3  # high: T/T_raw

Runner = Callable[[], Awaitable[int]]
Times = dict[str, list[tuple[float, float]]]


class Bench:
    """The ways of walking the same ``pages`` pages; each returns what it saw."""

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

    async def _fan_out(self, http: aiohttp.ClientSession) -> AsyncIterator[bytes]:
        """Page 1, then pages 2..P with at most C in flight; bodies in page order."""
        window = asyncio.Semaphore(self.concurrency)

        async def fetch(page: int) -> bytes:
            async with window, http.get(self.url(page)) as resp:
                resp.raise_for_status()
                return await resp.read()

        yield await fetch(1)
        rest = [asyncio.ensure_future(fetch(p)) for p in range(2, self.pages + 1)]
        try:
            for task in rest:
                yield await task
        finally:
            for task in rest:
                task.cancel()

    def _session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=self.concurrency)
        return aiohttp.ClientSession(headers=HEADERS, connector=connector)

    async def untyped(self) -> int:
        async def sessions() -> AsyncIterator[dict[str, Any]]:
            async with self._session() as http:
                async for body in self._fan_out(http):
                    for record in orjson.loads(body)["results"]:
                        yield record

        seen = 0
        async for _ in sessions():
            seen += 1
        return seen

    async def raw(self) -> int:
        size = 0
        async with self._session() as http:
            async for body in self._fan_out(http):
                size += len(body)
        return size  # bytes, not items: nothing is parsed


async def timed(run: Runner) -> tuple[float, float, int]:
    """Wall time, this process's CPU time (the server's is not counted), result."""
    wall, cpu = time.perf_counter(), time.process_time()
    seen = await run()
    return time.perf_counter() - wall, time.process_time() - cpu, seen


async def measure(
    bench: Bench, repeat: int, naive_repeat: int, walks: tuple[str, ...] = ("sdk", "raw", "naive")
) -> Times:
    """``repeat`` timed rounds of ``walks`` in rotating order, after a warm-up of each."""
    every: dict[str, Runner] = {
        "sdk": bench.sdk,
        "untyped": bench.untyped,
        "raw": bench.raw,
        "naive": bench.naive,
    }
    runners = {name: every[name] for name in walks}
    sessions = bench.pages * bench.page_size
    # Warm-up: imports, converter hooks, connection code paths (naive: a few pages).
    for name in runners:
        await (bench.naive(max_pages=3) if name == "naive" else runners[name]())
    times: Times = {name: [] for name in runners}
    order = list(runners)
    for rep in range(repeat):
        shift = rep % len(order)
        for name in order[shift:] + order[:shift]:  # rotate: no one always goes first
            if name == "naive" and rep >= naive_repeat:
                continue
            elapsed, cpu, seen = await timed(runners[name])
            if name != "raw" and seen != sessions:
                raise RuntimeError(f"{name} saw {seen} sessions, expected {sessions}")
            times[name].append((elapsed, cpu))
    return times


LABELS = {
    "sdk": "sdk      T      iter() -> models",
    "untyped": "untyped  T_u    fan-out, orjson dicts",
    "raw": "raw      T_raw  fan-out, bytes only",
    "naive": "naive    T_nv   follow next, orjson",
}


def _median(runs: list[tuple[float, float]], index: int) -> float:
    return statistics.median(run[index] for run in runs)


def report(mode: str, args: argparse.Namespace, times: Times) -> None:
    pages, latency, conc = args.pages, args.latency, args.concurrency
    sessions = pages * args.page_size
    ideal = latency * (1 + math.ceil((pages - 1) / conc))
    t = {name: _median(runs, 0) for name, runs in times.items()}
    cpu = {name: _median(runs, 1) for name, runs in times.items()}
    naive_note = f" (naive {len(times['naive'])})" if "naive" in times else ""
    print(
        f"fan-out, {mode} mode: P={pages} pages x {args.page_size} sessions, "
        f"L={latency * 1000:g} ms, C={conc}; median of R={args.repeat}"
        f"{naive_note} after a warm-up"
    )
    print(
        f"{'walk (wall time; client CPU)':<40}{'median':>10}{'min':>10}{'max':>10}"
        f"{'CPU':>10}{'CPU/sess':>10}{'sess/s':>10}"
    )
    if latency:
        print(f"{'ideal    T* = L*(1+ceil((P-1)/C))':<40}{ideal * 1000:>8.1f}ms")
    for name, runs in times.items():
        walls = [wall * 1000 for wall, _ in runs]
        print(
            f"{LABELS[name]:<40}{t[name] * 1000:>8.1f}ms{min(walls):>8.1f}ms{max(walls):>8.1f}ms"
            f"{cpu[name] * 1000:>8.1f}ms{cpu[name] * 1e6 / sessions:>8.1f}us"
            f"{sessions / t[name]:>10,.0f}"
        )
    rows: list[tuple[str, float, str, bool | None]] = []
    if mode == "cpu":
        ratio = cpu["sdk"] / cpu["untyped"]
        rows.append(("CPU/session sdk / untyped", ratio, f"<= {TARGET_CPU}", ratio <= TARGET_CPU))
        rows.append(("CPU/session untyped / raw", cpu["untyped"] / cpu["raw"], "", None))
        rows.append(("sessions/s  sdk / untyped", t["untyped"] / t["sdk"], "", None))
    elif mode == "high":
        ratio = t["sdk"] / t["raw"]
        rows.append(
            ("T/T_raw    sdk vs raw fan-out", ratio, f"<= {TARGET_HIGH}", ratio <= TARGET_HIGH)
        )
        rows.append(("T_u/T_raw  untyped vs raw fan-out", t["untyped"] / t["raw"], "", None))
        rows.append(("T*/T_raw   raw vs ideal", ideal / t["raw"], "", None))
    else:
        vs_ideal, vs_raw = ideal / t["sdk"], t["sdk"] / t["raw"]
        rows.append(
            ("T*/T       sdk vs ideal", vs_ideal, f">= {TARGET_IDEAL}", vs_ideal >= TARGET_IDEAL)
        )
        rows.append(
            ("T/T_raw    sdk vs raw fan-out", vs_raw, f"<= {TARGET_RAW}", vs_raw <= TARGET_RAW)
        )
        rows.append(("T*/T_raw   raw vs ideal", ideal / t["raw"], "", None))
        if "naive" in t:
            rows.append(("T_nv/T     sdk speedup over naive", t["naive"] / t["sdk"], "", None))
    print(f"{'ratio':<40}{'value':>10}  target")
    for label, value, target, ok in rows:
        mark = "" if ok is None else "PASS" if ok else "MISS"
        print(f"{label:<40}{value:>10.3f}  {target:<8} {mark}".rstrip())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mode",
        choices=[*MODES, "all"],
        default=None,
        help="default, cpu, high, or all (the default, unless --pages/--latency/"
        "--concurrency are given: then one custom run)",
    )
    parser.add_argument("--pages", type=int, help="P, pages served")
    parser.add_argument("--page-size", type=int, default=100, help="sessions per page (100)")
    parser.add_argument("--latency", type=float, help="L, seconds per request")
    parser.add_argument("--concurrency", type=int, help="C, requests in flight")
    parser.add_argument("--repeat", type=int, default=7, help="R, measured repetitions (7)")
    parser.add_argument(
        "--naive-repeat", type=int, default=3, help="repetitions of the slow naive walk (3)"
    )
    args = parser.parse_args(argv)
    custom = (args.pages, args.latency, args.concurrency) != (None, None, None)
    if args.mode is None:
        args.mode = "custom" if custom else "all"
    elif custom:
        parser.error("--pages, --latency and --concurrency make a custom run: drop --mode")
    checked = [args.page_size, args.repeat, args.naive_repeat]
    checked += [x for x in (args.pages, args.concurrency) if x is not None]
    if min(checked) < 1 or (args.latency or 0) < 0:
        parser.error("--pages, --page-size, --concurrency and the repeats must be >= 1")
    if args.page_size > 100:
        parser.error("--page-size is capped at 100 by the server")
    return args


def runs_of(args: argparse.Namespace) -> list[tuple[str, argparse.Namespace]]:
    """(mode, settings) of each run asked for; a custom run reports like the default."""
    if args.mode == "custom":
        base = MODES["default"]
        settings = (
            args.pages or base[0],
            base[1] if args.latency is None else args.latency,
            args.concurrency or base[2],
        )
        return [("default", _with(args, *settings))]
    names = list(MODES) if args.mode == "all" else [args.mode]
    return [(name, _with(args, *MODES[name])) for name in names]


def _with(args: argparse.Namespace, pages: int, latency: float, conc: int) -> argparse.Namespace:
    return argparse.Namespace(
        **{**vars(args), "pages": pages, "latency": latency, "concurrency": conc}
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        for number, (mode, settings) in enumerate(runs_of(args)):
            walks: tuple[str, ...] = ("sdk", "untyped", "raw")
            if mode == "default":
                walks += ("naive",)
            # A fresh server per mode: its latency and pages are fixed at start. It
            # is stopped on every way out, Ctrl-C included.
            with ServerProcess(
                pages=settings.pages, page_size=settings.page_size, latency=settings.latency
            ) as srv:
                bench = Bench(
                    srv.base_url, settings.pages, settings.page_size, settings.concurrency
                )
                naive = min(settings.naive_repeat, settings.repeat)
                times = asyncio.run(measure(bench, settings.repeat, naive, walks))
            if number:
                print()
            report(mode, settings, times)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
