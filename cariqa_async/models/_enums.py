from __future__ import annotations

from enum import Enum
from typing import Any


class OpenStrEnum(str, Enum):
    """A ``str`` enum that never fails on a value the API adds later.

    A known value gives its member. An unknown one gives a new, unnamed member of
    the same class whose ``.value`` (and ``str`` value) is the raw text, so code
    that compares with strings or logs values keeps working, and a ``match`` on the
    known members simply falls through. The SDK's strict mode (for tests that
    catch API drift) rejects unknown values instead.

    Example::

        >>> class Speed(OpenStrEnum):
        ...     SLOW = "SLOW"
        >>> Speed("SLOW") is Speed.SLOW, Speed("WARP").value, Speed("WARP") == "WARP"
        (True, 'WARP', True)
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        """Whether this value is one of the members this SDK version declares."""
        return self._value_ in type(self)._value2member_map_

    def __str__(self) -> str:
        return str(self._value_)
