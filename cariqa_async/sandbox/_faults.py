"""Fault injection: configuration, the per-request decision, and the faulty responses.

Every API request first waits the configured latency (fixed plus uniform jitter),
then gets one outcome: the next entry of a matching fault schedule if there is
one, otherwise a single draw from a seeded RNG against the per-kind
probabilities. The kinds imitate what a real client meets in front of Cariqa:

* ``"429"``: DRF's throttling answer with ``Retry-After``;
* ``"500"``: Cariqa's rich error envelope with a support code;
* ``"502"``, ``"503"``: an nginx HTML page;
* ``"drop"``: the connection closes before any byte of a response;
* ``"truncate"``: a 200 whose body stops halfway through its ``Content-Length``;
* ``"stall"``: the request is handled, its answer comes only after ``stall_time``
  (beyond client timeouts);
* ``"lost"`` (opt-in: never part of ``fault_rate``'s default mix): the request is
  handled and the connection closes unanswered, so the client cannot know it ran.

``429``, ``500``, ``502``, ``503`` and ``drop`` are decided before the handler
runs, so they change nothing; ``truncate``, ``stall`` and ``lost`` run it.
:func:`inject_error` schedules one of Cariqa's rich errors the same way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import re
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, TypedDict, cast, get_args

from aiohttp import web

from ._http import detail, rich_error

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "DEFAULT_FAULT_KINDS",
    "ERROR_STATUSES",
    "FAULT_KINDS",
    "FAULT_SETTINGS",
    "FaultConfig",
    "FaultKind",
    "FaultPlan",
    "FaultSettings",
    "InjectedError",
    "Outcome",
    "PathMatcher",
    "outcome_name",
    "respond",
]

FaultKind = Literal["429", "500", "502", "503", "drop", "truncate", "stall", "lost"]
#: Every fault kind, in the order probabilities are accumulated.
FAULT_KINDS: Final[tuple[FaultKind, ...]] = get_args(FaultKind)
#: The kinds ``fault_rate`` spreads over unless ``fault_kinds`` says otherwise: all
#: but ``"lost"``, which a caller must ask for (it makes any write's outcome unknown).
DEFAULT_FAULT_KINDS: Final[tuple[FaultKind, ...]] = tuple(k for k in FAULT_KINDS if k != "lost")

#: The status each of Cariqa's error types is documented with (NOTES.md).
ERROR_STATUSES: Final[Mapping[str, int]] = {
    "validation_error": 400,
    "payment_method_error": 402,
    "payment_error": 402,
    "pre_authorization_failed": 402,
    "already_charging": 409,
    "already_stopped": 409,
    "billing_data_required": 409,
    "station_availability_issue": 409,
    "temporary_locked": 423,
    "charging_provider_error": 424,
    "unexpected_error": 500,
}


@dataclasses.dataclass(frozen=True)
class InjectedError:
    """A scheduled answer with Cariqa's rich error envelope (see ``inject_error``).

    Raises:
        ValueError: On an unknown error type or a status outside 400..599.
    """

    error_type: str
    status: int

    def __post_init__(self) -> None:
        if self.error_type not in ERROR_STATUSES:
            raise ValueError(
                f"unknown error type {self.error_type!r}; expected one of {sorted(ERROR_STATUSES)}"
            )
        if isinstance(self.status, bool) or not isinstance(self.status, int):
            raise TypeError("status must be an integer")
        if not 400 <= self.status <= 599:
            raise ValueError(f"an error status must be within 400..599, not {self.status}")

    @classmethod
    def of(cls, error_type: str, status: int | None = None) -> InjectedError:
        """The error of ``error_type`` with ``status``, by default its documented one."""
        return cls(error_type, ERROR_STATUSES.get(error_type, 500) if status is None else status)


#: What a request may be given instead of its normal answer.
Outcome = FaultKind | InjectedError

#: A path prefix, or a compiled regular expression searched in the path.
PathMatcher = str | re.Pattern[str]

_NGINX_PAGE: Final = (
    "<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n"
    "<center><h1>{status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_REASONS: Final = {502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable"}


def _check_kinds(kinds: Iterable[object]) -> list[FaultKind]:
    kinds = list(kinds)
    bad = [k for k in kinds if k not in FAULT_KINDS]
    if bad:
        raise ValueError(f"unknown fault kinds {bad!r}; expected some of {FAULT_KINDS}")
    return cast("list[FaultKind]", kinds)


class FaultSettings(TypedDict, total=False):
    """The fault settings, by name: ``Sandbox(...)``, ``set_faults(...)``,
    ``PATCH /_sandbox/faults`` and the command line all take these.

    ``None`` (or leaving a setting out) keeps the current value; ``fault_rate``
    (spread evenly over ``fault_kinds``, default every kind but ``"lost"``) or ``faults``
    (a probability per kind) replace every fault probability.
    """

    latency: float | None
    jitter: float | None
    fault_rate: float | None
    fault_kinds: Iterable[FaultKind] | None
    faults: Mapping[FaultKind, float] | None
    retry_after: int | None
    stall_time: float | None


#: The names of :class:`FaultSettings`.
FAULT_SETTINGS: Final[frozenset[str]] = FaultSettings.__optional_keys__


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclasses.dataclass(frozen=True)
class FaultConfig:
    """How the sandbox misbehaves. Immutable; build one with :meth:`create`.

    Attributes:
        latency: Seconds added to every API request.
        jitter: Up to this many further seconds, drawn uniformly per request.
        rates: Probability per request of each fault kind (they sum to <= 1).
        retry_after: The ``Retry-After`` seconds a 429 announces.
        stall_time: Seconds a stalled request waits before it is answered.
    """

    latency: float = 0.0
    jitter: float = 0.0
    rates: Mapping[FaultKind, float] = dataclasses.field(default_factory=dict)
    retry_after: int = 1
    stall_time: float = 30.0

    def __post_init__(self) -> None:
        _check_kinds(self.rates)
        times = {"latency": self.latency, "jitter": self.jitter, "stall_time": self.stall_time}
        for name, value in (*times.items(), *self.rates.items()):
            if not _is_number(value):
                raise TypeError(f"{name} must be a number")
        if not isinstance(self.retry_after, int) or isinstance(self.retry_after, bool):
            raise TypeError("retry_after must be an integer")
        if min(*times.values(), self.retry_after) < 0:
            raise ValueError("latency, jitter, stall_time and retry_after must be >= 0")
        if any(not 0 <= p <= 1 for p in self.rates.values()) or sum(self.rates.values()) > 1:
            raise ValueError(f"fault probabilities must be in [0, 1] and sum to <= 1: {self.rates}")

    @classmethod
    def create(cls, **settings: Unpack[FaultSettings]) -> FaultConfig:
        """Build a configuration from :class:`FaultSettings` (the rest at their defaults).

        Raises:
            ValueError: On an unknown kind, a negative time, or probabilities
                outside [0, 1] or summing to more than 1.
            TypeError: On a setting of the wrong type.
        """
        return cls().updated(**settings)

    def updated(self, **changes: Unpack[FaultSettings]) -> FaultConfig:
        """Return a copy with some :class:`FaultSettings` changed (``None`` keeps one).

        Raises:
            ValueError, TypeError: As :meth:`create`; TypeError on an unknown setting.
        """
        unknown = sorted(changes.keys() - FAULT_SETTINGS)
        if unknown:
            # Ends as Python words it, since the settings arrive as keyword arguments.
            raise TypeError(
                f"unknown fault settings {unknown}, expected some of {sorted(FAULT_SETTINGS)}"
                f" (an unexpected keyword argument {unknown[0]!r})"
            )
        rates = self.rates
        fault_rate, faults = changes.get("fault_rate"), changes.get("faults")
        if fault_rate is not None or faults is not None:
            rates = dict(faults or {})
            if fault_rate:
                kinds = changes.get("fault_kinds")
                kinds = _check_kinds(DEFAULT_FAULT_KINDS if kinds is None else kinds)
                if not kinds:
                    raise ValueError("fault_rate needs at least one fault kind")
                for kind in kinds:
                    rates[kind] = rates.get(kind, 0.0) + fault_rate / len(kinds)
            rates = {k: p for k, p in rates.items() if p}
        kept: dict[str, Any] = {
            name: value
            for name in ("latency", "jitter", "retry_after", "stall_time")
            if (value := changes.get(name)) is not None
        }
        return dataclasses.replace(self, rates=rates, **kept)

    def to_json(self) -> dict[str, Any]:
        """Return the configuration as the JSON object ``GET /_sandbox/faults`` shows."""
        return {**dataclasses.asdict(self), "rates": dict(self.rates)}


class _Schedule:
    __slots__ = ("matcher", "outcomes")

    def __init__(self, outcomes: Iterable[Outcome | None], matcher: PathMatcher | None) -> None:
        self.outcomes: deque[Outcome | None] = deque(outcomes)
        self.matcher = matcher

    def matches(self, path: str) -> bool:
        if self.matcher is None:
            return True
        if isinstance(self.matcher, str):
            return path.startswith(self.matcher)
        return self.matcher.search(path) is not None


class FaultPlan:
    """The live, thread-safe fault state: configuration, schedules and RNG.

    Args:
        config: The initial configuration.
        seed: Seeds the RNG behind latency jitter and random faults.
    """

    def __init__(self, config: FaultConfig, seed: int) -> None:
        self._lock = threading.Lock()
        self._config = config
        self._rng = random.Random(seed)
        self._schedules: list[_Schedule] = []

    @property
    def config(self) -> FaultConfig:
        """The current configuration."""
        return self._config

    def update(self, change: Callable[[FaultConfig], FaultConfig]) -> FaultConfig:
        """Replace the configuration with ``change(current)`` atomically; return the new one.

        Raises:
            Whatever ``change`` raises; the configuration is then unchanged.
        """
        with self._lock:
            self._config = change(self._config)
            return self._config

    @property
    def scheduled(self) -> int:
        """How many scheduled outcomes are still pending."""
        with self._lock:
            return sum(len(s.outcomes) for s in self._schedules)

    def schedule(self, outcomes: Iterable[Outcome | None], path: PathMatcher | None = None) -> None:
        """Queue outcomes for the next matching API requests (``None`` = answer normally).

        Raises:
            ValueError: On an unknown fault kind.
        """
        outcomes = list(outcomes)
        _check_kinds(o for o in outcomes if o is not None and not isinstance(o, InjectedError))
        with self._lock:
            self._schedules.append(_Schedule(outcomes, path))

    def clear_schedule(self) -> None:
        """Drop every pending scheduled outcome."""
        with self._lock:
            self._schedules.clear()

    def decide(self, path: str) -> tuple[Outcome | None, float]:
        """Return the outcome for a request to ``path`` and the delay to apply first."""
        with self._lock:
            config = self._config
            delay = config.latency
            if config.jitter:
                delay += self._rng.uniform(0.0, config.jitter)
            for i, schedule in enumerate(self._schedules):
                if schedule.matches(path):
                    outcome = schedule.outcomes.popleft()
                    if not schedule.outcomes:
                        del self._schedules[i]
                    return outcome, delay
            if config.rates:
                draw = self._rng.random()
                for kind in FAULT_KINDS:
                    draw -= config.rates.get(kind, 0.0)
                    if draw < 0:
                        return kind, delay
            return None, delay


_INJECTED_DETAILS: Final = "Injected by the sandbox."


def _extra(error: InjectedError) -> dict[str, str]:
    if error.error_type != "pre_authorization_failed":
        return {}
    # The one error type that hands the device a secret to finish the payment with.
    secret = f"pi_{os.urandom(12).hex()}_secret_{os.urandom(12).hex()}"
    return {"payment_intent_client_secret": secret}


def _close(request: web.BaseRequest) -> None:
    transport = request.transport
    if transport is not None:
        transport.close()


def outcome_name(outcome: Outcome) -> str:
    """The name ``stats.faults`` counts an outcome under: its kind, or its error type."""
    return outcome.error_type if isinstance(outcome, InjectedError) else outcome


async def respond(
    kind: Outcome,
    request: web.Request,
    config: FaultConfig,
    normal: Callable[[], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    """Produce the faulty response of ``kind``; ``normal`` runs the handler for the real answer."""
    if isinstance(kind, InjectedError):
        return rich_error(kind.status, kind.error_type, _INJECTED_DETAILS, **_extra(kind))
    if kind == "429":
        wait = config.retry_after
        message = (
            f"Request was throttled. Expected available in {wait} second{'' if wait == 1 else 's'}."
        )
        response = detail(429, message)
        response.headers["Retry-After"] = str(wait)
        return response
    if kind == "500":
        code = os.urandom(4).hex().upper()
        return rich_error(
            500, "unexpected_error", f"Support code: {code}", message="Internal Server Error"
        )
    if kind in ("502", "503"):
        status = int(kind)
        return web.Response(
            status=status,
            text=_NGINX_PAGE.format(status=_REASONS[status]),
            content_type="text/html",
            headers={"Server": "nginx"},
        )
    if kind == "drop":
        _close(request)
        # Never written: the transport is closed and aiohttp drops the response.
        return web.Response(status=204)
    if kind == "stall":
        # The server did the work; only its answer is late (a client that gives
        # up has no way to know the request ran).
        late = await normal()
        await asyncio.sleep(config.stall_time)
        return late
    if kind == "lost":
        await normal()
        _close(request)
        return web.Response(status=204)  # never written, as for "drop"
    # truncate: announce the whole body, send half of it, hang up.
    full = await normal()
    payload = full.body if isinstance(full, web.Response) else None
    if not isinstance(payload, bytes) or not payload:
        return full  # nothing to cut (a redirect, say): answer normally
    partial = web.StreamResponse(status=full.status, reason=full.reason, headers=full.headers)
    partial.content_length = len(payload)
    await partial.prepare(request)
    await partial.write(payload[: len(payload) // 2])
    _close(request)
    return partial
