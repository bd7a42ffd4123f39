"""The one I/O seam: the only module that talks to aiohttp's client.

``Transport.send`` performs exactly one HTTP exchange and returns a
:class:`~cariqa_async._protocol.Response` (status, headers, complete body) or raises
a :class:`~cariqa_async.errors.TransportError` / ``ResponseTooLargeError``. It knows
nothing of retries, JSON or models.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Final

import aiohttp
import attrs
from yarl import URL

from . import _options
from ._protocol import Query, Response
from .errors import (
    CariqaConnectionError,
    CariqaTimeoutError,
    ResponseTooLargeError,
    TransportError,
)

DEFAULT_MAX_RESPONSE_SIZE: Final = 16 * 1024 * 1024
_SECONDS_OR_NONE: Final = _options.validator(_options.seconds, allow_none=True)


class Secret(str):
    """A header value that is sent as it is but never shown: its ``repr`` is redacted.

    The Authorization header is held as one, so every mapping that carries it —
    ours, aiohttp's request headers, ``RequestInfo`` — prints ``'<redacted>'``
    in reprs, and so in tracebacks that capture local variables (``pytest
    --showlocals``, rich, Sentry).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<redacted>'"


@attrs.frozen(slots=True)
class Timeout:
    """Per-attempt timeouts in seconds; ``None`` disables one.

    Each must be a finite number above 0, or ``None``.

    Attributes:
        connect: to get a connection from the pool and connect (incl. TLS).
        read: the longest silence while waiting for or reading the response.
        total: the whole attempt, connect to last byte (default 60 s). ``read``
            alone never catches a server that trickles a byte now and then; this
            does, while leaving ample room for the largest page (16 MiB at most).
            A ``RetryPolicy.deadline`` further caps each attempt at the time left.

    Raises:
        ConfigurationError: a value is negative, zero, NaN, infinite or not a number.
    """

    connect: float | None = attrs.field(default=10.0, validator=_SECONDS_OR_NONE)
    read: float | None = attrs.field(default=30.0, validator=_SECONDS_OR_NONE)
    total: float | None = attrs.field(default=60.0, validator=_SECONDS_OR_NONE)

    def to_aiohttp(
        self, total: float | None = None, read: float | None = None
    ) -> aiohttp.ClientTimeout:
        """aiohttp's form; ``total`` (the time left before a deadline) caps ``self.total``,
        and ``read`` replaces ``self.read`` (one call's own read timeout)."""
        if total is None or (self.total is not None and total >= self.total):
            total = self.total
        return aiohttp.ClientTimeout(
            total=total, connect=self.connect, sock_read=self.read if read is None else read
        )


class Transport:
    """Sends requests to one origin with fixed headers, timeouts and a body-size cap."""

    __slots__ = (
        "_headers",
        "_json_headers",
        "_max_size",
        "_origin",
        "_session",
        "_timeout",
        "_timeouts",
    )

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        origin: URL,
        headers: Mapping[str, str],
        timeout: Timeout,
        max_response_size: int,
    ) -> None:
        self._session = session
        self._origin = origin
        self._headers = dict(headers)
        self._json_headers = {**self._headers, "Content-Type": "application/json"}
        self._timeouts = timeout
        self._timeout = timeout.to_aiohttp()
        self._max_size = max_response_size

    async def send(
        self,
        method: str,
        path: str,
        params: Query,
        *,
        body: bytes | None = None,
        where: str,
        total: float | None = None,
        read: float | None = None,
    ) -> Response:
        """Perform one exchange. ``where`` is the path+query used in error messages;
        ``total`` caps this attempt's duration below the configured ``Timeout.total``;
        ``read`` replaces ``Timeout.read`` for this exchange.

        Raises:
            CariqaConnectionError: connecting failed or the connection broke, also
                mid-body (a truncated response).
            CariqaTimeoutError: a connect/read timeout expired.
            Both say ``sent=False`` only when the request provably never reached the
            API (refused, DNS or TLS failure, connect timeout).
            ResponseTooLargeError: the body exceeds ``max_response_size``.
        """
        # The URL is always origin + our own path: the token can only ever be sent
        # to the configured origin, never to a host taken from a response.
        url = self._origin.with_path(path, encoded=True)
        headers = self._headers if body is None else self._json_headers
        timeout = (
            self._timeout
            if total is None and read is None
            else self._timeouts.to_aiohttp(total, read)
        )
        # The failure is built inside `except` but raised after it: raising there
        # would set `__context__` to aiohttp's exception, whose request_info holds
        # the request headers, and `from None` only hides that from printing.
        failure: TransportError | None = None
        try:
            async with self._session.request(
                method,
                url,
                params=params,
                data=body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            ) as resp:
                payload = await self._read(resp, method, where)
                return Response(resp.status, resp.headers, payload)
        except aiohttp.ConnectionTimeoutError:
            failure = CariqaTimeoutError(
                "timed out connecting to the API", method=method, path=where, sent=False
            )
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
            failure = CariqaTimeoutError("timed out waiting for the API", method=method, path=where)
        except aiohttp.ClientPayloadError as exc:
            failure = CariqaConnectionError(
                f"response body was cut off: {_reason(exc)}", method=method, path=where
            )
        except aiohttp.ClientConnectorError as exc:
            # Refused, DNS or TLS failure: no byte of the request reached the API.
            failure = CariqaConnectionError(
                f"could not connect: {_reason(exc)}", method=method, path=where, sent=False
            )
        except (aiohttp.ClientConnectionError, aiohttp.ClientResponseError, OSError) as exc:
            failure = CariqaConnectionError(
                f"connection failed: {_reason(exc)}", method=method, path=where
            )
        raise failure

    async def _read(self, resp: aiohttp.ClientResponse, method: str, where: str) -> bytes:
        limit = self._max_size
        length = resp.content_length
        if length is not None and length > limit:
            raise _too_large(method, where, resp.status, limit)
        if length is not None and "Content-Encoding" not in resp.headers:
            return await resp.read()
        # Unknown or compressed length: stream and stop as soon as the cap is crossed,
        # so a huge or decompression-bomb body never sits in memory.
        buffer = bytearray()
        async for chunk in resp.content.iter_any():
            buffer += chunk
            if len(buffer) > limit:
                resp.close()
                raise _too_large(method, where, resp.status, limit)
        return bytes(buffer)


def _too_large(method: str, where: str, status: int, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"response body exceeds max_response_size ({limit} bytes); not read",
        method=method,
        path=where,
        status=status,
        limit=limit,
    )


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
