"""``cariqa_async.to_dict``: the public way from a model back to the API's JSON."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from cariqa_async import InvalidArgumentError, Page, User, to_dict

from ._model_samples import SAMPLES as SAMPLE_DIR
from ._model_samples import STRICT, sample, structure
from .test_models_samples import SAMPLES, _items, _raw_items


@pytest.mark.parametrize(("name", "kind", "model", "schema"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_every_sample_comes_back_as_the_api_sent_it(
    name: str, kind: str, model: type, schema: Any
) -> None:
    data = sample(name)
    value = structure(kind, data, model, STRICT)
    items = _items(kind, value)
    assert [to_dict(item) for item in items] == _raw_items(kind, data)
    assert to_dict(items) == _raw_items(kind, data)  # a list of models too
    orjson.dumps(to_dict(items))  # JSON-ready: no Decimal or datetime left


def test_a_page_becomes_the_drf_envelope() -> None:
    user = User("u1", "a@example.com", "en", None)
    page = Page(1, None, None, (user,))
    assert to_dict(page) == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {"id": "u1", "email": "a@example.com", "locale": "en", "custom_properties": None}
        ],
    }


@pytest.mark.parametrize("value", [{"id": "u1"}, "u1", 5, None, SAMPLE_DIR])
def test_anything_else_is_an_invalid_argument(value: object) -> None:
    with pytest.raises(InvalidArgumentError, match="to_dict"):
        to_dict(value)
