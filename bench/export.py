"""Bulk export: ``export_sessions`` throughput and memory against the sandbox.

The sandbox (``cariqa_async.sandbox``, zero latency) runs in a separate process
(``_export_server.py``), so its CPU and memory are never counted as the client's.

1. Throughput, in this process: a full export of ``--users`` users (the sandbox's
   realistic spread of session counts) to a temporary file, in sessions/s, beside
   a raw-transport baseline measured in the same run: the same GETs (every page of
   every user, ``page_size=100``) with aiohttp at the same concurrency, bodies read
   and dropped. For information, a "json" floor: the same GETs, ``orjson.loads``
   and one ``orjson.dumps`` line per session, no models (what an exporter costs at
   the least). One warm-up of each, then ``--repeat`` rounds in rotating order;
   medians. Target (issue #11): JSONL export >= 35% of the raw baseline's sessions/s.
2. Memory: exports of 10^4, 10^5 and 10^6 sessions (``--memory-users`` users with
   equal counts), each in a fresh process (``_export_child.py``) against a fresh
   sandbox, reporting the child's peak RSS after imports and at the end (its own
   ``VmHWM`` on Linux: ``ru_maxrss`` there includes this process's peak at spawn
   time, so it is shown for reference only). Targets: peak < 150 MB, and
   "roughly flat": the 10^6 peak within +50 MB of the 10^4 peak.

3. Workers (only with ``--workers 1,2``): the real command line,
   ``python -m cariqa_async export --workers W``, against a light server in its
   own process (``_server.py --users``: ``--workers-users`` users of 1,000 sessions,
   pages rendered once, a fixed latency of ``--latency`` s per request) with a
   high ``--workers-concurrency`` (64), so that the client's CPU is the bound.
   Reports sessions/s per W (wall time of the whole command, median of
   ``--repeat`` rounds after a warm-up), the speed-up against W=1, and each
   worker's peak RSS (its ``VmHWM``, which the CLI logs at ``-v``): "flat" means
   the per-worker peak does not grow with W. The speed-up is reported, not
   judged: on 2 cores shared with the server, expect well under 2x.

Every export is checked: no failures, and as many records in the file as the
users have sessions. Exits 0 whether or not targets are met.

    python bench/export.py --users 300 --repeat 7
    python bench/export.py --skip-million --formats jsonl
    python bench/export.py --workers 1,2 --skip-throughput --skip-memory
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import functools
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import orjson
from _export_server import SandboxProcess, python
from _server import ServerProcess

from cariqa_async import CariqaClient
from cariqa_async.export import export_sessions

PAGE_SIZE = 100
TARGET_RAW = 0.35
TARGET_PEAK_MB = 150.0
TARGET_FLAT_MB = 50.0
FORMATS = ("jsonl", "csv", "parquet")
CHILD = Path(__file__).resolve().with_name("_export_child.py")

Runner = Callable[[], Awaitable[int]]
Times = dict[str, list[tuple[float, float]]]


def count_records(path: Path, fmt: str) -> int:
    """Records in an export file (CSV: rows after the header)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as source:
            return sum(1 for _ in csv.reader(source)) - 1
    lines = 0
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines


def check(what: str, got: int, expected: int) -> None:
    if got != expected:
        raise RuntimeError(f"{what}: {got} records, expected {expected}")


