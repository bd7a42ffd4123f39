"""The generic per-owner collection, and the request/answer helpers every resource shares."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
import pytest

from cariqa_async.sandbox import Sandbox
from cariqa_async.sandbox._collection import Collection, Kind, RenderCache
from cariqa_async.sandbox._http import field_errors, required, rich_error
from tests.contract.schemas import ERROR_DETAIL, validate

from .sandbox_helpers import auth, get, sessions_url


class Records:
    """A generator that counts its calls: seeded record ``k`` is ``{"id": k}``."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, key: int) -> dict[str, Any]:
        self.calls.append(key)
        return {"id": key, "note": None}


def make(seeded: int = 5, cache_size: int = 100) -> tuple[Collection, Records, RenderCache]:
    records, cache = Records(), RenderCache(cache_size)
    kind = Kind(tag=9, seeded=lambda _s, _o: seeded, generator=lambda _s, _o: records,
                first_created=1000)  # fmt: skip
    return Collection(kind, 3, seeded, records, cache), records, cache


def test_seeded_records_are_generated_on_demand_and_rendered_once() -> None:
    collection, records, _ = make()
    assert len(collection) == 5
    assert records.calls == []
    assert collection.page(1, 3) == [b'{"id":1,"note":null}', b'{"id":2,"note":null}']
    assert collection.page(1, 3) == collection.page(1, 3)
    assert records.calls == [1, 2]  # the cache answered the rest


def test_update_overlays_a_record_and_refreshes_its_rendering() -> None:
    collection, _, _ = make()
    assert collection.render(2) == b'{"id":2,"note":null}'
    assert collection.update(2, {"note": "rated"}) == {"id": 2, "note": "rated"}
    assert collection.render(2) == b'{"id":2,"note":"rated"}'
    assert collection.record(2)["note"] == "rated"
    with pytest.raises(KeyError):
        collection.update(99, {"note": "x"})


def test_create_inserts_records_with_their_own_keys() -> None:
    collection, _, _ = make()
    keys = collection.create(1, [lambda k: {"id": k, "note": "new"}] * 2)
    assert keys == [1000, 1001]
    assert list(collection) == [0, 1000, 1001, 1, 2, 3, 4]
    assert orjson.loads(collection.render(1001)) == {"id": 1001, "note": "new"}
    assert collection.create(7, [lambda k: {"id": k}]) == [1002]
    with pytest.raises(IndexError):
        collection.create(9, [])


def test_delete_forgets_order_overlay_and_cache() -> None:
    collection, records, cache = make()
    collection.update(1, {"note": "edited"})
    collection.render(3)
    assert collection.delete_at(1, 2) == [1, 2]
    collection.delete([3])
    assert list(collection) == [0, 4]
    assert 1 not in collection
    assert (9 << 40 | 3, 3) not in cache.bodies
    with pytest.raises(IndexError):
        collection.delete_at(1, 5)
    with pytest.raises(KeyError):
        collection.delete([3])
    assert records.calls == [1, 3]


def test_the_render_cache_is_bounded_and_can_be_off() -> None:
    collection, records, cache = make(cache_size=2)
    for key in (0, 1, 2, 0):
        collection.render(key)
    assert len(cache.bodies) == 2
    assert records.calls == [0, 1, 2, 0]  # 0 was evicted by 2
    uncached, records, cache = make(cache_size=0)
    uncached.render(0)
    uncached.render(0)
    assert (records.calls, len(cache.bodies)) == ([0, 0], 0)
    with pytest.raises(ValueError, match="cache size"):
        RenderCache(-1)


def test_drf_and_cariqa_error_answers() -> None:
    answer = required({"evse_id": "DE*CIQ*E1*1"}, "evse_id", "payment_method_id")
    assert answer is not None
    assert (answer.status, answer.content_type) == (400, "application/json")
    assert orjson.loads(answer.body) == {"payment_method_id": ["This field is required."]}
    assert required({"a": 1}, "a") is None
    assert orjson.loads(field_errors({"rates": ["bad", "worse"]}).body) == {
        "rates": ["bad", "worse"]
    }
    rich = rich_error(402, "payment_error", "Card declined", payment_intent_client_secret="pi_1")
    assert rich.status == 402
    body = orjson.loads(rich.body)
    validate(body, ERROR_DETAIL)
    assert body == {
        "detail": "Charging Error",
        "error": {
            "type": "payment_error",
            "details": "Card declined",
            "payment_intent_client_secret": "pi_1",
        },
    }


async def test_malformed_control_bodies_are_400(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    control = f"{sandbox.url}/_sandbox/users/{sandbox.user_ids[5]}/sessions"
    for data, message in (
        (b"{nope", "JSON parse error - "),
        (b"[1]", "Invalid data. Expected a dictionary, but got list."),
    ):
        async with http.post(control, data=data) as response:
            assert response.status == 400
            assert (await response.json())["detail"].startswith(message)


async def test_ids_are_found_ignoring_case_like_django_uuids(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user = sandbox.user_ids[5]
    session = sandbox.session_ids(user)[0]
    for url in (
        f"{sandbox.url}/api/v1/users/{user.upper()}/",
        sessions_url(sandbox.url, user.upper(), f"{session.upper()}/"),
    ):
        status, body, _ = await get(http, url, auth(sandbox))
        assert status == 200, url
        assert body["id"] in (user, session)
