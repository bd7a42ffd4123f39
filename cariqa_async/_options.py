"""Every option check of the SDK, in one place, with one kind of message.

An option given to the client's constructor (or to :class:`Timeout`,
:class:`RetryPolicy`) that cannot work raises :class:`ConfigurationError`; an
option of one call (``iter(page_size=0)``, ``charging.start(timeout=-1)``) raises
:class:`InvalidArgumentError`. Both are also ``ValueError``. The checks take the
error class to raise, so the same rule gives the same message in both places.

Numbers are checked, never coerced: ``True`` is not a count, ``"5"`` is not a
number of seconds, and NaN or infinity is never a timeout (``None`` disables one).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

from .errors import CariqaError, ConfigurationError

ErrorClass = type[CariqaError]

ON_INCONSISTENT: Final = ("raise", "warn")


def count(
    name: str, value: object, *, minimum: int = 1, error: ErrorClass = ConfigurationError
) -> int:
    """Return ``value`` if it is an ``int`` (not a bool) of at least ``minimum``.

    Raises:
        error: anything else, e.g. ``0``, ``1.5``, ``True`` or ``"8"``.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise error(f"{name} must be an integer of at least {minimum}, got {value!r}")
    return value


def seconds(
    name: str,
    value: object,
    *,
    allow_none: bool = False,
    allow_zero: bool = False,
    error: ErrorClass = ConfigurationError,
) -> float | None:
    """Return ``value`` as a finite, positive number of seconds (``None`` if allowed).

    Raises:
        error: negative, zero (unless ``allow_zero``), NaN, infinite, a bool or not a
            number.
    """
    if value is None and allow_none:
        return None
    low = "at least 0" if allow_zero else "greater than 0"
    disable = " (None disables it)" if allow_none else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise error(f"{name} must be a number of seconds{disable}, got {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise error(f"{name} must be a finite number {low}{disable}, got {value!r}")
    return float(value)


def rate(name: str, value: object, *, error: ErrorClass = ConfigurationError) -> float | None:
    """Return a positive, finite rate, or ``None`` (no limit).

    Raises:
        error: zero, negative, NaN, infinite, a bool or not a number.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise error(f"{name} must be a number or None, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise error(f"{name} must be a finite number greater than 0 or None, got {value!r}")
    return float(value)


def flag(name: str, value: object, *, error: ErrorClass = ConfigurationError) -> bool:
    """Return ``value`` if it is a bool.

    Raises:
        error: anything else (``"false"`` would otherwise count as true).
    """
    if not isinstance(value, bool):
        raise error(f"{name} must be True or False, got {value!r}")
    return value


def choice(
    name: str, value: object, allowed: tuple[str, ...], *, error: ErrorClass = ConfigurationError
) -> str:
    """Return ``value`` if it is one of ``allowed``.

    Raises:
        error: anything else.
    """
    if not isinstance(value, str) or value not in allowed:
        options = " or ".join(repr(item) for item in allowed)
        raise error(f"{name} must be {options}, got {value!r}")
    return value


def header_text(name: str, value: object, *, error: ErrorClass = ConfigurationError) -> str:
    """Return ``value`` if it can be sent as one HTTP header value.

    Raises:
        error: not a string, empty, or holding a line break or control character
            (which would split or corrupt the request's headers).
    """
    if not isinstance(value, str) or not value.strip():
        raise error(f"{name} must be a non-empty string, got {value!r}")
    if not value.isprintable() or value != value.strip():
        raise error(f"{name} must not contain line breaks or control characters")
    return value


def instance(
    name: str, value: object, kind: type[Any], *, error: ErrorClass = ConfigurationError
) -> Any:
    """Return ``value`` if it is a ``kind``.

    Raises:
        error: anything else.
    """
    if not isinstance(value, kind):
        raise error(f"{name} must be a {kind.__name__}, got {type(value).__name__}")
    return value


def hook(name: str, value: object, *, error: ErrorClass = ConfigurationError) -> object:
    """Return ``value`` if it is callable.

    Raises:
        error: anything else.
    """
    if not callable(value):
        raise error(f"{name} must be callable, got {type(value).__name__}")
    return value


def validator(
    check: Callable[..., object], *, label: str | None = None, **options: Any
) -> Callable[[object, Any, object], None]:
    """An ``attrs`` validator running ``check(name, value, **options)``.

    ``name`` is ``label``, else ``Class.field`` (e.g. ``Timeout.read``), so the
    message says which option of which object is wrong.
    """

    def validate(instance: object, attribute: Any, value: object) -> None:
        check(label or f"{type(instance).__name__}.{attribute.name}", value, **options)

    return validate
