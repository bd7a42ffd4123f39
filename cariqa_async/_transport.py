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

from ._protocol import Response
from .errors import CariqaConnectionError, CariqaTimeoutError, ResponseTooLargeError

DEFAULT_MAX_RESPONSE_SIZE: Final = 16 * 1024 * 1024


@attrs.frozen(slots=True)
class Timeout:
    """Per-attempt timeouts in seconds; ``None`` disables one.

    Attributes:
        connect: to get a connection from the pool and connect (incl. TLS).
        read: the longest silence while waiting for or reading the response.
        total: the whole attempt, connect to last byte. Off by default: a large,
            steadily arriving page is fine; a silent server is caught by ``read``.
    """

    connect: float | None = 10.0
    read: float | None = 30.0
    total: float | None = None

    def to_aiohttp(self) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=self.total, connect=self.connect, sock_read=self.read)


class Transport:
    """Sends requests to one origin with fixed headers, timeouts and a body-size cap."""

    __slots__ = ("_headers", "_max_size", "_origin", "_session", "_timeout")

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
        self._timeout = timeout.to_aiohttp()
        self._max_size = max_response_size

    async def send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        *,
        body: bytes | None = None,
        where: str,
    ) -> Response:
        """Perform one exchange. ``where`` is the path+query used in error messages.

        Raises:
            CariqaConnectionError: connecting failed or the connection broke, also
                mid-body (a truncated response).
            CariqaTimeoutError: a connect/read timeout expired.
            ResponseTooLargeError: the body exceeds ``max_response_size``.
        """
        # The URL is always origin + our own path: the token can only ever be sent
        # to the configured origin, never to a host taken from a response.
        url = self._origin.with_path(path, encoded=True)
        headers = self._headers
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        try:
            async with self._session.request(
                method,
                url,
                params=params,
                data=body,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            ) as resp:
                payload = await self._read(resp, method, where)
                return Response(resp.status, resp.headers, payload)
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
            raise CariqaTimeoutError(
                "timed out waiting for the API", method=method, path=where
            ) from None
        except aiohttp.ClientPayloadError as exc:
            raise CariqaConnectionError(
                f"response body was cut off: {_reason(exc)}", method=method, path=where
            ) from None
        except (aiohttp.ClientConnectionError, aiohttp.ClientResponseError, OSError) as exc:
            # `from None`: aiohttp's exceptions can hold the request's headers, and
            # with them the token; our message keeps what matters for diagnosis.
            raise CariqaConnectionError(
                f"connection failed: {_reason(exc)}", method=method, path=where
            ) from None

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
