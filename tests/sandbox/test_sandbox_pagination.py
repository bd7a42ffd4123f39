"""Django REST Framework page-number semantics, over real sockets."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from cariqa_async.sandbox import Sandbox
from cariqa_async.sandbox._api import search_terms
from cariqa_async.sandbox._pagination import InvalidPageError, page_number, page_size

from .sandbox_helpers import COUNTS, auth, get, sessions_url


def matches(user: dict[str, Any], term: str) -> bool:
    external = user["custom_properties"]["external_id"] or ""
    return term.lower() in user["id"] or term.lower() in external.lower()


def user_with(sb: Sandbox, count: int) -> str:
    return sb.user_ids[COUNTS.index(count)]


async def test_default_page_size_and_envelope(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user = user_with(sandbox, 25)
    url = sessions_url(sandbox.url, user)
    async with http.get(url, headers=auth(sandbox)) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        body = await response.json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == 25
    assert len(body["results"]) == 10
    assert body["next"] == f"{url}?page=2"
    assert body["previous"] is None
    assert [s["id"] for s in body["results"]] == sandbox.session_ids(user)[:10]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?page_size=7", 7),
        ("?page_size=100", 100),
        ("?page_size=101", 100),  # silently capped at max_page_size
        ("?page_size=100000", 100),
        ("?page_size=abc", 10),  # invalid: DRF falls back to the default
        ("?page_size=0", 10),
        ("?page_size=-5", 10),
        ("?page_size=", 10),
        ("?page_size=2.5", 10),
        ("?page_size=3&page_size=4", 4),  # Django's QueryDict: the last value wins
        ("?page_size=%2012%20", 12),  # int() ignores surrounding spaces
    ],
)
async def test_page_size(
    sandbox: Sandbox, http: aiohttp.ClientSession, query: str, expected: int
) -> None:
    status, body, _ = await get(
        http, sessions_url(sandbox.url, user_with(sandbox, 250), query), auth(sandbox)
    )
    assert status == 200
    assert len(body["results"]) == expected
    assert body["count"] == 250


async def test_configurable_caps(http: aiohttp.ClientSession) -> None:
    async with Sandbox(sessions_per_user=[60], page_size=5, max_page_size=20) as sb:
        url = sessions_url(sb.url, sb.user_ids[0])
        _, default, _ = await get(http, url, auth(sb))
        _, capped, _ = await get(http, url + "?page_size=50", auth(sb))
    assert len(default["results"]) == 5
    assert len(capped["results"]) == 20
    assert capped["next"].endswith("?page=2&page_size=50")  # the link keeps what was asked


@pytest.mark.parametrize(
    ("count", "query", "first", "size"),
    [
        (25, "?page=3", 20, 5),
        (25, "?page=last", 20, 5),
        (100, "?page=last", 90, 10),
        (101, "?page=last", 100, 1),
        (25, "?page=", 0, 10),  # blank: DRF's "or 1"
        (25, "?page=%202%20", 10, 10),
        (25, "?page=9&page=2", 10, 10),  # last value wins
    ],
)
async def test_page_numbers(
    sandbox: Sandbox, http: aiohttp.ClientSession, count: int, query: str, first: int, size: int
) -> None:
    user = user_with(sandbox, count)
    status, body, _ = await get(http, sessions_url(sandbox.url, user, query), auth(sandbox))
    assert status == 200
    assert [s["id"] for s in body["results"]] == sandbox.session_ids(user)[first : first + size]
    assert body["count"] == count


@pytest.mark.parametrize("page", ["4", "0", "-1", "1.0", "2.5", "abc", "lastpage", "LAST", "1e1"])
async def test_invalid_pages(sandbox: Sandbox, http: aiohttp.ClientSession, page: str) -> None:
    url = sessions_url(sandbox.url, user_with(sandbox, 25), f"?page={page}")
    status, body, _ = await get(http, url, auth(sandbox))
    assert status == 404
    assert body == {"detail": "Invalid page."}


async def test_empty_list_has_one_empty_page(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    user = user_with(sandbox, 0)
    for query in ("", "?page=1", "?page=last"):
        status, body, _ = await get(http, sessions_url(sandbox.url, user, query), auth(sandbox))
        assert status == 200
        assert body == {"count": 0, "next": None, "previous": None, "results": []}
    status, _, _ = await get(http, sessions_url(sandbox.url, user, "?page=2"), auth(sandbox))
    assert status == 404


async def test_links_use_host_header_and_keep_sorted_query(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user = user_with(sandbox, 99)
    headers = {**auth(sandbox), "Host": "api.example.org:8443"}
    base = f"http://api.example.org:8443/api/v1/users/{user}/charging-sessions/"

    _, page2, _ = await get(
        http, sessions_url(sandbox.url, user, "?x=1&page_size=20&page=2"), headers
    )
    assert page2["next"] == f"{base}?page=3&page_size=20&x=1"
    assert page2["previous"] == f"{base}?page_size=20&x=1"  # page 2: `page` removed

    _, page3, _ = await get(http, sessions_url(sandbox.url, user, "?page=3&page_size=20"), headers)
    assert page3["previous"] == f"{base}?page=2&page_size=20"

    _, last, _ = await get(
        http, sessions_url(sandbox.url, user, "?page=last&page_size=20"), headers
    )
    assert last["next"] is None
    assert last["previous"] == f"{base}?page=4&page_size=20"
    assert len(last["results"]) == 19


async def test_walking_next_links_visits_every_item_once(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user = user_with(sandbox, 101)
    url: str | None = sessions_url(sandbox.url, user, "?page_size=20")
    seen: list[str] = []
    pages = 0
    while url is not None:
        status, body, _ = await get(http, url, auth(sandbox))
        assert status == 200
        assert body["count"] == 101  # on every page
        seen += [s["id"] for s in body["results"]]
        url = body["next"]
        pages += 1
    assert pages == 6
    assert seen == sandbox.session_ids(user)
    assert len(set(seen)) == 101


async def test_users_list_and_search(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    base = f"{sandbox.url}/api/v1/users/"
    _, body, _ = await get(http, base + "?page_size=100", auth(sandbox))
    users = body["results"]
    assert [u["id"] for u in users] == sandbox.user_ids
    assert body["count"] == len(COUNTS)

    target = users[3]
    fragment = target["id"][9:18].upper()  # case-insensitive "contains"
    _, found, _ = await get(http, base + f"?search={fragment}", auth(sandbox))
    assert target["id"] in [u["id"] for u in found["results"]]
    assert all(fragment.lower() in u["id"] for u in found["results"])

    external = next(u for u in users if u["custom_properties"]["external_id"])
    needle = external["custom_properties"]["external_id"][4:9].lower()
    _, by_external, _ = await get(http, base + f"?search={needle}", auth(sandbox))
    expected = [u["id"] for u in users if matches(u, needle)]
    assert [u["id"] for u in by_external["results"]] == expected
    assert by_external["count"] == len(expected)

    # Several terms must all match; the links keep the search.
    _, both, _ = await get(http, base + f"?search=00,{needle}&page_size=1", auth(sandbox))
    expected_both = [u["id"] for u in users if matches(u, needle) and matches(u, "00")]
    assert both["count"] == len(expected_both) >= 1
    assert [u["id"] for u in both["results"]] == expected_both[:1]
    if both["count"] > 1:
        assert f"page=2&page_size=1&search=00%2C{needle}" in both["next"]

    _, none, _ = await get(http, base + "?search=no-such-user", auth(sandbox))
    assert none == {"count": 0, "next": None, "previous": None, "results": []}


def test_search_terms_split_like_drf() -> None:
    assert search_terms("a b,c") == ["a", "b", "c"]
    assert search_terms(' "two words" x ') == ["two words", "x"]
    assert search_terms(",,a,,") == ["a"]
    assert search_terms("") == []


def test_page_size_and_number_functions() -> None:
    assert page_size([], 10, 100) == 10
    assert page_size(["1_0"], 10, 100) == 10  # Python's int() accepts underscores, as Django
    assert page_size(["500"], 10, 0) == 500  # no cap configured
    assert page_number([], 3) == 1
    assert page_number(["last"], 3) == 3
    with pytest.raises(InvalidPageError):
        page_number(["4"], 3)
