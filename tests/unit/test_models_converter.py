"""Converter behaviour the models rely on, tested on small stand-in classes."""

from __future__ import annotations

import attrs
import pytest

from cariqa_async._converter import Structurer
from cariqa_async.models import OpenStrEnum


class Boom(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


FAST = Structurer()
STRICT = Structurer(strict=True)


class Colour(OpenStrEnum):
    RED = "red"


# -- absent fields take their default unchecked ------------------------------------


@attrs.frozen(slots=True)
class WithDefaults:
    id: str
    tags: tuple[str, ...] = ()
    colours: tuple[Colour, ...] = ()
    kind: str = "Feature"
    on: bool = False


@pytest.mark.parametrize("structurer", [FAST, Structurer()], ids=["fast", "fresh"])
def test_an_absent_field_takes_its_default_without_being_checked(structurer: Structurer) -> None:
    # An empty tuple default is not a JSON list; it must not go through the list hook.
    assert structurer.one({"id": "a"}, WithDefaults, Boom) == WithDefaults("a")
    assert structurer.check_many([{"id": "a"}], WithDefaults, Boom) == [{"id": "a"}]


def test_strict_mode_still_requires_fields_with_defaults() -> None:
    with pytest.raises(Boom, match=r"missing field.*colours, kind, on, tags"):
        STRICT.one({"id": "a"}, WithDefaults, Boom)


@pytest.mark.parametrize("structurer", [FAST, STRICT], ids=["fast", "strict"])
def test_a_present_field_equal_to_its_default_is_still_checked(structurer: Structurer) -> None:
    full = {"id": "a", "tags": [], "colours": ["red"], "kind": "Feature", "on": False}
    assert structurer.one(full, WithDefaults, Boom) == WithDefaults("a", (), (Colour.RED,))
    for field, bad in (("tags", ()), ("tags", "ab"), ("colours", [1]), ("kind", 1), ("on", 0)):
        with pytest.raises(Boom) as info:
            structurer.one({**full, field: bad}, WithDefaults, Boom)
        assert info.value.field.startswith(field)
