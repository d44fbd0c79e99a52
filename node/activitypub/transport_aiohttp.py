"""The aiohttp half of the delivery client, imported at the first delivery.

aiohttp and httpx-aiohttp hold about 9 MB of an idle node's memory (issue 7, item 14),
so :mod:`node.activitypub.transport` loads this module only when its client first sends
something. The SSRF layers 2 and 3 described there live here: the resolver that refuses
a name when any of its addresses is forbidden, and the socket factory that vets every
address a socket connects to.
"""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from functools import cache

import aiohttp
import httpx
from aiohappyeyeballs import AddrInfoType
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from httpx_aiohttp import AiohttpTransport

from node.activitypub.ssrf import RefusedAddress, address_problem, check_url
from node.activitypub.ssrf_blocked import BlockedAddress

#: Seconds an idle pooled connection is kept for the next delivery to the same host.
KEEPALIVE_SECONDS = 30.0


class GuardedResolver(AbstractResolver):
    """A resolver that refuses a name when any of its addresses is forbidden.

    Refusing the whole name (rather than dropping the bad answers) is deliberate: a name
    that mixes public and internal addresses is a rebinding attempt or a mistake.
    """

    def __init__(self, *, allow_private: bool, inner: AbstractResolver | None = None) -> None:
        self._allow_private = allow_private
        self._inner = inner if inner is not None else DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            reason = address_problem(result["host"], allow_private=self._allow_private)
            if reason:
                raise RefusedAddress(f"{host!r} resolves to {result['host']}: {reason}")
        return results

    async def close(self) -> None:
        await self._inner.close()


def guarded_socket_factory(*, allow_private: bool) -> Callable[[AddrInfoType], socket.socket]:
    """A socket factory that refuses to create a socket for a forbidden address."""

    def factory(addr_info: AddrInfoType) -> socket.socket:
        family, type_, proto, _canon, sockaddr = addr_info
        reason = address_problem(str(sockaddr[0]), allow_private=allow_private)
        if reason:
            raise RefusedAddress(f"connection to {sockaddr[0]}: {reason}")
        return socket.socket(family=family, type=type_, proto=proto)

    return factory


class GuardedAiohttpTransport(AiohttpTransport):
    """``AiohttpTransport`` that applies the URL policy before every request."""

    def __init__(
        self, *, allow_private: bool, session: Callable[[], aiohttp.ClientSession],
        max_connections: int,
    ) -> None:
        super().__init__(
            client=session, limits=httpx.Limits(max_connections=max_connections),
            trust_env=False,
        )
        self._allow_private = allow_private

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        reason = check_url(str(request.url), allow_private=self._allow_private)
        if reason:
            raise BlockedAddress(reason)
        response: httpx.Response = await super().handle_async_request(request)
        return response


def tls_context() -> ssl.SSLContext:
    """The verifying TLS context of every session (httpx's: certifi's CA bundle, or the
    ``SSL_CERT_FILE``/``SSL_CERT_DIR`` the environment names, which httpx honours).

    Loading the bundle holds about 0.8 MB of parsed certificates per context; the
    delivery and fetch sessions (and a test's many) share one (issue 7, item 14). It is
    kept per value of those two variables: a command run in a process whose environment
    changed since the first context (a test naming its own CA) must not verify against
    the old bundle.
    """
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@cache
def _tls_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context()


def session_factory(
    *, allow_private: bool, max_connections: int, resolver: AbstractResolver | None
) -> Callable[[], aiohttp.ClientSession]:
    """Build the aiohttp session lazily: it must be created inside the running loop."""

    def make() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=max_connections,
            keepalive_timeout=KEEPALIVE_SECONDS,
            ssl=tls_context(),
            resolver=GuardedResolver(allow_private=allow_private, inner=resolver),
            socket_factory=guarded_socket_factory(allow_private=allow_private),
        )
        return aiohttp.ClientSession(
            connector=connector, trust_env=False, cookie_jar=aiohttp.DummyCookieJar()
        )

    return make


def _refusal(exc: BaseException) -> RefusedAddress | None:
    """The address policy's refusal somewhere inside an aiohttp connection error."""
    seen: BaseException | None = exc
    for _ in range(8):  # aiohttp wraps the OSError once or twice
        if seen is None:
            return None
        if isinstance(seen, RefusedAddress):
            return seen
        inner = getattr(seen, "os_error", None)
        seen = inner if isinstance(inner, BaseException) else (seen.__cause__ or seen.__context__)
    return None


def _as_httpx(exc: Exception) -> Exception:
    """aiohttp's exception as the httpx class SafeFetcher classifies (ssrf.BlockedAddress
    for the address policy: a refused address is final, not worth a retry)."""
    refused = _refusal(exc)
    if refused is not None:
        return BlockedAddress(refused.reason)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(str(exc))
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(str(exc))
    if isinstance(exc, aiohttp.ClientResponseError):  # a malformed answer
        return httpx.RemoteProtocolError(str(exc))
    if isinstance(exc, (aiohttp.ClientError, OSError)):
        return httpx.ReadError(f"{type(exc).__name__}: {exc}")
    return exc


class _FetchedStream(httpx.AsyncByteStream):
    """The raw (still compressed) body of one aiohttp response, chunk by chunk."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, OSError) as exc:
            raise _as_httpx(exc) from exc

    async def aclose(self) -> None:
        # Back to the pool only when the body was read to its end; else closed.
        self._response.release()


class GuardedFetchTransport(httpx.AsyncBaseTransport):
    """The safe fetcher's transport: one GET per call over a guarded aiohttp session.

    Why not httpx's own pool: per cold actor fetch, httpcore's pool (it checks every
    pooled socket for readability on each request) and its stream layers took 30-48 %
    of the node's event loop (bench/RESULTS.md, "sustained"). The guarantees of
    :mod:`node.activitypub.fetch` stay where they were: the URL policy here and in
    SafeFetcher on every hop, the connect-time checks of :func:`session_factory`'s
    resolver and socket factory, redirects never followed here (SafeFetcher follows
    them by hand), bodies never decompressed here (``fetch_body`` inflates with a
    bounded output), and no timeout but SafeFetcher's one deadline.
    """

    def __init__(self, *, allow_private: bool, session: Callable[[], aiohttp.ClientSession]
                 ) -> None:
        self._allow_private = allow_private
        self._make_session = session
        self._session: aiohttp.ClientSession | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        reason = check_url(url, allow_private=self._allow_private)
        if reason:
            raise BlockedAddress(reason)
        if self._session is None:
            self._session = self._make_session()
        try:
            response = await self._session.request(
                request.method, url, headers=request.headers.multi_items(),
                allow_redirects=False, auto_decompress=False, timeout=_NO_TIMEOUT,
                skip_auto_headers=_SKIPPED)
        except (aiohttp.ClientError, OSError) as exc:
            raise _as_httpx(exc) from exc
        return httpx.Response(status_code=response.status, headers=response.raw_headers,
                              stream=_FetchedStream(response), request=request)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


_NO_TIMEOUT = aiohttp.ClientTimeout(total=None)  # SafeFetcher's deadline bounds it all
_SKIPPED = ("Accept", "Accept-Encoding", "User-Agent")  # only what SafeFetcher sends
