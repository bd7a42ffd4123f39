"""Endpoint declarations: paths, idempotency, bodies."""

from __future__ import annotations

import pickle

import pytest

from cariqa_async import InvalidArgumentError, User
from cariqa_async._endpoints import NOT_GIVEN, Empty, Many, One, Paged, body


def test_paths_are_rendered_from_checked_segments() -> None:
    endpoint = One("op", "GET", "users/{user_id}/things/{thing_id}/", User)
    assert endpoint.params == ("user_id", "thing_id")
    assert endpoint.render({"user_id": "u 1"[:1] + "ü", "thing_id": "DE*CIQ*1"}) == (
        "/api/v1/users/u%C3%BC/things/DE*CIQ*1/"
    )
    for hostile in ("../x", "a/b", "a?b", "", "a#b", "%2e"):
        with pytest.raises(InvalidArgumentError):
            endpoint.render({"user_id": hostile, "thing_id": "t"})


@pytest.mark.parametrize(
    ("method", "idempotent"),
    [("GET", True), ("PUT", True), ("DELETE", True), ("POST", False), ("PATCH", False)],
)
def test_idempotency_follows_the_method_unless_declared(method: str, idempotent: bool) -> None:
    assert One("op", method, "x/", User).idempotent is idempotent
    assert One("op", method, "x/", User, idempotent=not idempotent).idempotent is not idempotent


def test_shapes_and_statuses() -> None:
    assert [cls.shape for cls in (One, Paged, Many, Empty)] == ["object", "page", "array", "none"]
    assert Empty("op", "DELETE", "x/", type(None), 204).status == 204


def test_walk_keys() -> None:
    by_name = Paged("op", "GET", "x/", User, key="id")
    assert by_name.model_key(User("u1")) == "u1"
    assert by_name.record_key({"id": "u1"}) == "u1"
    by_function = Paged("op", "GET", "x/", User, key=lambda user: (user.id, user.email))
    assert by_function.model_key(User("u1", "a@b")) == ("u1", "a@b")
    with pytest.raises(TypeError, match="field name"):
        by_function.record_key  # noqa: B018


def test_a_body_leaves_out_what_was_not_given_and_keeps_null() -> None:
    assert body(email=None, locale=NOT_GIVEN, external_id="e") == {
        "email": None,
        "external_id": "e",
    }
    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN
