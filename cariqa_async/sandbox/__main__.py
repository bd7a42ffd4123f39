"""``python -m cariqa_async.sandbox``: see :func:`cariqa_async.sandbox.main`."""

from __future__ import annotations

import sys

from ._cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
