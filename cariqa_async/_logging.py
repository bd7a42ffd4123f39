"""``CARIQA_LOG``: the SDK's log level from the environment, for scripts and the CLI.

The SDK logs to the ``cariqa_async`` logger: retries and their reasons at
WARNING, verification passes at INFO, each request at DEBUG. Applications
normally configure logging themselves; ``CARIQA_LOG=debug|info|warning|error``
is the switch for when they did not (a script, a notebook, a cron job).
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Mapping
from typing import Final

__all__ = ["LOGGER_NAME", "configure_from_env", "level_from_env"]

LOGGER_NAME: Final = "cariqa_async"

#: The names ``CARIQA_LOG`` accepts.
LEVELS: Final = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def level_from_env(environ: Mapping[str, str] | None = None) -> int | None:
    """The level ``CARIQA_LOG`` names (any case), or None when it is unset or empty.

    Raises:
        ValueError: a value that names no level.

    Example: ``CARIQA_LOG=debug python my_script.py``.
    """
    value = (os.environ if environ is None else environ).get("CARIQA_LOG", "").strip()
    if not value:
        return None
    try:
        return LEVELS[value.lower()]
    except KeyError:
        raise ValueError(
            f"CARIQA_LOG={value!r} is not a log level; use one of {', '.join(LEVELS)}"
        ) from None


class _EnvHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the current ``sys.stderr``, unless the application logs through the root."""

    def emit(self, record: logging.LogRecord) -> None:
        if logging.getLogger().handlers:
            return  # the record propagates to the application's handlers: no duplicate
        self.stream = sys.stderr  # the stderr of now (a test's capture, say)
        super().emit(record)


def configure_from_env() -> None:
    """Apply ``CARIQA_LOG`` to the ``cariqa_async`` logger; the package calls this once.

    With it set, the logger's level is that level, and records reach stderr even
    when the application configured no logging (else they go to its handlers, once).
    Unset, nothing changes. An unknown value is a ``RuntimeWarning``, not an error:
    importing the SDK must not fail for it.
    """
    try:
        level = level_from_env()
    except ValueError as exc:
        warnings.warn(str(exc), RuntimeWarning, stacklevel=2)
        return
    if level is None:
        return
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if not any(isinstance(handler, _EnvHandler) for handler in logger.handlers):
        handler = _EnvHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


# On import, so that the package's __init__ needs one line: ``from . import _logging``.
configure_from_env()
