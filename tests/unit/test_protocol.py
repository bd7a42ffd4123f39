from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cariqa_async import errors
from cariqa_async._protocol import (
    Response,
    api_path,
    decode_json,
    describe,
    error_for,
    is_loopback,
    parse_base_url,
    parse_retry_after,
    query,
    segment,
)

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)


def response(status: int, body: bytes, **headers: str) -> Response:
    return Response(status, {"Content-Type": "application/json", **headers}, body)


class TestSegment:
    @pytest.mark.parametrize(
        "hostile",
        ["", ".", "..", "../stations", "a/b", "a?b", "a#b", "a\\b", "a%2Fb", "a b", "a\nb", "\x00"],
    )
    def test_rejects_what_could_change_the_path(self, hostile: str) -> None:
        with pytest.raises(ValueError, match="user_id"):
            segment(hostile, "user_id")

    @pytest.mark.parametrize("wrong", [None, 1.5, True, b"abc", ["a"]])
    def test_rejects_non_strings(self, wrong: object) -> None:
        with pytest.raises(ValueError, match="must be a string"):
            segment(wrong, "session_id")

    def test_keeps_uuids_and_encodes_the_rest(self) -> None:
        assert segment("ab7ae756-b663-43b9-a025-40c51dd503d9", "x") == (
            "ab7ae756-b663-43b9-a025-40c51dd503d9"
        )
        assert segment("DE*CIQ*E1*2", "x") == "DE*CIQ*E1*2"
        assert segment("müller", "x") == "m%C3%BCller"
        assert segment('a"<b>', "x") == "a%22%3Cb%3E"
        assert segment(42, "x") == "42"

    def test_api_path(self) -> None:
        assert api_path("users", "u1", "charging-sessions") == "/api/v1/users/u1/charging-sessions/"


class TestBaseUrl:
    def test_https_is_accepted_and_normalised(self) -> None:
        assert str(parse_base_url("https://connect.cariqa.com/")) == "https://connect.cariqa.com"

    @pytest.mark.parametrize(
        "url", ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "http://127.9.9.9"]
    )
    def test_plain_http_only_to_loopback(self, url: str) -> None:
        assert parse_base_url(url).scheme == "http"

    def test_plain_http_elsewhere_needs_opt_in(self) -> None:
        with pytest.raises(errors.ConfigurationError, match="https"):
            parse_base_url("http://connect.cariqa.com")
        assert parse_base_url("http://connect.cariqa.com", allow_insecure=True).host

    @pytest.mark.parametrize(
        "url",
        [
            "connect.cariqa.com",
            "ftp://connect.cariqa.com",
            "https://user:pw@connect.cariqa.com",
            "https://connect.cariqa.com/api/v1/",
            "https://connect.cariqa.com/?x=1",
        ],
    )
    def test_rejects_other_shapes(self, url: str) -> None:
        with pytest.raises(errors.ConfigurationError):
            parse_base_url(url)

    def test_loopback_detection(self) -> None:
        assert is_loopback("LOCALHOST")
        assert is_loopback("api.localhost")
        assert not is_loopback("localhost.evil.com")
        assert not is_loopback("10.0.0.1")


def test_query_drops_none_and_describe_renders() -> None:
    params = query({"page": 2, "page_size": None, "search": "a b"})
    assert params == [("page", "2"), ("search", "a b")]
    assert describe("/api/v1/users/", params) == "/api/v1/users/?page=2&search=a%20b"
    assert describe("/api/v1/users/", []) == "/api/v1/users/"


def test_query_repeats_list_items_and_renders_booleans_as_drf_reads_them() -> None:
    params = query(
        {"types": ["CCS", "TYPE_2"], "x": (1, 2), "on": True, "off": False, "none": None}
    )
    assert params == [
        ("types", "CCS"), ("types", "TYPE_2"), ("x", "1"), ("x", "2"), ("on", "true"),
        ("off", "false"),
    ]  # fmt: skip
    assert query({"empty": []}) == []


def test_describe_shows_an_encoded_path_once() -> None:
    path = "/api/v1/users/" + segment("über", "user_id") + "/"
    assert describe(path, []) == "/api/v1/users/%C3%BCber/"
    assert describe(path, [("search", "ü")]) == "/api/v1/users/%C3%BCber/?search=%C3%BC"


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.text(max_size=6) | st.sampled_from(["page", "page_size", "q"]),
            st.text(max_size=6) | st.integers(0, 10**6).map(str),
        ),
        max_size=4,
    )
)
def test_describe_renders_what_urlencode_renders(params: list[tuple[str, str]]) -> None:
    # The shortcut for plain keys and values must give urlencode's exact text.
    expected = f"/p/?{urlencode(params, quote_via=quote)}" if params else "/p/"
    assert describe("/p/", params) == expected


