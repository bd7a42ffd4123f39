"""A light, high-latency server of many users' sessions, for ``export.py --workers``.

Child: ``python bench/_users_server.py --users U --pages P --latency L`` serves
``GET /api/v1/users/{id}/charging-sessions/`` for U users (``bench-user-00000``...),
each with the same P pages of 100 sessions, rendered once at start (so the
server costs little CPU: the client is what is measured), answering every
request after ``L`` seconds, DRF page-number style. Once it accepts
connections it prints one JSON line: ``url``, ``user_ids``, ``sessions_per_user``.
It exits on SIGTERM or when its stdin closes (the parent died).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
from pathlib import Path

import orjson
from _child import ChildProcess, lifeline
from _server import _INVALID_PAGE, _NO_AUTH, _NOT_FOUND, _page_size, _Pages
from aiohttp import web

PAGE_SIZE = 100


def make_app(users: frozenset[str], pages: _Pages, latency: float) -> web.Application:
    total = len(pages.records)

    async def charging_sessions(request: web.Request) -> web.Response:
        await asyncio.sleep(latency)
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return web.Response(status=401, body=_NO_AUTH, content_type="application/json")
        if request.match_info["user_id"] not in users:
            return web.Response(status=404, body=_NOT_FOUND, content_type="application/json")
        size = _page_size(request.query.get("page_size"))
        last = max(1, -(-total // size))
        try:
            number = int(request.query.get("page") or "1")
        except ValueError:
            number = 0
        if not 1 <= number <= last:
            return web.Response(status=404, body=_INVALID_PAGE, content_type="application/json")
        url = request.url
        query = dict(sorted(url.query.items()))
        nxt = str(url.with_query({**query, "page": number + 1})) if number < last else None
        prev = str(url.with_query({**query, "page": number - 1})) if number > 1 else None
        body = orjson.dumps(
            {"count": total, "next": nxt, "previous": prev, "results": pages.results(size, number)}
        )
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/api/v1/users/{user_id}/charging-sessions/", charging_sessions)
    return app


async def _serve(args: argparse.Namespace) -> None:
    user_ids = [f"bench-user-{i:05d}" for i in range(args.users)]
    pages = _Pages(args.pages * PAGE_SIZE, PAGE_SIZE, args.seed)
    runner = web.AppRunner(make_app(frozenset(user_ids), pages, args.latency), access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock, backlog=1024).start()
    stop = lifeline()
    info = {
        "url": f"http://127.0.0.1:{sock.getsockname()[1]}",
        "user_ids": user_ids,
        "sessions_per_user": len(pages.records),
    }
    sys.stdout.buffer.write(orjson.dumps(info) + b"\n")
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


class UsersServerProcess(ChildProcess):
    """The server in a child process; a context manager that always stops it."""

    def __init__(self, *, users: int, pages: int, latency: float, seed: int = 2026) -> None:
        argv = [sys.executable, str(Path(__file__).resolve()), "--users", str(users)]
        argv += ["--pages", str(pages), "--latency", str(latency), "--seed", str(seed)]
        super().__init__(argv, "users server")
        info = orjson.loads(self.announcement)
        self.url: str = info["url"]
        self.user_ids: list[str] = info["user_ids"]
        self.total: int = info["sessions_per_user"] * len(self.user_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=2026)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
