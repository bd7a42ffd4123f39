"""Every unusable option raises one of our errors, before anything is sent (issue #9).

A constructor option raises ConfigurationError, an option of one call raises
InvalidArgumentError; both are also ValueError, so either ``except`` keeps working.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

import cariqa_async
from cariqa_async import (
    CariqaClient,
    CariqaError,
    ConfigurationError,
    InvalidArgumentError,
    RetryPolicy,
    Timeout,
)

from .conftest import BASE, TOKEN

NOT_COUNTS = [0, -1, 1.5, True, "8", None]
NOT_SECONDS = [0, -1, -0.5, math.nan, math.inf, -math.inf, True, "5"]


def _bad_client_options() -> list[Any]:
    cases: list[tuple[str, Any]] = []
    for value in NOT_COUNTS:
        cases += [
            ("concurrency", value),
            ("max_response_size", value),
            ("max_passes", value),
        ]
    for value in (-1, 1.5, True, "3"):
        cases.append(("max_retries", value))
    for value in NOT_SECONDS:
        cases.append(("timeout", value))
    for value in (0, -2, math.nan, math.inf, True, "3"):
        cases.append(("rate_limit", value))
    cases += [
        ("on_inconsistent", "ignore"),
        ("on_inconsistent", None),
        ("user_agent", ""),
        ("user_agent", "bot\r\nX-Evil: 1"),
        ("user_agent", 5),
        ("base_url", 5),
        ("base_url", "https://api.test:99999"),
        ("base_url", "not a url"),
        ("retry", 5),
        ("session", "a session"),
        ("strict", "false"),
        ("allow_insecure", 1),
    ]
    return [pytest.param(name, value, id=f"{name}={value!r}") for name, value in cases]


@pytest.mark.parametrize(("name", "value"), _bad_client_options())
def test_a_bad_client_option_is_a_configuration_error(name: str, value: Any) -> None:
    options = {"base_url": BASE, name: value}
    with pytest.raises(ConfigurationError) as info:
        CariqaClient(TOKEN, **options)
    assert isinstance(info.value, ValueError)
    if name != "user_agent":
        assert name in str(info.value)  # the message names the option


@pytest.mark.parametrize("field", ["connect", "read", "total"])
@pytest.mark.parametrize("value", NOT_SECONDS)
def test_timeout_fields_are_checked(field: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match=f"Timeout.{field}"):
        Timeout(**{field: value})


def test_timeout_none_disables_and_numbers_are_accepted() -> None:
    assert Timeout(connect=None, read=0.5, total=None).read == 0.5
    CariqaClient(TOKEN, base_url=BASE, timeout=2)
    CariqaClient(TOKEN, base_url=BASE, timeout=Timeout(total=None))


@pytest.mark.parametrize(
    "options",
    [
        {"max_retries": -1},
        {"max_retries": 2.5},
        {"backoff_base": 0},
        {"backoff_cap": math.nan},
        {"max_retry_after": -1},
        {"deadline": 0},
        {"deadline": math.inf},
        {"sleep": None},
    ],
    ids=repr,
)
def test_retry_policy_fields_are_checked(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="RetryPolicy"):
        RetryPolicy(**options)


def test_max_retries_of_the_client_overrides_the_policy_and_is_checked() -> None:
    # The example: plain ValueError before, documented as ConfigurationError.
    with pytest.raises(ConfigurationError, match="max_retries"):
        CariqaClient(TOKEN, base_url=BASE, max_retries=-1)
    with pytest.raises(ConfigurationError, match="deadline"):
        CariqaClient(TOKEN, base_url=BASE, retry=RetryPolicy(deadline=-5))


@pytest.fixture
async def client() -> Any:
    async with CariqaClient(TOKEN, base_url=BASE) as c:
        yield c


def _bad_walk_options() -> list[Any]:
    cases: list[dict[str, Any]] = []
    for value in (0, -1, 1.5, True, "100"):
        cases.append({"page_size": value})
        cases.append({"concurrency": value})
        cases.append({"max_passes": value})
    cases += [
        {"on_inconsistent": "ignore"},
        {"ordered": "yes"},
        {"verify": 1},
        {"verify": True, "max_passes": 1},
    ]
    return [pytest.param(case, id=repr(case)) for case in cases]


@pytest.mark.parametrize("options", _bad_walk_options())
async def test_a_bad_iter_option_is_an_invalid_argument_at_once(
    client: CariqaClient, options: dict[str, Any]
) -> None:
    walks: list[Callable[[], object]] = [
        lambda: client.charging_sessions.iter("u1", **options),
        lambda: client.users.iter(**options),
        lambda: client.stations.iter_around(latitude=1, longitude=2, **options),
    ]
    with aioresponses():  # nothing may be sent: any request would fail the test
        for walk in walks:
            with pytest.raises(InvalidArgumentError) as info:
                walk()  # raised by the call itself, not on the first page
            assert isinstance(info.value, ValueError)
            assert next(iter(options)) in str(info.value)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.charging_sessions.list("u1", page_size=0), id="list page_size=0"),
        pytest.param(lambda c: c.charging_sessions.list("u1", page=0), id="list page=0"),
        pytest.param(lambda c: c.users.list(page_size=1.5), id="users.list page_size=1.5"),
        pytest.param(lambda c: c.charging_sessions.rate("u1", "s1", 6), id="rate 6"),
        pytest.param(lambda c: c.charging_sessions.rate("u1", "s1", True), id="rate True"),
        pytest.param(lambda c: c.stations.get(), id="stations.get()"),
        pytest.param(
            lambda c: c.stations.get(station_id="a", evse_id="b"), id="stations.get(both)"
        ),
        pytest.param(lambda c: c.users.get("a/b"), id="id with a slash"),
        pytest.param(lambda c: c.users.get(""), id="empty id"),
        pytest.param(
            lambda c: c.charging.stop("u1", "s1", timeout=-1), id="charging.stop timeout=-1"
        ),
        pytest.param(
            lambda c: c.charging.start(
                "u1", evse_id="E1", payment_method_id="pm", timeout=math.nan
            ),
            id="charging.start timeout=nan",
        ),
    ],
)
async def test_a_bad_call_argument_is_an_invalid_argument(
    client: CariqaClient, call: Callable[[CariqaClient], Any]
) -> None:
    with aioresponses(), pytest.raises(InvalidArgumentError):
        await call(client)


@pytest.mark.parametrize("name", ["users_in_flight", "page_size", "window"])
@pytest.mark.parametrize("value", [0, -1, 1.5, True])
async def test_iter_many_checks_its_options_at_once(
    client: CariqaClient, name: str, value: Any
) -> None:
    with aioresponses(), pytest.raises(InvalidArgumentError, match=name):
        client.charging_sessions.iter_many(["u1"], **{name: value})


def test_every_argument_error_is_typed_for_both_except_styles() -> None:
    for cls in (ConfigurationError, InvalidArgumentError):
        assert issubclass(cls, CariqaError)
        assert issubclass(cls, ValueError)
        assert getattr(cariqa_async, cls.__name__) is cls


async def test_a_borrowed_session_is_accepted() -> None:
    async with (
        aiohttp.ClientSession() as session,
        CariqaClient(TOKEN, base_url=BASE, session=session) as c,
    ):
        assert not c.closed