class TestDecode:
    def test_json(self) -> None:
        assert decode_json(response(200, b'{"a": 1}'), method="GET", path="/p") == {"a": 1}

    @pytest.mark.parametrize("body", [b"", b'{"count": 3, "res', b"<html>502</html>", b"\xff\xfe"])
    def test_not_json_is_a_decode_error(self, body: bytes) -> None:
        with pytest.raises(errors.DecodeError) as info:
            decode_json(response(200, body), method="GET", path="/p?page=2")
        assert info.value.status == 200
        assert info.value.path == "/p?page=2"
        assert "not valid JSON" in str(info.value)


class TestErrorFor:
    @pytest.mark.parametrize(
        ("status", "cls"),
        [
            (400, errors.BadRequestError),
            (401, errors.AuthenticationError),
            (402, errors.PaymentRequiredError),
            (403, errors.PermissionDeniedError),
            (404, errors.NotFoundError),
            (409, errors.ConflictError),
            (423, errors.LockedError),
            (424, errors.FailedDependencyError),
            (429, errors.RateLimitError),
            (500, errors.ServerError),
            (502, errors.ServerError),
            (503, errors.ServerError),
            (504, errors.ServerError),
            (418, errors.APIError),
            (301, errors.APIError),
        ],
    )
    def test_one_class_per_status(self, status: int, cls: type[errors.APIError]) -> None:
        exc = error_for(response(status, b'{"detail": "nope"}'), method="GET", path="/p", now=NOW)
        assert type(exc) is cls
        assert exc.status == status
        assert exc.detail == "nope"
        assert (exc.method, exc.path) == ("GET", "/p")

    def test_rich_envelope(self) -> None:
        body = (
            b'{"detail": "Charging Error", "error": {"type": "already_charging", '
            b'"details": "User already has an active session", '
            b'"payment_intent_client_secret": "pi_123"}}'
        )
        exc = error_for(response(409, body), method="POST", path="/start/", now=NOW)
        assert isinstance(exc, errors.ConflictError)
        assert exc.error_type == "already_charging"
        assert exc.error_details == "User already has an active session"
        assert exc.payment_intent_client_secret == "pi_123"
        assert "already_charging" in str(exc)

    def test_invalid_page_is_its_own_not_found(self) -> None:
        exc = error_for(
            response(404, b'{"detail": "Invalid page."}'), method="GET", path="/p", now=NOW
        )
        assert isinstance(exc, errors.InvalidPageError)
        plain = error_for(
            response(404, b'{"detail": "Not found."}'), method="GET", path="/p", now=NOW
        )
        assert type(plain) is errors.NotFoundError

    def test_html_from_a_proxy(self) -> None:
        html = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
        exc = error_for(
            Response(502, {"Content-Type": "text/html"}, html), method="GET", path="/p", now=NOW
        )
        assert isinstance(exc, errors.ServerError)
        assert exc.detail is None
        assert "502 Bad Gateway" in str(exc)

    def test_retry_after_is_parsed(self) -> None:
        exc = error_for(
            response(429, b'{"detail": "slow down"}', **{"Retry-After": "7"}),
            method="GET",
            path="/p",
            now=NOW,
        )
        assert isinstance(exc, errors.RateLimitError)
        assert exc.retry_after == 7.0

    def test_odd_json_shapes_do_not_break_it(self) -> None:
        for body in (b"[]", b'"x"', b'{"detail": 5, "error": "x"}', b'{"error": {"type": 1}}'):
            exc = error_for(response(400, body), method="GET", path="/p", now=NOW)
            assert isinstance(exc, errors.BadRequestError)


class TestRetryAfter:
    def test_seconds(self) -> None:
        assert parse_retry_after("3", NOW) == 3.0
        assert parse_retry_after(" 1.5 ", NOW) == 1.5
        assert parse_retry_after("-4", NOW) == 0.0

    def test_http_date(self) -> None:
        later = NOW + timedelta(seconds=42)
        header = later.strftime("%a, %d %b %Y %H:%M:%S GMT")
        assert parse_retry_after(header, NOW) == 42.0
        earlier = (NOW - timedelta(seconds=5)).strftime("%a, %d %b %Y %H:%M:%S GMT")
        assert parse_retry_after(earlier, NOW) == 0.0

    @pytest.mark.parametrize("value", [None, "", "soon", "nan", "inf"])
    def test_garbage_is_none(self, value: str | None) -> None:
        assert parse_retry_after(value, NOW) is None
