"""The ``cariqa_sandbox`` pytest fixture and marker, run in inner pytest sessions."""

from __future__ import annotations

import pytest

# Here rather than in tests/sandbox/conftest.py: pytest only accepts pytest_plugins
# in the top-level conftest, and this directory is not the top level.
pytest_plugins = ["pytester"]

INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    return pytester


def test_fixture_and_marker_in_sync_tests(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import json, urllib.request
        import pytest

        def get(sb, path):
            headers = {"Authorization": "Bearer " + sb.token}
            request = urllib.request.Request(sb.url + path, headers=headers)
            with urllib.request.urlopen(request) as response:
                return json.load(response)

        def test_default(cariqa_sandbox) -> None:
            assert len(cariqa_sandbox.user_ids) == 300
            assert get(cariqa_sandbox, "/api/v1/users/")["count"] == 300

        @pytest.mark.cariqa_sandbox(seed=3, users=10, latency=0.01)
        def test_marker(cariqa_sandbox) -> None:
            assert cariqa_sandbox.seed == 3
            assert get(cariqa_sandbox, "/api/v1/users/")["count"] == 10
            assert cariqa_sandbox.faults.latency == 0.01
            assert cariqa_sandbox.stats.requests == 1

        @pytest.mark.cariqa_sandbox(sessions_per_user=[4, 0])
        class TestClassMarker:
            def test_counts(self, cariqa_sandbox) -> None:
                ids = cariqa_sandbox.user_ids
                assert [cariqa_sandbox.session_count(u) for u in ids] == [4, 0]
        """
    )
    result = inner.runpytest("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_fixture_in_async_tests(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import aiohttp
        import pytest

        @pytest.mark.cariqa_sandbox(users=5, tokens="secret")
        async def test_async_client(cariqa_sandbox) -> None:
            headers = {"Authorization": "Bearer secret"}
            async with aiohttp.ClientSession() as http:
                async with http.get(cariqa_sandbox.url + "/api/v1/users/", headers=headers) as r:
                    assert (await r.json())["count"] == 5
        """
    )
    inner.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_marker_is_registered(inner: pytest.Pytester) -> None:
    result = inner.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.cariqa_sandbox(**kwargs)*"])


def test_bad_marker_arguments_error(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import pytest

        @pytest.mark.cariqa_sandbox(3)
        def test_positional(cariqa_sandbox) -> None:
            pass

        @pytest.mark.cariqa_sandbox(colour="blue")
        def test_unknown_keyword(cariqa_sandbox) -> None:
            pass
        """
    )
    result = inner.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*keyword arguments only*", "*unexpected keyword*colour*"])
