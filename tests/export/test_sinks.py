"""The JSON Lines sink writes exactly ``{"user_id": ..., **record}``, byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cariqa_async.export._sinks import JsonlSink
from cariqa_async.export._tally import digest, record_digest
from tests import strategies

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


def expected(user_id: str, page: list[dict[str, Any]]) -> list[bytes]:
    return [orjson.dumps({"user_id": user_id, **row}) + b"\n" for row in page]


def written(tmp_path: Path, user_id: str, page: list[dict[str, Any]]) -> tuple[bytes, int]:
    path = tmp_path / "s.jsonl"
    path.unlink(missing_ok=True)
    sink = JsonlSink(path)
    try:
        page_digest = sink.write(user_id, page)
    finally:
        sink.close()
    return path.read_bytes(), page_digest


@settings(max_examples=100, deadline=None)
@given(strategies.sessions, st.text(min_size=1, max_size=12))
def test_a_session_record_is_its_json_after_the_user_id(
    tmp_path_factory: pytest.TempPathFactory, session: dict[str, Any], user_id: str
) -> None:
    tmp_path = tmp_path_factory.mktemp("sink")
    data, page_digest = written(tmp_path, user_id, [session, session])
    lines = expected(user_id, [session, session])
    assert data == b"".join(lines)
    assert page_digest == digest(lines)


@pytest.mark.parametrize(
    "page",
    [
        [{}],  # no field: no comma after the user id
        [{"user_id": "theirs", "id": "s1"}],  # the API's own user_id wins, as in a dict
        [{"id": "s1"}, {}, {"user_id": 7}],
    ],
)
def test_edge_records(tmp_path: Path, page: list[dict[str, Any]]) -> None:
    data, _ = written(tmp_path, 'u-ü"1', page)
    assert data == b"".join(expected('u-ü"1', page))
    assert [orjson.loads(line) for line in data.splitlines()] == [
        {"user_id": 'u-ü"1', **row} for row in page
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=6), _JSON, max_size=4), max_size=4))
def test_any_json_objects(tmp_path_factory: pytest.TempPathFactory, page: list[Any]) -> None:
    tmp_path = tmp_path_factory.mktemp("sink")
    data, _ = written(tmp_path, "u", page)
    assert data == b"".join(expected("u", page))


@given(st.lists(st.binary(max_size=64), max_size=5))
def test_a_page_digest_is_the_sum_of_its_records_digests(records: list[bytes]) -> None:
    # Written pages are digested at once, records read back one by one: the same.
    assert digest(records) == sum(record_digest(record) for record in records)
