"""Users (create, patch, soft delete), billing details, payment methods, setup intents."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from cariqa_async.sandbox import Sandbox
from tests.contract.schemas import ERROR_DETAIL, USER, validate

from .sandbox_helpers import auth

NOT_A_DICT = "Invalid data. Expected a dictionary, but got str."
TOO_LONG = "Ensure this field has no more than 250 characters."


async def call(
    http: aiohttp.ClientSession, sb: Sandbox, method: str, path: str, body: object = None
) -> tuple[int, Any]:
    """Send one API request; return (status, parsed JSON or None)."""
    url = sb.url + "/api/v1/" + path
    async with http.request(method, url, headers=auth(sb), json=body) as response:
        if response.status == 204:
            return 204, None
        return response.status, await response.json()


def validation_fields(body: dict[str, Any]) -> dict[str, Any]:
    validate(body, ERROR_DETAIL)
    assert body["error"]["type"] == "validation_error"
    return {k: v for k, v in body.items() if k not in ("detail", "error")}


async def test_create_appends_a_user_with_defaults(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    before = sandbox.user_ids
    status, user = await call(
        http, sandbox, "POST", "users/", {"email": "ada@example.com", "id": "ignored"}
    )
    assert status == 201
    validate(user, USER)
    assert user["email"] == "ada@example.com"
    assert (user["locale"], user["custom_properties"]) == ("en", {"external_id": None})
    assert sandbox.user_ids == [*before, user["id"]]
    status, page = await call(http, sandbox, "GET", "users/?page=last")
    assert page["results"][-1] == user
    assert (await call(http, sandbox, "GET", f"users/{user['id']}/")) == (200, user)
    status, sessions = await call(http, sandbox, "GET", f"users/{user['id']}/charging-sessions/")
    assert (status, sessions["count"]) == (200, 0)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        ({"email": 12}, {"email": ["Enter a valid email address."]}),
        ({"email": ["a@b.de"]}, {"email": ["Not a valid string."]}),
        ({"locale": "fr"}, {"locale": ['"fr" is not a valid choice.']}),
        ({"locale": None}, {"locale": ["This field may not be null."]}),
        (
            {"custom_properties": "x"},
            {"custom_properties": {"non_field_errors": [NOT_A_DICT]}},
        ),
        (
            {"custom_properties": {"external_id": "x" * 251}},
            {"custom_properties": {"external_id": [TOO_LONG]}},
        ),
    ],
)  # fmt: skip
async def test_create_validates_like_drf(
    sandbox: Sandbox, http: aiohttp.ClientSession, body: dict[str, Any], errors: dict[str, Any]
) -> None:
    count = len(sandbox.user_ids)
    status, answer = await call(http, sandbox, "POST", "users/", body)
    assert status == 400
    assert validation_fields(answer) == errors
    assert len(sandbox.user_ids) == count  # nothing created


async def test_patch_changes_only_the_given_fields(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user_id = sandbox.user_ids[4]
    _, before = await call(http, sandbox, "GET", f"users/{user_id}/")
    status, after = await call(http, sandbox, "PATCH", f"users/{user_id}/", {"locale": "de"})
    assert status == 200
    assert after == {**before, "locale": "de"}
    status, after = await call(
        http, sandbox, "PATCH", f"users/{user_id}/", {"email": None, "custom_properties": {}}
    )
    assert after == {**before, "locale": "de", "email": None}
    _, after = await call(
        http, sandbox, "PATCH", f"users/{user_id}/", {"custom_properties": {"external_id": "E-1"}}
    )
    assert after["custom_properties"] == {"external_id": "E-1"}
    status, found = await call(http, sandbox, "GET", "users/?search=E-1")
    assert [u["id"] for u in found["results"]] == [user_id]
    _, after = await call(http, sandbox, "PATCH", f"users/{user_id}/", {"custom_properties": None})
    assert after["custom_properties"] is None
    assert (await call(http, sandbox, "GET", f"users/{user_id}/"))[1] == after
    status, answer = await call(http, sandbox, "PATCH", f"users/{user_id}/", {"locale": "xx"})
    assert status == 400
    assert validation_fields(answer) == {"locale": ['"xx" is not a valid choice.']}


async def test_soft_delete_makes_the_user_unknown_everywhere(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    user_id = sandbox.user_ids[5]
    assert (await call(http, sandbox, "DELETE", f"users/{user_id}/")) == (204, None)
    assert user_id not in sandbox.user_ids
    for path in ("", "charging-sessions/", "billing-details/", "payment-methods/", "invoices/"):
        status, body = await call(http, sandbox, "GET", f"users/{user_id}/{path}")
        assert (status, body) == (404, {"detail": "Not found."})
    assert (await call(http, sandbox, "DELETE", f"users/{user_id}/"))[0] == 404
    _, found = await call(http, sandbox, "GET", f"users/?search={user_id}")
    assert found["count"] == 0
    _, page = await call(http, sandbox, "GET", "users/?page_size=100")
    assert page["count"] == len(sandbox.user_ids) == 9


async def test_billing_details_new_users_are_blank_until_a_put(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    _, seeded = await call(http, sandbox, "GET", f"users/{sandbox.user_ids[0]}/billing-details/")
    assert seeded["line1"]
    assert seeded["postal_code"]
    _, user = await call(http, sandbox, "POST", "users/", {})
    path = f"users/{user['id']}/billing-details/"
    status, blank = await call(http, sandbox, "GET", path)
    assert status == 200
    assert (blank["line1"], blank["postal_code"], blank["account_type"]) == ("", "", "personal")
    status, answer = await call(http, sandbox, "PUT", path, {"line1": "", "city": "x" * 51})
    assert status == 400
    assert validation_fields(answer) == {
        "postal_code": ["This field is required."],
        "line1": ["This field may not be blank."],
        "city": ["Ensure this field has no more than 50 characters."],
    }
    full = {"line1": "Ring 1", "postal_code": "10115", "city": "Berlin", "account_type": "business"}
    status, saved = await call(http, sandbox, "PUT", path, full)
    assert status == 200
    assert {k: saved[k] for k in full} == full
    assert saved["first_name"] is None
    assert (await call(http, sandbox, "GET", path))[1] == saved
    # A PUT replaces everything: what it leaves out is reset.
    _, saved = await call(http, sandbox, "PUT", path, {"line1": "Ring 2", "postal_code": "1"})
    assert (saved["city"], saved["account_type"]) == (None, "personal")


async def pm_page(http: aiohttp.ClientSession, sb: Sandbox, user_id: str) -> list[dict[str, Any]]:
    status, page = await call(http, sb, "GET", f"users/{user_id}/payment-methods/?page_size=100")
    assert status == 200
    validate(page, "PaginatedConnectAPIPMList")
    return list(page["results"])


async def test_seeded_payment_methods_have_one_default_the_oldest(
    http: aiohttp.ClientSession,
) -> None:
    async with Sandbox(seed=4, users=40) as sb:
        counts = []
        for user_id in sb.user_ids:
            methods = await pm_page(http, sb, user_id)
            counts.append(len(methods))
            if methods:
                assert [m["default"] for m in methods] == [False] * (len(methods) - 1) + [True]
                created = [m["created_at"] for m in methods]
                assert created == sorted(created, reverse=True)
        assert set(counts) == {0, 1, 2, 3}


async def test_attach_default_set_default_and_delete_promotes_the_newest(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    _, user = await call(http, sandbox, "POST", "users/", {})
    user_id = user["id"]
    first = sandbox.attach_payment_method(user_id, "pm_card_visa")
    second = sandbox.attach_payment_method(user_id, "pm_card_mastercard")
    async with http.post(
        f"{sandbox.url}/_sandbox/users/{user_id}/payment-methods", json={"test_id": "pm_card_amex"}
    ) as response:
        assert response.status == 201
        third = (await response.json())["id"]
    methods = await pm_page(http, sandbox, user_id)
    assert [m["id"] for m in methods] == [third, second, first]  # newest first
    assert [m["default"] for m in methods] == [False, False, True]  # the first attached
    assert [m["card"]["brand"] for m in methods] == ["amex", "mastercard", "visa"]
    assert all(m["id"].startswith("pm_1") and len(m["id"]) == 28 for m in methods)

    path = f"users/{user_id}/payment-methods/"
    assert await call(http, sandbox, "POST", f"{path}{second}/default/") == (204, None)
    assert [m["default"] for m in await pm_page(http, sandbox, user_id)] == [False, True, False]
    assert await call(http, sandbox, "DELETE", f"{path}{second}/") == (204, None)
    assert [(m["id"], m["default"]) for m in await pm_page(http, sandbox, user_id)] == [
        (third, True),  # the newest one took over
        (first, False),
    ]
    assert (await call(http, sandbox, "DELETE", f"{path}{second}/"))[0] == 404
    assert (await call(http, sandbox, "POST", f"{path}pm_nope/default/"))[0] == 404
    await call(http, sandbox, "DELETE", f"{path}{first}/")
    await call(http, sandbox, "DELETE", f"{path}{third}/")
    assert await pm_page(http, sandbox, user_id) == []
    with pytest.raises(ValueError, match="pm_card_nope"):
        sandbox.attach_payment_method(user_id, "pm_card_nope")
    with pytest.raises(KeyError):
        sandbox.attach_payment_method("nobody")


async def test_setup_intents_are_fresh_and_only_for_cards(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    path = f"users/{sandbox.user_ids[2]}/setup-intents/"
    secrets = set()
    for query in ("", "?pm_type=card", "?pm_type=card"):
        status, body = await call(http, sandbox, "GET", path + query)
        assert status == 200
        validate(body, "ConnectAPISetupIntent")
        assert body["setup_intent_client_secret"].startswith("seti_1")
        assert "_secret_" in body["setup_intent_client_secret"]
        secrets.add(body["setup_intent_client_secret"])
    assert len(secrets) == 3
    status, body = await call(http, sandbox, "GET", path + "?pm_type=sepa_debit")
    assert status == 400
    assert validation_fields(body) == {"pm_type": ['"sepa_debit" is not a valid choice.']}


async def test_doc_variants_name_the_setup_intent_secret_client_secret(
    http: aiohttp.ClientSession,
) -> None:
    async with Sandbox(seed=2, users=3, doc_variants=True) as sb:
        assert sb.doc_variants
        _, body = await call(http, sb, "GET", f"users/{sb.user_ids[0]}/setup-intents/")
        assert list(body) == ["client_secret"]
        assert body["client_secret"].startswith("seti_1")


async def test_accounts_are_reproducible_per_seed(http: aiohttp.ClientSession) -> None:
    def strip(body: Any, sb: Sandbox) -> Any:
        return str(body).replace(sb.url, "")

    seen = []
    for seed in (8, 8, 9):
        async with Sandbox(seed=seed, users=12) as sb:
            bodies = []
            for user_id in sb.user_ids:
                for path in ("billing-details/", "payment-methods/", "invoices/"):
                    bodies.append((await call(http, sb, "GET", f"users/{user_id}/{path}"))[1])
                bodies.append((await call(http, sb, "GET", f"users/{user_id}/charging/debts/"))[1])
            bodies.append(sb.attach_payment_method(sb.user_ids[0]))
            bodies.append(
                (await call(http, sb, "GET", f"users/{sb.user_ids[0]}/setup-intents/"))[1]
            )
            seen.append(strip(bodies, sb))
    assert seen[0] == seen[1]
    assert seen[0] != seen[2]
