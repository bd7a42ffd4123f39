"""The HTTP face of the controls: routes under ``/_sandbox/`` that call :class:`SandboxControls`.

They let code outside the sandbox's Python process (another language's test
suite, a shell with curl) drive it like the Python API does; each route only
reads its JSON, calls the one implementation in :mod:`._controls` and answers
with JSON. They are never faulted, never delayed and not counted as API
requests. Errors answer ``400``/``404`` with ``{"detail": ...}``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Final

import orjson
from aiohttp import web

from ._controls import SandboxControls
from ._faults import PathMatcher
from ._http import Handler, Route, detail, json_response, read_object
from ._state import STATE
from .resources import charging_sessions

__all__ = ["CONTROL_PREFIX", "CONTROL_ROUTES"]

CONTROL_PREFIX: Final = "/_sandbox"

Control = Callable[[web.Request, SandboxControls], Awaitable[web.StreamResponse]]


def _ok(body: Any, status: int = 200) -> web.Response:
    return json_response(orjson.dumps(body), status)


def _opt_int(body: dict[str, Any], name: str) -> int | None:
    """The integer ``body[name]`` or ``None``; JSON's ``true`` is no integer, Python's is."""
    value = body.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(f"{name} must be an integer")
    return value


def _int(body: dict[str, Any], name: str, default: int) -> int:
    value = _opt_int(body, name)
    return default if value is None else value


def _handler(control: Control) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            return await control(request, SandboxControls(request.app[STATE]))
        except charging_sessions.UnknownSessionsError as exc:
            return _ok({"detail": "Unknown session ids.", "ids": exc.ids}, 404)
        except KeyError:
            return detail(404, "Not found.")  # no such user or EVSE
        except (ValueError, TypeError, IndexError) as exc:
            # What the controls refuse: bad settings, positions, counts and types.
            return detail(400, str(exc))

    return handle


def _faults(controls: SandboxControls) -> web.Response:
    scheduled = controls.state.faults.scheduled
    return _ok({**controls.faults.to_json(), "scheduled": scheduled})


async def info(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``GET /_sandbox/``: the data set's shape."""
    state = controls.state
    return _ok(
        {
            "seed": controls.seed,
            "users": len(controls.user_ids),
            "sessions": charging_sessions.total(state.store),
            "page_size": state.page_size,
            "max_page_size": state.max_page_size,
        }
    )


