"""Converter behaviour the models rely on, tested on small stand-in classes."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from cariqa_async._converter import Structurer
from cariqa_async.models import OpenStrEnum
from cariqa_async.models._fields import MAY_BE_ABSENT, NumberText, may_be_absent


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


# -- "may be absent even in strict mode" ---------------------------------------------


@attrs.frozen(slots=True)
class Drifting:
    id: str
    spec_name: str | None = may_be_absent()
    docs_name: str | None = may_be_absent(secret=True)
    plain: str | None = None


def test_a_marked_field_may_be_absent_in_strict_mode_others_may_not() -> None:
    assert attrs.fields(Drifting).spec_name.metadata[MAY_BE_ABSENT] is True
    for structurer in (FAST, STRICT):
        parsed = structurer.one({"id": "a", "docs_name": "x", "plain": None}, Drifting, Boom)
        assert parsed == Drifting("a", None, "x")
    with pytest.raises(Boom) as info:
        STRICT.one({"id": "a", "docs_name": "x"}, Drifting, Boom)
    assert "missing field(s): plain" in info.value.message
    with pytest.raises(Boom) as info:
        STRICT.one({"id": "a", "plain": None, "other": 1}, Drifting, Boom)
    assert "other" in info.value.message
    with pytest.raises(Boom) as info:
        STRICT.one({"id": "a", "plain": None, "spec_name": 1}, Drifting, Boom)
    assert info.value.field == "spec_name"


def test_a_marked_field_is_left_out_of_the_json_while_none() -> None:
    assert FAST.unstructure(Drifting("a", None, "x")) == {
        "id": "a",
        "docs_name": "x",
        "plain": None,
    }
    assert FAST.unstructure(Drifting("a", "y")) == {"id": "a", "spec_name": "y", "plain": None}


def test_a_secret_field_stays_out_of_the_repr() -> None:
    text = repr(Drifting("a", "visible", "hidden"))
    assert "visible" in text
    assert "hidden" not in text


# -- numbers or their text -------------------------------------------------------------


@attrs.frozen(slots=True)
class Point:
    coordinates: tuple[NumberText, ...]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (["52.50", "13.4"], ("52.50", "13.4")),
        ([52.5, 13], ("52.5", "13")),
        ([52.520008, -0.0], ("52.520008", "-0.0")),
        ([1e-07], ("1e-07",)),
    ],
)
@pytest.mark.parametrize("structurer", [FAST, STRICT], ids=["fast", "strict"])
def test_numbers_become_their_text(
    structurer: Structurer, raw: list[Any], text: tuple[str, ...]
) -> None:
    point = structurer.one({"coordinates": raw}, Point, Boom)
    assert point.coordinates == text
    assert all(type(value) is str for value in point.coordinates)


@pytest.mark.parametrize("bad", [True, None, float("inf"), float("nan"), [1.0], {}])
@pytest.mark.parametrize("structurer", [FAST, STRICT], ids=["fast", "strict"])
def test_number_text_refuses_anything_else(structurer: Structurer, bad: Any) -> None:
    with pytest.raises(Boom) as info:
        structurer.one({"coordinates": ["1", bad]}, Point, Boom)
    assert info.value.field == "coordinates[1]"
    assert "expected a number or its text" in info.value.message


# -- JSON objects as dicts --------------------------------------------------------------


@attrs.frozen(slots=True)
class Table:
    rows: dict[str, tuple[int, ...]] | None = None


@pytest.mark.parametrize("structurer", [FAST, STRICT], ids=["fast", "strict"])
def test_an_object_becomes_a_dict_and_anything_else_is_named(structurer: Structurer) -> None:
    assert structurer.one({"rows": {"a": [1, 2]}}, Table, Boom) == Table({"a": (1, 2)})
    assert structurer.one({"rows": None}, Table, Boom) == Table(None)
    for bad, field, message in (
        ([["a", [1]]], "rows", "expected an object, got [['a', [1]]]"),
        ("ab", "rows", "expected an object, got 'ab'"),
        ({"a": [1, "2"]}, "rows['a'][1]", "expected an integer"),
    ):
        with pytest.raises(Boom) as info:
            structurer.one({"rows": bad}, Table, Boom)
        assert (info.value.field, info.value.message) == (field, message) or (
            info.value.field == field and message in info.value.message
        )
