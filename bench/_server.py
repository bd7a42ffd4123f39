"""A latency-injecting DRF page server for ``fanout.py`` and ``export.py --workers``.

Child: ``python bench/_server.py --pages P --page-size S --latency L [--users U]``
binds 127.0.0.1 on a free port, prints the port on stdout, and serves
``GET /api/v1/users/{id}/charging-sessions/`` for ``USER_ID`` (or, with
``--users U``, for the U users :func:`user_ids` names, each with the same pages)
with Django REST Framework's
page-number semantics (``count``/``next``/``previous``/``results``; ``page`` and
``page_size`` capped at 100; ``404 {"detail": "Invalid page."}`` past the end),
sleeping ``L`` seconds per request. Page results are rendered once at start, so
the server's CPU is not what is measured. It exits on SIGTERM or when its stdin
closes (the parent died).

Parent: :class:`ServerProcess` starts the child in its own session (Ctrl-C reaches
only the parent, whose ``finally`` stops the child).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
from pathlib import Path
from typing import Final

import orjson
from _child import ChildProcess, lifeline
from _records import session_records
from aiohttp import web

USER_ID: Final = "0b5a3f8e-6a5e-4d0c-9d5e-1f3c2b7a9e10"
MAX_PAGE_SIZE: Final = 100
DEFAULT_PAGE_SIZE: Final = 10
_INVALID_PAGE: Final = orjson.dumps({"detail": "Invalid page."})
_NOT_FOUND: Final = orjson.dumps({"detail": "Not found."})
_NO_AUTH: Final = orjson.dumps({"detail": "Authentication credentials were not provided."})


def user_ids(users: int) -> list[str]:
    """The ids served: ``USER_ID`` alone, or ``users`` numbered ones."""
    return [f"bench-user-{i:05d}" for i in range(users)] if users else [USER_ID]


class _Pages:
    """Results of each (page_size, page) serialized once; the envelope per request."""

    def __init__(self, total: int, page_size: int, seed: int) -> None:
        self.records = [orjson.Fragment(orjson.dumps(r)) for r in session_records(total, seed)]
        self._rendered: dict[tuple[int, int], orjson.Fragment] = {}
        for number in range(1, -(-total // page_size) + 1):
            self.results(page_size, number)

    def results(self, size: int, number: int) -> orjson.Fragment:
        key = (size, number)
        rendered = self._rendered.get(key)
        if rendered is None:
            rows = self.records[(number - 1) * size : number * size]
            rendered = self._rendered[key] = orjson.Fragment(orjson.dumps(rows))
        return rendered


def _page_size(raw: str | None) -> int:
    # DRF's _positive_int(strict=True, cutoff=max_page_size); invalid -> the default.
    try:
        size = int(raw) if raw is not None else 0
    except ValueError:
        size = 0
    return min(size, MAX_PAGE_SIZE) if size > 0 else DEFAULT_PAGE_SIZE


def make_app(pages: _Pages, latency: float, users: frozenset[str]) -> web.Application:
    total = len(pages.records)

    async def charging_sessions(request: web.Request) -> web.Response:
        await asyncio.sleep(latency)
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return web.Response(status=401, body=_NO_AUTH, content_type="application/json")
        if request.match_info["user_id"] not in users:
            return web.Response(status=404, body=_NOT_FOUND, content_type="application/json")
        size = _page_size(request.query.get("page_size"))
        last = max(1, -(-total // size))
        raw = request.query.get("page") or "1"
        try:
            number = last if raw == "last" else int(raw)
        except ValueError:
            number = 0
        if not 1 <= number <= last:
            return web.Response(status=404, body=_INVALID_PAGE, content_type="application/json")
        url = request.url
        query = dict(sorted(url.query.items()))  # DRF's replace_query_param sorts
        nxt = url.with_query({**query, "page": number + 1}) if number < last else None
        prev = None
        if number == 2:  # DRF drops `page` from the link to page 1
            prev = url.with_query({k: v for k, v in query.items() if k != "page"})
        elif number > 2:
            prev = url.with_query({**query, "page": number - 1})
        body = orjson.dumps(
            {
                "count": total,
                "next": None if nxt is None else str(nxt),
                "previous": None if prev is None else str(prev),
                "results": pages.results(size, number),
            }
        )
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/api/v1/users/{user_id}/charging-sessions/", charging_sessions)
    return app


async def _serve(args: argparse.Namespace) -> None:
    pages = _Pages(args.pages * args.page_size, args.page_size, args.seed)
    users = frozenset(user_ids(args.users))
    runner = web.AppRunner(make_app(pages, args.latency, users), access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock, backlog=1024).start()
    stop = lifeline()
    print(sock.getsockname()[1], flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


class ServerProcess(ChildProcess):
    """The page server in a child process; a context manager that always stops it.

    ``users``: 0 serves ``USER_ID`` alone; more serves that many (``user_ids``),
    each with the same ``pages`` pages of ``page_size`` sessions (``total`` in all).
    """

    def __init__(
        self, *, pages: int, page_size: int, latency: float, users: int = 0, seed: int = 2026
    ) -> None:
        argv = [sys.executable, str(Path(__file__).resolve()), "--pages", str(pages)]
        argv += ["--page-size", str(page_size), "--latency", str(latency), "--seed", str(seed)]
        argv += ["--users", str(users)]
        super().__init__(argv, "page server")
        self.base_url = f"http://127.0.0.1:{int(self.announcement)}"
        self.user_ids = user_ids(users)
        self.total = pages * page_size * len(self.user_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--users", type=int, default=0, help="0: USER_ID alone")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