async def get_stats(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``GET /_sandbox/stats``."""
    return _ok(controls.stats.to_json())


async def reset_stats(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``POST /_sandbox/stats/reset``: zero the counters, answer the fresh ones."""
    controls.reset_stats()
    return _ok(controls.stats.to_json())


async def get_faults(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``GET /_sandbox/faults``: the configuration and the pending scheduled outcomes."""
    return _faults(controls)


async def patch_faults(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``PATCH /_sandbox/faults``: change some settings, as ``set_faults`` does."""
    controls.set_faults(**await read_object(request))
    return _faults(controls)


async def clear_faults(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``DELETE /_sandbox/faults``: no latency, no faults, no schedule."""
    controls.clear_faults()
    return _faults(controls)


async def schedule_faults(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``POST /_sandbox/faults/schedule``: ``{"outcomes": [...], "path"|"path_regex": ...}``."""
    body = await read_object(request)
    outcomes = body.get("outcomes")
    if not isinstance(outcomes, list):
        raise TypeError("outcomes must be a list of fault kinds or nulls")
    controls.schedule_faults(outcomes, path=_path_matcher(body))
    return _faults(controls)


async def clear_schedule(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``DELETE /_sandbox/faults/schedule``: drop pending scheduled outcomes."""
    controls.state.faults.clear_schedule()
    return _faults(controls)


async def hold(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``POST /_sandbox/hold``: make API requests wait until released."""
    controls.hold()
    return _ok({"held": True})


async def release(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``POST /_sandbox/release``: let held and later API requests through."""
    # On the server's loop already, which is where the gate must be opened.
    controls.state.gate.release()
    return _ok({"held": False})


async def list_session_ids(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``GET /_sandbox/users/{user_id}/sessions``: the user's session ids, newest first."""
    return _ok({"ids": controls.session_ids(request.match_info["user_id"])})


async def insert_sessions(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``POST /_sandbox/users/{user_id}/sessions``: ``{"count": 1, "at": 0}`` -> new ids."""
    user_id = request.match_info["user_id"]
    body = await read_object(request)
    count, at = _int(body, "count", 1), _int(body, "at", 0)
    return _ok({"ids": controls.insert_sessions(user_id, count, at=at)}, 201)


async def delete_sessions(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``DELETE /_sandbox/users/{user_id}/sessions``: ``{"ids": [...]}`` or ``{"at", "count"}``."""
    user_id = request.match_info["user_id"]
    body = await read_object(request)
    ids = body.get("ids")
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)):
        raise TypeError("ids must be a list of session ids")
    at, count = _opt_int(body, "at"), _int(body, "count", 1)
    deleted = controls.delete_sessions(user_id, ids, at=at, count=count)
    return _ok({"deleted": deleted})


def _evse(controls: SandboxControls, evse_id: str) -> web.Response:
    return _ok({"evse_id": evse_id, "status": controls.evse_status(evse_id)})


async def get_evse(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``GET /_sandbox/evses/{evse_id}``: ``{"evse_id", "status"}``."""
    return _evse(controls, request.match_info["evse_id"])


async def put_evse(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``PUT /_sandbox/evses/{evse_id}``: ``{"status": "OUTOFORDER"}``, as ``set_evse_status``."""
    evse_id = request.match_info["evse_id"]
    status = (await read_object(request)).get("status")
    if not isinstance(status, str):
        raise TypeError("status must be an OCPI EVSE status string")
    controls.set_evse_status(evse_id, status)
    return _evse(controls, evse_id)


def _path_matcher(body: dict[str, Any]) -> PathMatcher | None:
    """``path`` (a prefix) or ``path_regex`` of a control body."""
    path, regex = body.get("path"), body.get("path_regex")
    if path is not None and regex is not None:
        raise ValueError("give path or path_regex, not both")
    if not isinstance(path, (str, type(None))) or not isinstance(regex, (str, type(None))):
        raise TypeError("path and path_regex must be strings")
    try:
        return path if regex is None else re.compile(regex)
    except re.error as exc:
        raise ValueError(f"invalid path_regex: {exc}") from None


def _clock(controls: SandboxControls) -> web.Response:
    return _ok({"now": controls.now.isoformat().replace("+00:00", "Z")})


async def get_clock(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``GET /_sandbox/clock``: ``{"now": "2026-04-03T12:00:00Z"}``."""
    return _clock(controls)


async def advance_clock(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``POST /_sandbox/clock/advance``: ``{"seconds": 60}``, as ``advance_time`` does."""
    seconds = (await read_object(request)).get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError("seconds must be a number")
    controls.advance_time(seconds)
    return _clock(controls)


async def attach_method(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``POST /_sandbox/users/{user_id}/payment-methods``: ``{"test_id": "pm_card_visa"}``."""
    test_id = (await read_object(request)).get("test_id", "pm_card_visa")
    if not isinstance(test_id, str):
        raise TypeError("test_id must be a string")
    pm_id = controls.attach_payment_method(request.match_info["user_id"], test_id)
    return _ok({"id": pm_id}, 201)


async def inject_error(request: web.Request, controls: SandboxControls) -> web.StreamResponse:
    """``POST /_sandbox/errors``: ``{"error_type", "status"?, "path"|"path_regex"?}``."""
    body = await read_object(request)
    error_type = body.get("error_type")
    if not isinstance(error_type, str):
        raise TypeError("error_type must be a string")
    controls.inject_error(error_type, status=_opt_int(body, "status"), path=_path_matcher(body))
    return _faults(controls)


#: Every control endpoint.
CONTROL_ROUTES: Final[tuple[Route, ...]] = tuple(
    Route(method, CONTROL_PREFIX + path, _handler(control))
    for method, path, control in (
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
        ("GET", "/evses/{evse_id}", get_evse),
        ("PUT", "/evses/{evse_id}", put_evse),
        ("POST", "/users/{user_id}/payment-methods", attach_method),
        ("GET", "/clock", get_clock),
        ("POST", "/clock/advance", advance_clock),
        ("POST", "/errors", inject_error),
    )
)
