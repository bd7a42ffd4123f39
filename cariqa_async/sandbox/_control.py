"""Control endpoints under ``/_sandbox/``: stats, faults, the gate, session mutation.

They let code outside the sandbox's Python process (another language's test
suite, a shell with curl) drive it like the Python API does. They are never
faulted, never delayed and not counted as API requests. Errors answer
``400``/``404`` with ``{"detail": ...}``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Final

import orjson
from aiohttp import web

from ._api import detail, json_response
from ._faults import FaultConfig
from ._state import STATE, SandboxState
from ._store import UnknownSessionsError

__all__ = ["CONTROL_PREFIX", "CONTROL_ROUTES"]

CONTROL_PREFIX: Final = "/_sandbox"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _BadRequest(Exception):
    pass


class _UnknownUser(Exception):
    pass


def _ok(body: Any, status: int = 200) -> web.Response:
    return json_response(orjson.dumps(body), status)


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw:
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _BadRequest(f"invalid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise _BadRequest("the body must be a JSON object")
    return body


def _opt_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise _BadRequest(f"{name} must be an integer")
    return value


def _int(body: dict[str, Any], name: str, default: int) -> int:
    value = _opt_int(body, name)
    return default if value is None else value


def _handler(fn: Callable[[web.Request, SandboxState], Awaitable[web.StreamResponse]]) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            return await fn(request, request.app[STATE])
        except _UnknownUser:
            return detail(404, "Not found.")
        except (_BadRequest, ValueError, TypeError, IndexError) as exc:
            # Invalid settings or positions from the store and fault config, too.
            return detail(400, str(exc))

    return handle


def _user(request: web.Request, state: SandboxState) -> int:
    user = state.store.user_index(request.match_info["user_id"])
    if user is None:
        raise _UnknownUser
    return user


async def info(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``GET /_sandbox/``: the data set's shape."""
    return _ok(
        {
            "seed": state.store.seed,
            "users": state.store.user_count,
            "sessions": state.store.total_sessions(),
            "page_size": state.page_size,
            "max_page_size": state.max_page_size,
        }
    )


async def get_stats(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``GET /_sandbox/stats``."""
    return _ok(state.counters.snapshot().to_json())


async def reset_stats(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``POST /_sandbox/stats/reset``: zero the counters, answer the fresh ones."""
    state.counters.reset()
    return _ok(state.counters.snapshot().to_json())


def _faults_json(state: SandboxState) -> dict[str, Any]:
    return {**state.faults.config.to_json(), "scheduled": state.faults.scheduled}


async def get_faults(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``GET /_sandbox/faults``: the configuration and the pending scheduled outcomes."""
    return _ok(_faults_json(state))


_FAULT_FIELDS: Final = frozenset(
    ("latency", "jitter", "fault_rate", "fault_kinds", "faults", "retry_after", "stall_time")
)


async def patch_faults(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``PATCH /_sandbox/faults``: change some settings, as ``Sandbox.set_faults`` does."""
    body = await _body(request)
    unknown = set(body) - _FAULT_FIELDS
    if unknown:
        raise _BadRequest(f"unknown fault settings: {sorted(unknown)}")
    for name in ("latency", "jitter", "fault_rate", "stall_time"):
        if body.get(name) is not None and not isinstance(body[name], (int, float)):
            raise _BadRequest(f"{name} must be a number")
    _opt_int(body, "retry_after")
    state.faults.update(lambda config: config.updated(**body))
    return _ok(_faults_json(state))


async def clear_faults(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``DELETE /_sandbox/faults``: no latency, no faults, no schedule."""
    state.faults.update(lambda _: FaultConfig())
    state.faults.clear_schedule()
    return _ok(_faults_json(state))


async def schedule_faults(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``POST /_sandbox/faults/schedule``: ``{"outcomes": [...], "path"|"path_regex": ...}``."""
    body = await _body(request)
    outcomes = body.get("outcomes")
    if not isinstance(outcomes, list):
        raise _BadRequest("outcomes must be a list of fault kinds or nulls")
    path, regex = body.get("path"), body.get("path_regex")
    if path is not None and regex is not None:
        raise _BadRequest("give path or path_regex, not both")
    try:
        matcher = re.compile(regex) if isinstance(regex, str) else path
    except re.error as exc:
        raise _BadRequest(f"invalid path_regex: {exc}") from None
    if matcher is not None and not isinstance(matcher, (str, re.Pattern)):
        raise _BadRequest("path and path_regex must be strings")
    state.faults.schedule(outcomes, matcher)
    return _ok(_faults_json(state))


async def clear_schedule(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``DELETE /_sandbox/faults/schedule``: drop pending scheduled outcomes."""
    state.faults.clear_schedule()
    return _ok(_faults_json(state))


async def hold(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``POST /_sandbox/hold``: make API requests wait until released."""
    state.gate.hold()
    return _ok({"held": True})


async def release(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``POST /_sandbox/release``: let held and later API requests through."""
    state.gate.release()
    return _ok({"held": False})


async def list_session_ids(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``GET /_sandbox/users/{user_id}/sessions``: the user's session ids, newest first."""
    return _ok({"ids": state.store.session_ids(_user(request, state))})


async def insert_sessions(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``POST /_sandbox/users/{user_id}/sessions``: ``{"count": 1, "at": 0}`` -> new ids."""
    user = _user(request, state)
    body = await _body(request)
    count, at = _int(body, "count", 1), _int(body, "at", 0)
    return _ok({"ids": state.store.insert_sessions(user, count, at)}, 201)


async def delete_sessions(request: web.Request, state: SandboxState) -> web.StreamResponse:
    """``DELETE /_sandbox/users/{user_id}/sessions``: ``{"ids": [...]}`` or ``{"at", "count"}``."""
    user = _user(request, state)
    body = await _body(request)
    ids = body.get("ids")
    if ids is not None:
        if "at" in body or not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise _BadRequest("ids must be a list of session ids (and not combined with at)")
        try:
            deleted = state.store.delete_sessions(user, ids)
        except UnknownSessionsError as exc:
            return _ok({"detail": "Unknown session ids.", "ids": exc.ids}, 404)
    else:
        at, count = _opt_int(body, "at"), _int(body, "count", 1)
        if at is None:
            raise _BadRequest("give ids, or at (and count)")
        deleted = state.store.delete_sessions_at(user, at, count)
    return _ok({"deleted": deleted})


#: (method, path, handler) of every control endpoint.
CONTROL_ROUTES: Final[tuple[tuple[str, str, Handler], ...]] = tuple(
    (method, CONTROL_PREFIX + path, _handler(fn))
    for method, path, fn in (
        ("GET", "/", info),
        ("GET", "/stats", get_stats),
        ("POST", "/stats/reset", reset_stats),
        ("GET", "/faults", get_faults),
        ("PATCH", "/faults", patch_faults),
        ("DELETE", "/faults", clear_faults),
        ("POST", "/faults/schedule", schedule_faults),
        ("DELETE", "/faults/schedule", clear_schedule),
        ("POST", "/hold", hold),
        ("POST", "/release", release),
        ("GET", "/users/{user_id}/sessions", list_session_ids),
        ("POST", "/users/{user_id}/sessions", insert_sessions),
        ("DELETE", "/users/{user_id}/sessions", delete_sessions),
    )
)
