"""What an APIError keeps of its response: headers, request id, the start of the body."""

from __future__ import annotations

import pickle
from datetime import datetime, timezone

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from cariqa_async import APIError, NotFoundError, ServerError
from cariqa_async._protocol import Response, error_for, request_id

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
TOKEN = "tok-SECRET-0123456789"


def headers(*pairs: tuple[str, str]) -> CIMultiDictProxy[str]:
    """Headers as aiohttp hands them over: case-insensitive, repeatable."""
    return CIMultiDictProxy(CIMultiDict([("Content-Type", "application/json"), *pairs]))


def error(status: int, body: bytes, *pairs: tuple[str, str], secret: str | None = None) -> APIError:
    return error_for(
        Response(status, headers(*pairs), body), method="GET", path="/p/", now=NOW, secret=secret
    )


def test_the_error_keeps_headers_request_id_and_body() -> None:
    body = b'{"detail": "Not found."}'
    exc = error(404, body, ("x-request-id", "req_42"), ("Vary", "Accept"))
    assert isinstance(exc, NotFoundError)
    assert exc.request_id == "req_42"
    assert exc.body == body
    assert exc.headers["X-Request-ID"] == "req_42"  # case-insensitive
    assert exc.headers["vary"] == "Accept"
    assert "req_42" in str(exc)
    with pytest.raises(TypeError):
        exc.headers["Vary"] = "x"  # type: ignore[index]  # read-only


def test_no_request_id_header_means_none() -> None:
    exc = error(404, b'{"detail": "Not found."}')
    assert exc.request_id is None
    assert "request id" not in str(exc)


@pytest.mark.parametrize(
    "name", ["X-Request-ID", "Request-Id", "X-Correlation-ID", "X-Amzn-RequestId"]
)
def test_common_request_id_headers_are_read(name: str) -> None:
    assert request_id(headers((name, "abc-1"))) == "abc-1"


def test_a_request_id_with_control_characters_is_ignored() -> None:
    assert request_id(headers(("X-Request-ID", "a\x1b[31mb"))) is None


def test_only_the_first_4_kib_of_the_body_is_kept() -> None:
    body = b"<html>" + b"x" * 100_000 + b"</html>"
    exc = error(502, body)
    assert isinstance(exc, ServerError)
    assert exc.body == body[:4096]
    assert len(str(exc)) < 1000


def test_a_huge_detail_is_bounded_in_message_attributes_and_pickle() -> None:
    body = b'{"detail": "' + b"d" * 1_000_000 + b'", "error": {"type": "x", "details": "'
    body += b"e" * 1_000_000 + b'"}}'
    exc = error(400, body)
    assert len(str(exc)) < 2000
    assert len(repr(exc)) < 2000
    assert exc.detail is not None
    assert len(exc.detail) <= 4096
    assert exc.error_details is not None
    assert len(exc.error_details) <= 4096
    assert len(pickle.dumps(exc)) < 20_000


def test_set_cookie_is_redacted() -> None:
    exc = error(
        403,
        b'{"detail": "no"}',
        ("Set-Cookie", "sessionid=abc123; HttpOnly"),
        ("set-cookie", "csrftoken=def456"),
    )
    assert exc.headers.getall("Set-Cookie") == ["<redacted>", "<redacted>"]
    for text in (str(exc), repr(exc), repr(vars(exc)), pickle.dumps(exc).decode("latin-1")):
        assert "abc123" not in text
        assert "def456" not in text


def test_a_token_echoed_by_a_proxy_is_redacted_everywhere() -> None:
    body = b'{"detail": "bad header: Authorization: Bearer ' + TOKEN.encode() + b'"}'
    exc = error(401, body, ("X-Echo", f"Bearer {TOKEN}"), secret=TOKEN)
    texts = [
        str(exc),
        repr(exc),
        repr(vars(exc)),
        repr(exc.body),
        repr(dict(exc.headers)),
        pickle.dumps(exc).decode("latin-1"),
    ]
    for text in texts:
        assert "SECRET" not in text
    assert exc.detail == "bad header: Authorization: Bearer <redacted>"


def test_the_error_pickles_with_everything_it_keeps() -> None:
    exc = error(503, b'{"detail": "busy"}', ("X-Request-ID", "req_7"), ("Retry-After", "3"))
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is ServerError
    assert copy.request_id == "req_7"
    assert copy.body == exc.body
    assert copy.headers["retry-after"] == "3"
    assert copy.retry_after == 3
    assert str(copy) == str(exc)


def test_an_api_error_built_by_hand_still_works() -> None:
    # Applications build errors in their own tests: the new fields are optional.
    exc = NotFoundError("HTTP 404: gone", method="GET", path="/x/", status=404)
    assert exc.headers == {}
    assert exc.request_id is None
    assert exc.body == b""
    assert pickle.loads(pickle.dumps(exc)).status == 404
