"""One export in a fresh process, for the memory part of ``export.py``.

``python bench/_export_child.py`` reads a JSON job from stdin (``url``, ``token``,
``user_ids``, ``output``, ``format``, ``concurrency``, ``users_in_flight``,
``page_size``), records its peak RSS once everything is imported, runs
``export_sessions`` and prints one JSON line: the peak RSS after imports and at
the end (KiB; ``VmHWM`` on Linux, see :func:`peak_rss_kib`), ``ru_maxrss`` at the
end, and what the export reported.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time
from typing import Any

import orjson

from cariqa_async import CariqaClient
from cariqa_async.export import export_sessions


def maxrss_kib() -> int:
    """``ru_maxrss`` in KiB: on Linux it also counts the parent's peak at spawn time."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes there, KiB on Linux


def peak_rss_kib() -> int:
    """This process's own peak RSS in KiB: ``VmHWM`` where /proc has it, else ``ru_maxrss``.

    Linux keeps ``ru_maxrss`` across ``exec``, so a child of a large parent (this
    benchmark, after its throughput part) starts with the parent's peak; the high
    water mark of the process's own address space (``VmHWM``) does not.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return maxrss_kib()


async def run(job: dict[str, Any]) -> dict[str, Any]:
    async with CariqaClient(
        job["token"], base_url=job["url"], concurrency=job["concurrency"]
    ) as client:
        result = await export_sessions(
            client,
            job["user_ids"],
            job["output"],
            format=job["format"],
            overwrite=True,
            users_in_flight=job["users_in_flight"],
            page_size=job["page_size"],
        )
        max_in_flight = client.stats.max_in_flight
    return {
        "sessions": result.sessions,
        "users_done": result.users_done,
        "failures": len(result.failures),
        "elapsed": result.elapsed,
        "requests": result.requests,
        "retries": result.retries,
        "max_in_flight": max_in_flight,
    }


def main() -> None:
    job = orjson.loads(sys.stdin.buffer.read())
    after_imports = peak_rss_kib()
    cpu = time.process_time()
    report = asyncio.run(run(job))
    report["cpu"] = time.process_time() - cpu
    report["rss_imports_kib"] = after_imports
    report["peak_rss_kib"] = peak_rss_kib()
    report["maxrss_kib"] = maxrss_kib()
    sys.stdout.buffer.write(orjson.dumps(report) + b"\n")


if __name__ == "__main__":
    main()
