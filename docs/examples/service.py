"""A web service that shares one CariqaClient across every request.

``GET /users/{user_id}/energy`` answers a user's total charged energy. The
client is opened when the app starts and closed when it stops (aiohttp's
``cleanup_ctx``), so every request reuses its connection pool and shares its
cap on requests in flight::

    CARIQA_TOKEN=... python docs/examples/service.py   # serves on :8000
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

from aiohttp import web

from cariqa_async import CariqaClient, ClientClosedError, NotFoundError, TransportError

CLIENT = web.AppKey("cariqa_client", CariqaClient)


async def cariqa_client(app: web.Application) -> AsyncIterator[None]:
    """Open the one client at start-up; close it at shutdown, after the requests."""
    # Token and URL from $CARIQA_TOKEN / $CARIQA_BASE_URL. A missing token fails
    # here, at start-up, not at the first request.
    client = await CariqaClient(concurrency=16).open()
    app[CLIENT] = client
    try:
        yield
    finally:
        await client.aclose()


async def energy(request: web.Request) -> web.Response:
    """A user's total charged energy, in kWh."""
    client = request.app[CLIENT]
    user_id = request.match_info["user_id"]
    total = Decimal(0)
    try:
        async for session in client.charging_sessions.iter(user_id):
            total += session.consumed_energy or 0
    except NotFoundError:
        raise web.HTTPNotFound(text=f"no user {user_id}") from None
    except (TransportError, ClientClosedError):
        # The API is unreachable (after the retries) or the app is shutting down.
        raise web.HTTPServiceUnavailable(text="try again later") from None
    return web.json_response({"user_id": user_id, "kwh": str(total)})


def make_app() -> web.Application:
    """The application: one route, one shared client."""
    app = web.Application()
    app.cleanup_ctx.append(cariqa_client)
    app.router.add_get("/users/{user_id}/energy", energy)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), port=8000)
