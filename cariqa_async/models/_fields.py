"""Field conventions the converter honours, shared by the models.

Two small, explicit markers:

* :data:`MAY_BE_ABSENT`, attrs field metadata for a field that the API may leave
  out even in the SDK's strict mode: one side of a docs/spec naming drift (the
  docs' ``client_secret`` against the spec's ``setup_intent_client_secret``), or
  a field the spec itself says is only sent for some objects (a tile feature's
  ``station_id``). Strict mode still rejects unknown fields and requires every
  other field. Such a field defaults to ``None`` and is left out again when a
  model is turned back into JSON while it is ``None``, so both shapes round-trip.
* :data:`NumberText`, the type of a value the API sends as a string or as a JSON
  number (tile coordinates): it is always kept as text.
"""

from __future__ import annotations

from typing import Any, Final, NewType

import attrs

__all__ = ["MAY_BE_ABSENT", "NumberText", "may_be_absent"]

MAY_BE_ABSENT: Final = "cariqa_may_be_absent"

NumberText = NewType("NumberText", str)
"""Text of a number that the API sends either as ``"13.40"`` or as ``13.4``.

Strings are kept exactly as sent; numbers become their shortest round-tripping
text (``13.4`` -> ``"13.4"``, ``13`` -> ``"13"``), so one type serves both shapes
and no precision is invented. Booleans, non-finite numbers and other JSON types
are refused.
"""


def may_be_absent(*, secret: bool = False) -> Any:
    """An optional field (default ``None``) that strict mode does not require.

    ``secret=True`` keeps the value out of the model's ``repr`` (Stripe client
    secrets must not end up in logs).
    """
    return attrs.field(default=None, repr=not secret, metadata={MAY_BE_ABSENT: True})
