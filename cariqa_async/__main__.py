"""``python -m cariqa_async``: the ``cariqa-async`` command line."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
