"""Users: the platform's users (``ConnectAPIUser``), their generator and their routes.

A user is a pure function of ``(seed, index)``; its id encodes the index (see
:mod:`.._ids`), so looking a user up needs no index. The users are one
collection (owner 0) of the store: created users are appended (their key, the
next index, is their index), a soft-deleted user leaves the order, so every
route answers 404 for it. (Deleting is refused while the user charges or owes:
see :mod:`.charging`, which knows both.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import orjson
from aiohttp import web

from .._api import query_value, search_terms
from .._catalog import FIRST_NAMES, LAST_NAMES, MAIL_DOMAINS
from .._collection import Collection, Kind, Record
from .._data import Draws
from .._fields import Errors, choice, email, string
from .._http import Route, json_response, not_found, paginated, read_object
from .._ids import KIND_USER
from .._state import STATE
from .._store import Store

__all__ = [
    "KIND",
    "ROUTES",
    "collection",
    "create",
    "delete",
    "find",
    "generate",
    "ids",
    "is_seeded",
    "owner",
]

_TAG: Final = 1  # the draw tag of user records


def generate(draws: Draws, user: int) -> Record:
    """Return the ``ConnectAPIUser`` record of the user with this index."""
    d = draws.draw(_TAG, user)
    email = None
    if not d.chance(0.15):
        email = f"{d.pick(FIRST_NAMES)}.{d.pick(LAST_NAMES)}{user}@{d.pick(MAIL_DOMAINS)}"
    locale = "de" if d.chance(0.55) else "en"
    external_id = None if d.chance(0.2) else f"CRM-{user:05d}-{d.below(16**6):06X}"
    return {
        "id": draws.ids.encode(KIND_USER, user, 0),
        "email": email,
        "locale": locale,
        "custom_properties": {"external_id": external_id},
    }


#: The users: one collection, seeded with one user per session count.
KIND: Final = Kind(
    tag=0,
    seeded=lambda store, _: len(store.session_counts),
    generator=lambda store, _: lambda user: generate(store.draws, user),
    first_created=0,
)


def is_seeded(store: Store, user: int) -> bool:
    """Whether the user comes from the seed (rather than ``POST /api/v1/users/``)."""
    return user < len(store.session_counts)


def collection(store: Store) -> Collection:
    """The users of ``store`` (hold ``store.lock``)."""
    return store.collection(KIND, 0)


def find(store: Store, user_id: str) -> int | None:
    """Return the index of the user with this id, or ``None`` if there is none."""
    decoded = store.draws.ids.decode(user_id)
    if decoded is None or decoded[0] != KIND_USER:
        return None
    with store.lock:
        return decoded[1] if decoded[1] in collection(store) else None


def ids(store: Store) -> list[str]:
    """The ids of all users, in server order."""
    with store.lock:
        users = list(collection(store))
    return [store.draws.ids.encode(KIND_USER, user, 0) for user in users]


def owner(request: web.Request) -> int:
    """The index of the request's ``{user_id}``.

    Raises:
        Answer: ``404 Not found.`` if there is no such user.
    """
    user = find(request.app[STATE].store, request.match_info["user_id"])
    if user is None:
        raise not_found()
    return user


def _search(users: Collection, terms: Sequence[str]) -> list[int]:
    """The users matching every term, in server order.

    A term matches when it is contained, ignoring case, in the user's id or
    external id (DRF's ``SearchFilter`` with ``icontains`` lookups).
    """
    needles = [t.upper() for t in terms]
    found = []
    for user in users:
        record = users.record(user)
        external_id = (record.get("custom_properties") or {}).get("external_id") or ""
        haystacks = (record["id"].upper(), external_id.upper())
        if all(any(n in h for h in haystacks) for n in needles):
            found.append(user)
    return found


async def list_users(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/``: users in server order, filtered by ``search``."""
    store = request.app[STATE].store
    users = collection(store)
    terms = search_terms(query_value(request, "search") or "")
    matches = store.locked(lambda: _search(users, terms)) if terms else None

    def count() -> int:
        return len(users) if matches is None else len(matches)

    def fetch(start: int, stop: int) -> list[bytes]:
        if matches is None:
            return users.page(start, stop)
        return [users.render(user) for user in matches[start:stop]]

    return paginated(request, count, fetch)


async def get_user(request: web.Request) -> web.StreamResponse:
    """``GET /api/v1/users/{user_id}/``."""
    user = owner(request)
    store = request.app[STATE].store
    return json_response(store.locked(lambda: collection(store).render(user)))


_LOCALES: Final = ("en", "de")


def _validated(body: dict[str, Any], current: Record) -> Record:
    """The user ``current`` with the writable fields of ``body`` applied (DRF's rules).

    Raises:
        Answer: ``400 validation_error`` naming each invalid field.
    """
    errors = Errors()
    if "email" in body:
        errors.check("email", email(body["email"]))
    if "locale" in body:
        errors.check("locale", choice(body["locale"], _LOCALES))
    properties = body.get("custom_properties")
    if properties is not None and not isinstance(properties, dict):
        kind = type(properties).__name__
        message = f"Invalid data. Expected a dictionary, but got {kind}."
        errors.check("custom_properties", {"non_field_errors": [message]})
    elif properties is not None and "external_id" in properties:
        external = string(properties["external_id"], max_length=250)
        errors.check("custom_properties", {"external_id": external} if external else {})
    errors.raise_any()
    record = dict(current)
    if "email" in body:
        record["email"] = None if body["email"] is None else str(body["email"]).strip()
    if "locale" in body:
        record["locale"] = body["locale"]
    if "custom_properties" in body:
        if properties is None:
            record["custom_properties"] = None
        else:
            # A nested partial update: only the given properties change.
            merged = {**(current.get("custom_properties") or {"external_id": None})}
            if "external_id" in properties:
                external_id = properties["external_id"]
                merged["external_id"] = None if external_id is None else str(external_id)
            record["custom_properties"] = merged
    return record


def create(store: Store, fields: dict[str, Any]) -> Record:
    """Append a user made of ``fields`` (already validated); return its record."""
    with store.lock:
        users = collection(store)

        def make(key: int) -> Record:
            return {"id": store.draws.ids.encode(KIND_USER, key, 0), **fields}

        [key] = users.create(len(users), [make])
        return users.record(key)


def delete(store: Store, user: int) -> None:
    """Soft-delete a user: from now on it is unknown to every route."""
    with store.lock:
        collection(store).delete([user])


async def create_user(request: web.Request) -> web.StreamResponse:
    """``POST /api/v1/users/``: 201 with the new user, who is last in the list."""
    fresh: Record = {"email": None, "locale": "en", "custom_properties": {"external_id": None}}
    fields = _validated(await read_object(request), fresh)
    record = create(request.app[STATE].store, fields)
    return json_response(orjson.dumps(record), 201)


async def patch_user(request: web.Request) -> web.StreamResponse:
    """``PATCH /api/v1/users/{user_id}/``: only the given fields change; ``null`` sets null."""
    user = owner(request)
    body = await read_object(request)
    store = request.app[STATE].store
    with store.lock:
        users = collection(store)
        if user not in users:
            raise not_found()  # deleted while the body was read
        record = users.update(user, _validated(body, users.record(user)))
    return json_response(orjson.dumps(record))


#: The users' endpoints (``DELETE`` is :mod:`.charging`'s).
ROUTES: Final = (
    Route("GET", "/api/v1/users/", list_users, "users_list"),
    Route("POST", "/api/v1/users/", create_user, "users_create"),
    Route("GET", "/api/v1/users/{user_id}/", get_user, "users_retrieve"),
    Route("PATCH", "/api/v1/users/{user_id}/", patch_user, "users_partial_update"),
)
