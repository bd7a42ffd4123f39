"""A missing optional dependency is a ConfigurationError that says how to install it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cariqa_async import CariqaError, ConfigurationError
from cariqa_async._extras import require_extra


def test_an_installed_extra_is_imported() -> None:
    assert require_extra("json", "parquet") is sys.modules["json"]
    assert require_extra("os.path", "cli").join("a", "b") == str(Path("a", "b"))


def test_a_missing_extra_carries_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail as if pyarrow were not installed.
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ConfigurationError) as info:
        require_extra("pyarrow", "parquet")
    assert "pip install 'cariqa-async[parquet]'" in str(info.value)
    assert isinstance(info.value, CariqaError)
    assert isinstance(info.value.__cause__, ImportError)


def test_a_submodule_of_a_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rich", None)
    with pytest.raises(ConfigurationError, match=r"cariqa-async\[cli\]"):
        require_extra("rich.progress", "cli")


def test_a_broken_install_is_not_blamed_on_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    package = tmp_path / "half_installed_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("import no_such_module_of_anyone_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="no_such_module_of_anyone_xyz"):
        require_extra("half_installed_pkg", "parquet")
