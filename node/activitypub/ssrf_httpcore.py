"""The address policy of :mod:`node.activitypub.ssrf` as an httpx transport over httpcore.

:class:`GuardedBackend` is an ``httpcore`` network backend whose ``connect_tcp``
resolves the name once, refuses if ANY answer is forbidden (stricter than skipping bad
answers: a name mixing public and internal addresses is a rebinding attempt or a
misconfiguration, and refusing gives one clear error), then connects to the vetted IP
literal, so no second resolution can differ. httpcore passes the origin hostname
separately to ``start_tls`` (``server_hostname``): SNI and certificate checks use it.

The node fetches and delivers through aiohttp (:mod:`node.activitypub.transport`); this
transport serves the tests and tools that want httpx's own stack with the same guard.
A module of its own so that a serving node never imports httpcore (issue 7, item 1.14).
"""

from __future__ import annotations

import ssl
import typing
from collections.abc import Iterable, Sequence
from ipaddress import ip_address

import anyio
import httpcore
import httpx

from node.activitypub.ssrf import (
    IPAddress,
    Resolver,
    check_address,
    check_url,
    system_resolver,
)
from node.activitypub.ssrf_blocked import BlockedAddress


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore backend that vets every resolved address before connecting.

    ``resolver`` and ``inner`` are injectable so tests can simulate DNS answers and
    routes without touching anything but loopback.
    """

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver | None = None,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._allow_private = allow_private
        self._resolver: Resolver = resolver or system_resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def vetted_addresses(self, host: str, port: int) -> Sequence[IPAddress]:
        """The addresses of ``host``; raise :class:`BlockedAddress` if any is forbidden."""
        try:
            addresses: Sequence[IPAddress] = [ip_address(host.strip("[]"))]
        except ValueError:
            try:
                addresses = await self._resolver(host, port)
            except OSError as exc:
                raise httpx.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
        if not addresses:
            raise httpx.ConnectError(f"{host!r} has no addresses")
        for ip in addresses:
            reason = check_address(ip, allow_private=self._allow_private)
            if reason:
                raise BlockedAddress(f"{host!r} resolves to {ip}: {reason}")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await self.vetted_addresses(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from exc
        failure: Exception | None = None
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(ip), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


def _raise_mapped(exc: Exception) -> typing.NoReturn:
    """Re-raise httpcore's exception as the httpx class of the same name (public twins)."""
    for cls in type(exc).__mro__:
        if cls.__module__.split(".")[0] == "httpcore":
            target = getattr(httpx, cls.__name__, httpx.TransportError)
            if isinstance(target, type) and issubclass(target, httpx.TransportError):
                raise target(str(exc)) from exc
    raise exc


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: typing.AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> typing.AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except Exception as exc:
            _raise_mapped(exc)

    async def aclose(self) -> None:
        closer = getattr(self._stream, "aclose", None)
        if closer is not None:
            await closer()


class GuardedTransport(httpx.AsyncBaseTransport):
    """A minimal httpx transport over an ``httpcore.AsyncConnectionPool`` using
    :class:`GuardedBackend`; built on public httpx/httpcore APIs only (swapping the
    private ``_pool`` of ``httpx.AsyncHTTPTransport`` could silently drop the guard).
    The URL policy is applied here too, so every user of the transport gets it.
    """

    def __init__(self, pool: httpcore.AsyncConnectionPool, *, allow_private: bool) -> None:
        self._pool, self._allow_private = pool, allow_private

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        reason = check_url(str(request.url), allow_private=self._allow_private)
        if reason:
            raise BlockedAddress(reason)
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = await self._pool.handle_async_request(core_request)
        except Exception as exc:
            _raise_mapped(exc)
        assert isinstance(response.stream, typing.AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


def guarded_transport(
    *,
    allow_private: bool,
    resolver: Resolver | None = None,
    inner: httpcore.AsyncNetworkBackend | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.AsyncBaseTransport:
    """The guarded httpcore transport; ``resolver``/``inner``/``ssl_context`` are for tests."""
    backend = GuardedBackend(allow_private=allow_private, resolver=resolver, inner=inner)
    pool = httpcore.AsyncConnectionPool(  # httpx's default limits
        ssl_context=ssl_context,
        network_backend=backend,
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=30.0,
    )
    return GuardedTransport(pool, allow_private=allow_private)
