"""Authentication, not-found answers and Django/DRF routing behaviour."""

from __future__ import annotations

import aiohttp
import pytest

from cariqa_async.sandbox import Sandbox
from tests.contract.schemas import DETAIL, validate

from .sandbox_helpers import auth, get, sessions_url

NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer  ", "Token sandbox-token", "bearer sandbox-token", "Bearer a b"],
)
async def test_missing_or_malformed_authorization_is_401(
    sandbox: Sandbox, http: aiohttp.ClientSession, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    status, body, response = await get(http, f"{sandbox.url}/api/v1/users/", headers)
    assert status == 401
    assert body == NOT_PROVIDED
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


async def test_unknown_token_is_403(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    status, body, response = await get(http, f"{sandbox.url}/api/v1/users/", auth(sandbox, "nope"))
    assert status == 403
    validate(body, DETAIL)
    assert "WWW-Authenticate" not in response.headers


async def test_token_rotation_and_revocation(http: aiohttp.ClientSession) -> None:
    async with Sandbox(users=2, tokens=["old", "new"]) as sb:
        url = f"{sb.url}/api/v1/users/"
        assert sb.token == "old"
        assert sb.tokens == ("old", "new")
        assert (await get(http, url, auth(sb, "new")))[0] == 200
        sb.revoke_token("old")
        assert (await get(http, url, auth(sb, "old")))[0] == 403
        sb.add_token("newer")
        assert (await get(http, url, auth(sb, "newer")))[0] == 200
        sb.revoke_token("new")
        sb.revoke_token("newer")
        with pytest.raises(RuntimeError, match="revoked"):
            _ = sb.token
        assert (await get(http, url, auth(sb, "new")))[0] == 403
    with pytest.raises(ValueError, match="token"):
        Sandbox(users=1, tokens=[])
    with pytest.raises(ValueError, match="token"):
        Sandbox(users=1).add_token("")


async def test_unknown_user_and_session_are_404(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    owner, other = sandbox.user_ids[5], sandbox.user_ids[6]
    session = sandbox.session_ids(owner)[0]
    unknown_user = "00000000-0000-4000-8000-000000000000"
    not_found = {"detail": "Not found."}
    cases = [
        f"{sandbox.url}/api/v1/users/{unknown_user}/",
        sessions_url(sandbox.url, unknown_user),
        sessions_url(sandbox.url, unknown_user, f"{session}/"),
        sessions_url(sandbox.url, other, f"{session}/"),  # another user's session
        sessions_url(sandbox.url, owner, f"{unknown_user}/"),
        sessions_url(sandbox.url, owner, "not-a-uuid/"),
        sessions_url(sandbox.url, owner, f"{owner}/"),  # a user id is no session id
    ]
    for url in cases:
        status, body, _ = await get(http, url, auth(sandbox))
        assert (status, body) == (404, not_found), url
    status, body, _ = await get(
        http, sessions_url(sandbox.url, owner, f"{session}/"), auth(sandbox)
    )
    assert status == 200
    assert body["id"] == session


async def test_a_session_from_another_seed_is_not_found(http: aiohttp.ClientSession) -> None:
    async with (
        Sandbox(seed=1, sessions_per_user=[3]) as one,
        Sandbox(seed=2, sessions_per_user=[3]) as two,
    ):
        foreign = two.session_ids(two.user_ids[0])[0]
        url = sessions_url(one.url, one.user_ids[0], f"{foreign}/")
        assert (await get(http, url, auth(one)))[0] == 404


async def test_user_detail(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    user = sandbox.user_ids[2]
    status, body, _ = await get(http, f"{sandbox.url}/api/v1/users/{user}/", auth(sandbox))
    assert status == 200
    assert body["id"] == user
    assert set(body) == {"id", "email", "locale", "custom_properties"}


async def test_unknown_path_is_djangos_html_404_without_auth(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    for path in ("/api/v1/nothing/", "/api/v2/users/", "/"):
        status, body, response = await get(http, sandbox.url + path)
        assert status == 404
        assert response.content_type == "text/html"
        assert "<h1>Not Found</h1>" in body


async def test_missing_trailing_slash_redirects(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user = sandbox.user_ids[3]
    status, _, response = await get(
        http, f"{sandbox.url}/api/v1/users/{user}/charging-sessions?page=2"
    )
    assert status == 301
    assert response.headers["Location"] == f"/api/v1/users/{user}/charging-sessions/?page=2"
    # Followed, the redirect works like the canonical URL.
    async with http.get(
        f"{sandbox.url}/api/v1/users/{user}/charging-sessions", headers=auth(sandbox)
    ) as followed:
        assert followed.status == 200
        assert (await followed.json())["count"] == 10


async def test_wrong_method_is_405_after_authentication(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    url = f"{sandbox.url}/api/v1/users/"
    async with http.put(url) as response:
        assert response.status == 401
    async with http.put(url, headers=auth(sandbox)) as response:
        assert response.status == 405
        assert await response.json() == {"detail": 'Method "PUT" not allowed.'}
        assert "GET" in response.headers["Allow"]
