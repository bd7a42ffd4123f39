"""The converter's generic hooks: JSON arrays, open string enums, plain-array bodies."""

from __future__ import annotations

import pickle

import attrs
import pytest

from cariqa_async._converter import Structurer
from cariqa_async.models import OpenStrEnum


class Boom(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Speed(OpenStrEnum):
    SLOW = "SLOW"
    FAST = "FAST"


@attrs.frozen(slots=True)
class Part:
    name: str
    speed: Speed | None = None


@attrs.frozen(slots=True)
class Holder:
    tags: tuple[str, ...]
    parts: list[Part]
    speeds: tuple[Speed, ...] = ()


FAST = Structurer()
STRICT = Structurer(strict=True)
GOOD = {"tags": ["a", "b"], "parts": [{"name": "p", "speed": "FAST"}], "speeds": ["SLOW"]}


def test_arrays_structure_into_tuples_and_lists() -> None:
    for structurer in (FAST, STRICT):
        holder = structurer.one(GOOD, Holder, Boom)
        assert holder.tags == ("a", "b")
        assert holder.parts == [Part("p", Speed.FAST)]
        assert holder.speeds == (Speed.SLOW,)
        assert structurer.unstructure(holder) == GOOD


@pytest.mark.parametrize(
    ("field", "value", "path", "message"),
    [
        ("tags", "abc", "tags", "expected a list, got 'abc'"),  # not ('a', 'b', 'c')
        ("tags", {"a": 1}, "tags", "expected a list"),
        ("tags", ["a", 7], "tags[1]", "expected a string, got 7"),
        (
            "parts",
            [{"name": "p", "speed": None}, {"name": 3, "speed": None}],
            "parts[1].name",
            "expected a string",
        ),
        ("parts", {"name": "p"}, "parts", "expected a list"),
    ],
)
def test_a_wrong_array_is_refused_and_named(
    field: str, value: object, path: str, message: str
) -> None:
    for structurer in (FAST, STRICT):
        with pytest.raises(Boom) as info:
            structurer.one({**GOOD, field: value}, Holder, Boom)
        assert info.value.field == path
        assert message in info.value.message


def test_check_only_applies_the_same_array_checks() -> None:
    assert FAST.check_many([GOOD], Holder, Boom) == [GOOD]
    with pytest.raises(Boom) as info:
        FAST.check_many([GOOD, {**GOOD, "tags": "abc"}], Holder, Boom)
    assert info.value.field == "results[1].tags"


def test_an_unknown_enum_value_is_a_member_with_the_raw_value() -> None:
    part = FAST.one({"name": "p", "speed": "WARP"}, Part, Boom)
    assert isinstance(part.speed, Speed)
    assert part.speed.value == "WARP"
    assert part.speed == "WARP"
    assert str(part.speed) == "WARP"
    assert part.speed.known is False
    assert Speed.FAST.known is True
    assert FAST.one({"name": "p", "speed": "SLOW"}, Part, Boom).speed is Speed.SLOW
    assert pickle.loads(pickle.dumps(part.speed)) == "WARP"
    assert FAST.unstructure(part) == {"name": "p", "speed": "WARP"}


def test_strict_mode_rejects_an_unknown_enum_value() -> None:
    with pytest.raises(Boom) as info:
        STRICT.one({**GOOD, "speeds": ["SLOW", "WARP"]}, Holder, Boom)
    assert info.value.field == "speeds[1]"
    assert "unknown Speed 'WARP'" in info.value.message


@pytest.mark.parametrize("structurer", [FAST, STRICT], ids=["fast", "strict"])
def test_an_enum_is_never_a_plain_string_and_never_a_number(structurer: Structurer) -> None:
    assert type(structurer.one({"name": "p", "speed": "FAST"}, Part, Boom).speed) is Speed
    with pytest.raises(Boom) as info:
        structurer.one({"name": "p", "speed": 3}, Part, Boom)
    assert info.value.field == "speed"


def test_a_plain_array_body_names_its_own_index() -> None:
    parts = FAST.array([{"name": "a"}, {"name": "b", "speed": "SLOW"}], Part, Boom)
    assert parts == [Part("a"), Part("b", Speed.SLOW)]
    with pytest.raises(Boom) as info:
        STRICT.array([{"name": "a", "speed": None}] * 3 + [{"name": 1, "speed": None}], Part, Boom)
    assert info.value.field == "[3].name"
    with pytest.raises(Boom) as info:
        FAST.array({"results": []}, Part, Boom)
    assert info.value.field == ""
    assert "expected a list" in info.value.message
