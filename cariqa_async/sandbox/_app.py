"""The aiohttp application: routes, and the middleware that makes it behave like Cariqa.

For every request under ``/api/`` the middleware, in order: counts it in flight,
waits at the gate if a test holds it, applies latency, picks a fault, and then
answers like Django + DRF would: an unknown path gets Django's HTML 404 (or a
301 to the same path with a trailing slash, ``APPEND_SLASH``), authentication
comes before method checks (401 without a usable ``Authorization: Bearer``
header, 403 for an unknown token), a wrong method gets DRF's JSON 405. Every
answer carries an ``X-Request-ID`` (the API documents none, but a proxy in front
of it may add one), so that the client's handling of it is tested.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from ._control_routes import CONTROL_PREFIX, CONTROL_ROUTES
from ._faults import outcome_name, respond
from ._http import Answer, Route, detail
from ._state import STATE, SandboxState
from .resources import ROUTES

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX: Final = "/api/"

# Django's default 404 page (DEBUG off), as the real backend answers unknown paths.
_DJANGO_404: Final = """
<!doctype html>
<html lang="en">
<head>
  <title>Not Found</title>
</head>
<body>
  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>
</body>
</html>
"""
_WWW_AUTHENTICATE: Final = 'Bearer realm="api"'
REQUEST_ID_HEADER: Final = "X-Request-ID"


def _django_404() -> web.Response:
    return web.Response(status=404, text=_DJANGO_404, content_type="text/html")


def _authenticate(request: web.Request, state: SandboxState) -> web.Response | None:
    """Return the error response for a request that is not authenticated, else ``None``."""
    parts = request.headers.get("Authorization", "").split()
    if len(parts) != 2 or parts[0] != "Bearer":
        response = detail(401, "Authentication credentials were not provided.")
        response.headers["WWW-Authenticate"] = _WWW_AUTHENTICATE
        return response
    if parts[1] not in state.tokens:
        return detail(403, "Given token not valid for any token type")
    return None


async def _slash_redirect(request: web.Request) -> web.Response | None:
    """Django's ``APPEND_SLASH``: 301 to ``path/`` (query kept) when only that path exists."""
    if request.path.endswith("/"):
        return None
    url = request.rel_url
    match = await request.app.router.resolve(request.clone(rel_url=url.with_path(url.path + "/")))
    if isinstance(match.http_exception, web.HTTPNotFound):
        return None
    location = url.raw_path + "/"
    if url.raw_query_string:
        location += "?" + url.raw_query_string
    return web.Response(status=301, headers={"Location": location}, content_type="text/html")


async def _answer(
    request: web.Request, handler: Handler, state: SandboxState
) -> web.StreamResponse:
    """Answer an API request the way Django and DRF would."""
    error = request.match_info.http_exception
    if isinstance(error, web.HTTPNotFound):
        return await _slash_redirect(request) or _django_404()
    unauthenticated = _authenticate(request, state)
    if unauthenticated is not None:
        return unauthenticated
    if isinstance(error, web.HTTPMethodNotAllowed):
        response = detail(405, f'Method "{request.method}" not allowed.')
        response.headers["Allow"] = ", ".join(sorted(error.allowed_methods))
        return response
    return await _handle(request, handler)


async def _handle(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Answer as answer:
        return answer.response


@web.middleware
async def _middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(API_PREFIX):
        error = request.match_info.http_exception
        if error is None:
            return await _handle(request, handler)
        if request.path.startswith(CONTROL_PREFIX):
            return detail(error.status, "Not found." if error.status == 404 else error.reason)
        return _django_404()

    state = request.app[STATE]
    state.counters.enter()
    request_id = _new_request_id()

    async def answer() -> web.StreamResponse:
        return _identified(await _answer(request, handler, state), request_id)

    try:
        if state.gate.held:
            await state.gate.wait()
        kind, delay = state.faults.decide(request.path)
        if delay > 0:
            await asyncio.sleep(delay)
        if kind is None:
            return await answer()
        state.counters.fault(outcome_name(kind))
        return _identified(await respond(kind, request, state.faults.config, answer), request_id)
    finally:
        state.counters.leave()


def _new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


def _identified(response: web.StreamResponse, request_id: str) -> web.StreamResponse:
    """Give an API response its ``X-Request-ID``.

    A response already on the wire (a fault that trickles or cuts the body) got it
    from the answer it was copied from, or goes without.
    """
    if not response.prepared:
        response.headers.setdefault(REQUEST_ID_HEADER, request_id)
    return response


def _counted(route: Route, state: SandboxState) -> Handler:
    """The route's handler, counting each run in ``stats.executed[operationId]``."""
    operation_id = route.operation_id
    if operation_id is None:
        return route.handler
    handler = route.handler

    async def run(request: web.Request) -> web.StreamResponse:
        state.counters.executed(operation_id)
        return await handler(request)

    return run


def create_app(state: SandboxState) -> web.Application:
    """Return the sandbox's aiohttp application serving ``state``.

    Example:
        >>> from cariqa_async.sandbox import Sandbox
        >>> app = create_app(Sandbox(users=3).state)  # doctest: +SKIP
    """
    app = web.Application(middlewares=[_middleware])
    app[STATE] = state
    for route in (*ROUTES, *CONTROL_ROUTES):
        handler = _counted(route, state)
        if route.method == "GET":
            app.router.add_get(route.path, handler)
        else:
            app.router.add_route(route.method, route.path, handler)
    return app
