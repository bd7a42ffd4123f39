"""Optional dependencies: import one, or say which pip extra installs it."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import ConfigurationError


def require_extra(module: str, extra: str) -> ModuleType:
    """Import ``module``, which the ``extra`` of cariqa-async installs.

    Raises:
        ConfigurationError: the module is not installed; the message carries the pip
            command, e.g. ``pip install 'cariqa-async[parquet]'``. Its ``__cause__``
            is the ``ImportError``.

    Example::

        pyarrow = require_extra("pyarrow", "parquet")
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        # Only a missing top-level package means the extra is missing; a broken
        # install of it (an ImportError inside it) is reported as it is.
        if exc.name is None or exc.name.split(".")[0] != module.split(".")[0]:
            raise
        raise ConfigurationError(
            f"{module} is not installed; it comes with the {extra!r} extra: "
            f"pip install 'cariqa-async[{extra}]'"
        ) from exc