class Throughput:
    """The walks timed against one sandbox; each returns what it moved."""

    def __init__(self, sb: SandboxProcess, workdir: Path, concurrency: int, in_flight: int) -> None:
        self.sb = sb
        self.workdir = workdir
        self.concurrency = concurrency
        self.in_flight = in_flight
        self.pages = [
            (
                user,
                f"{sb.url}/api/v1/users/{user}/charging-sessions/?page={page}&page_size={PAGE_SIZE}",
            )
            for user, count in zip(sb.user_ids, sb.counts, strict=True)
            for page in range(1, max(1, -(-count // PAGE_SIZE)) + 1)
        ]

    async def _get_all(self, handle: Callable[[str, bytes], int]) -> int:
        """Every page of every user, at most ``concurrency`` in flight; sums ``handle``."""
        headers = {"Authorization": f"Bearer {self.sb.token}", "Accept": "application/json"}
        connector = aiohttp.TCPConnector(limit=self.concurrency)
        async with aiohttp.ClientSession(headers=headers, connector=connector) as http:
            window = asyncio.Semaphore(self.concurrency)

            async def fetch(user: str, url: str) -> int:
                async with window, http.get(url) as resp:
                    resp.raise_for_status()
                    body = await resp.read()
                return handle(user, body)

            return sum(await asyncio.gather(*(fetch(user, url) for user, url in self.pages)))

    async def raw(self) -> int:
        return await self._get_all(lambda _, body: len(body))  # bytes: nothing is parsed

    async def json(self) -> int:
        """No models: each record is ``orjson.loads`` from the page and dumped with its user."""
        with self.output("json").open("wb") as out:

            def write(user: str, body: bytes) -> int:
                rows = orjson.loads(body)["results"]
                out.write(b"".join(orjson.dumps({"user_id": user, **r}) + b"\n" for r in rows))
                return len(rows)

            return await self._get_all(write)

    def output(self, fmt: str) -> Path:
        return self.workdir / f"sessions.{fmt}"

    async def export(self, fmt: str) -> int:
        async with CariqaClient(
            self.sb.token, base_url=self.sb.url, concurrency=self.concurrency
        ) as client:
            result = await export_sessions(
                client,
                self.sb.user_ids,
                self.output(fmt),
                format=fmt,
                overwrite=True,
                users_in_flight=self.in_flight,
                page_size=PAGE_SIZE,
            )
        if result.failures:
            raise RuntimeError(f"{fmt} export failed for {len(result.failures)} users")
        check(f"{fmt} export result", result.sessions, self.sb.total)
        return result.sessions

    def verify(self, fmt: str) -> None:
        """The file holds one record per session; then it goes (outside the timing)."""
        path = self.output(fmt)
        check(f"{fmt} file", count_records(path, "jsonl" if fmt == "json" else fmt), self.sb.total)
        path.unlink()


async def measure(bench: Throughput, formats: list[str], repeat: int) -> Times:
    runners: dict[str, Runner] = {"raw": bench.raw, "json": bench.json}
    for fmt in formats:
        runners[fmt] = functools.partial(bench.export, fmt)
    order = list(runners)
    times: Times = {name: [] for name in order}
    for rep in range(-1, repeat):  # -1: the warm-up (sandbox cache, imports, code paths)
        shift = max(rep, 0) % len(order)
        for name in order[shift:] + order[:shift]:  # rotate: no one always goes first
            wall, cpu = time.perf_counter(), time.process_time()
            await runners[name]()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if name != "raw":
                bench.verify(name)  # "json" too: the floor must be a complete export
            if rep >= 0:
                times[name].append((wall, cpu))
    return times


def report_throughput(
    args: argparse.Namespace, sb: SandboxProcess, pages: int, times: Times
) -> None:
    print(
        f"export throughput: {len(sb.user_ids)} users (seed {args.seed}), {sb.total:,} sessions, "
        f"{pages} pages of <= {PAGE_SIZE}; C={args.concurrency}, "
        f"{args.users_in_flight} users in flight; median of R={args.repeat} after a warm-up"
    )
    print(
        f"{'walk (client wall time; client CPU)':<40}{'sess/s':>10}{'median':>9}{'min':>9}"
        f"{'max':>9}{'CPU':>9}{'vs raw':>8}"
    )
    labels = {
        "raw": "raw    GET all pages, bytes only",
        "json": "json   raw + orjson to JSONL, no models",
    }
    labels.update({fmt: f"sdk    export_sessions {fmt.upper()}" for fmt in FORMATS})
    rate = {name: sb.total / statistics.median(w for w, _ in runs) for name, runs in times.items()}
    for name, runs in times.items():
        walls = [wall for wall, _ in runs]
        cpu = statistics.median(cpu for _, cpu in runs)
        print(
            f"{labels[name]:<40}{rate[name]:>10,.0f}{statistics.median(walls):>8.2f}s"
            f"{min(walls):>8.2f}s{max(walls):>8.2f}s{cpu:>8.2f}s{rate[name] / rate['raw']:>8.3f}"
        )
    if "jsonl" in rate:
        ratio = rate["jsonl"] / rate["raw"]
        mark = "PASS" if ratio >= TARGET_RAW else "MISS"
        print(f"{'ratio':<40}{'value':>10}  target")
        print(f"{'JSONL sessions/s vs raw':<40}{ratio:>10.3f}  >= {TARGET_RAW:<5} {mark}")
        print(f"{'JSONL sessions/s vs json floor':<40}{rate['jsonl'] / rate['json']:>10.3f}")


def memory_run(args: argparse.Namespace, total: int, workdir: Path) -> dict[str, float]:
    """One JSONL export of ``total`` sessions in a fresh process against a fresh sandbox."""
    users = args.memory_users
    output = workdir / f"memory-{total}.jsonl"
    # No cache: every session is served once, and the sandbox's memory is not ours anyway.
    with SandboxProcess(
        users=users, sessions_per_user=total // users, seed=args.seed, cache_size=0
    ) as sb:
        job = {
            "url": sb.url,
            "token": sb.token,
            "user_ids": sb.user_ids,
            "output": str(output),
            "format": "jsonl",
            "concurrency": args.concurrency,
            "users_in_flight": args.users_in_flight,
            "page_size": PAGE_SIZE,
        }
        proc = subprocess.run(
            [*python(), str(CHILD)], input=orjson.dumps(job), stdout=subprocess.PIPE, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"exporter process failed (exit {proc.returncode})")
        expected = sb.total
    result: dict[str, float] = orjson.loads(proc.stdout)
    if result["failures"]:
        raise RuntimeError(f"memory export failed for {result['failures']} users")
    check(f"{total:,} export result", int(result["sessions"]), expected)
    check(f"{total:,} export file", count_records(output, "jsonl"), expected)
    output.unlink()
    return result


def report_memory(args: argparse.Namespace, runs: dict[int, dict[str, float]]) -> None:
    mb = 1024 / 1e6  # ru_maxrss is in KiB; MB here are 10^6 bytes
    print(
        f"exporter memory: JSONL, {args.memory_users} users with equal counts, "
        f"C={args.concurrency}, {args.users_in_flight} users in flight; "
        "a fresh process per export, the sandbox in another"
    )
    print(
        f"{'sessions':>10}{'elapsed':>10}{'sess/s':>10}{'CPU':>9}{'requests':>10}"
        f"{'peak RSS':>11}{'after imports':>15}{'ru_maxrss*':>13}"
    )
    for total, r in runs.items():
        print(
            f"{total:>10,}{r['elapsed']:>9.1f}s{total / r['elapsed']:>10,.0f}{r['cpu']:>8.1f}s"
            f"{int(r['requests']):>10,}{r['peak_rss_kib'] * mb:>8.1f} MB"
            f"{r['rss_imports_kib'] * mb:>12.1f} MB{r['maxrss_kib'] * mb:>10.1f} MB"
        )
    print(
        "* ru_maxrss at the end, for reference only: Linux carries the parent's peak across\n"
        "  fork+exec, so it is max(this benchmark's RSS at spawn, the child's); peak RSS is\n"
        "  the child's own high water mark (VmHWM)."
    )
    peaks = {total: r["peak_rss_kib"] * mb for total, r in runs.items()}
    smallest, largest = min(peaks), max(peaks)
    worst = max(peaks.values())
    rows = [(f"peak RSS, worst of {len(peaks)}", f"{worst:.1f} MB", f"< {TARGET_PEAK_MB:g} MB")]
    ok = [worst < TARGET_PEAK_MB]
    if largest != smallest:
        growth = peaks[largest] - peaks[smallest]
        label = f"flat: peak({largest:,}) - peak({smallest:,})"
        rows.append((label, f"{growth:+.1f} MB", f"<= +{TARGET_FLAT_MB:g} MB"))
        ok.append(growth <= TARGET_FLAT_MB)
    print(f"{'check':<40}{'value':>10}  target")
    for (label, value, target), passed in zip(rows, ok, strict=True):
        print(f"{label:<40}{value:>10}  {target:<10} {'PASS' if passed else 'MISS'}")


_PEAK = re.compile(r"^info: (export|worker \d+): peak RSS ([\d.]+) MB$", re.M)


def workers_run(
    args: argparse.Namespace, sb: ServerProcess, workers: int, users: Path, workdir: Path
) -> tuple[float, list[float]]:
    """One CLI export with ``workers`` processes: (wall seconds, each process's peak RSS MB)."""
    output = workdir / "workers.jsonl"
    argv = [*python(), "-m", "cariqa_async", "export", "--users-file", str(users)]
    argv += ["--output", str(output), "--overwrite", "--base-url", sb.base_url, "-v"]
    argv += ["--workers", str(workers), "--concurrency", str(args.workers_concurrency)]
    argv += ["--users-in-flight", str(args.workers_concurrency), "--page-size", str(PAGE_SIZE)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARIQA_")}
    env["CARIQA_TOKEN"] = "bench-token"  # by the environment, as the CLI wants it
    wall = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - wall
    if proc.returncode != 0:
        raise RuntimeError(f"--workers {workers} export failed (exit {proc.returncode}):\n"
                           f"{proc.stderr[-2000:]}")  # fmt: skip
    check(f"--workers {workers} file", count_records(output, "jsonl"), sb.total)
    output.unlink()
    peaks = [float(mb) for _, mb in _PEAK.findall(proc.stderr)]
    if len(peaks) != (1 if workers == 1 else workers):
        raise RuntimeError(f"--workers {workers}: no peak RSS lines in:\n{proc.stderr[-2000:]}")
    return wall, peaks


def measure_workers(args: argparse.Namespace, workdir: Path) -> None:
    with ServerProcess(
        users=args.workers_users, pages=10, page_size=PAGE_SIZE, latency=args.latency
    ) as sb:
        users = workdir / "users.txt"
        users.write_text("\n".join(sb.user_ids) + "\n", encoding="utf-8")
        walls: dict[int, list[float]] = {w: [] for w in args.workers}
        peaks: dict[int, list[float]] = {w: [] for w in args.workers}
        order = list(args.workers)
        for rep in range(-1, args.repeat):  # -1: the warm-up
            shift = max(rep, 0) % len(order)
            for workers in order[shift:] + order[:shift]:
                wall, peak = workers_run(args, sb, workers, users, workdir)
                if rep >= 0:
                    walls[workers].append(wall)
                    peaks[workers].append(max(peak))
    print(
        f"export --workers: {len(sb.user_ids)} users, {sb.total:,} sessions, pages of "
        f"{PAGE_SIZE}, {args.latency * 1000:g} ms latency; --concurrency "
        f"{args.workers_concurrency} in total (--users-in-flight the same); {os.cpu_count()} "
        f"cores shared with the server; the CLI's wall time, median of R={args.repeat} after "
        "a warm-up"
    )
    print(f"{'workers':>8}{'sess/s':>10}{'median':>9}{'min':>9}{'max':>9}{'speed-up':>10}"
          f"{'peak RSS per worker (worst)':>30}")  # fmt: skip
    base = statistics.median(walls[order[0]])
    for workers in order:
        median = statistics.median(walls[workers])
        print(
            f"{workers:>8}{sb.total / median:>10,.0f}{median:>8.2f}s{min(walls[workers]):>8.2f}s"
            f"{max(walls[workers]):>8.2f}s{base / median:>9.2f}x{max(peaks[workers]):>27.1f} MB"
        )
    if len(order) > 1:
        # "Flat": a worker needs no more memory when there are more of them.
        first, most = order[0], max(order)
        growth = max(peaks[most]) - max(peaks[first])
        mark = "PASS" if growth <= TARGET_FLAT_MB else "MISS"
        print(f"{'check':<40}{'value':>10}  target")
        print(f"{'speed-up, W=' + str(most) + ' vs W=' + str(first):<40}"
              f"{base / statistics.median(walls[most]):>9.2f}x  reported")  # fmt: skip
        print(f"{'flat: peak per worker, W=' + str(most) + ' - W=' + str(first):<40}"
              f"{growth:>+7.1f} MB  <= +{TARGET_FLAT_MB:g} MB {mark}")  # fmt: skip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300, help="throughput: users (300)")
    parser.add_argument("--seed", type=int, default=1, help="sandbox data set seed (1)")
    parser.add_argument("--repeat", type=int, default=7, help="throughput: measured rounds (7)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (16)")
    parser.add_argument("--users-in-flight", type=int, default=8, help="exporter's (8)")
    parser.add_argument(
        "--formats", default=",".join(FORMATS), help="throughput: formats (jsonl,csv,parquet)"
    )
    parser.add_argument("--memory-users", type=int, default=100, help="memory: users (100)")
    parser.add_argument("--skip-million", action="store_true", help="memory: no 10^6 export")
    parser.add_argument("--skip-throughput", action="store_true", help="memory part only")
    parser.add_argument("--skip-memory", action="store_true", help="throughput part only")
    parser.add_argument(
        "--workers", default=None, help="workers part: the CLI with these --workers (e.g. 1,2)"
    )
    parser.add_argument("--workers-users", type=int, default=200, help="workers: users (200)")
    parser.add_argument(
        "--workers-concurrency", type=int, default=64, help="workers: --concurrency (64)"
    )
    parser.add_argument("--latency", type=float, default=0.05, help="workers: seconds (0.05)")
    args = parser.parse_args(argv)
    if args.workers is not None:
        try:
            args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
        except ValueError:
            parser.error("--workers: numbers, e.g. 1,2")
        if not args.workers or min(args.workers) < 1:
            parser.error("--workers: numbers of at least 1, e.g. 1,2")
    args.formats = [f.strip().lower() for f in args.formats.split(",") if f.strip()]
    if any(f not in FORMATS for f in args.formats):
        parser.error(f"--formats: choose from {','.join(FORMATS)}")
    if min(args.users, args.repeat, args.concurrency, args.users_in_flight) < 1:
        parser.error("--users, --repeat, --concurrency and --users-in-flight must be >= 1")
    if not 1 <= args.memory_users <= 10_000 or 10_000 % args.memory_users:
        parser.error("--memory-users must divide 10,000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="cariqa-bench-export-"))
    try:
        if not args.skip_throughput:
            # The whole data set fits the sandbox's cache: after the warm-up it only
            # renders pages, and every walk meets the same warm server.
            with SandboxProcess(
                users=args.users, sessions_per_user=None, seed=args.seed, cache_size=10**6
            ) as sb:
                bench = Throughput(sb, workdir, args.concurrency, args.users_in_flight)
                times = asyncio.run(measure(bench, args.formats, args.repeat))
            report_throughput(args, sb, len(bench.pages), times)
        if not args.skip_memory:
            if not args.skip_throughput:
                print()
            sizes = [10**4, 10**5] + ([] if args.skip_million else [10**6])
            runs = {total: memory_run(args, total, workdir) for total in sizes}
            report_memory(args, runs)
        if args.workers is not None:
            if not (args.skip_throughput and args.skip_memory):
                print()
            measure_workers(args, workdir)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
