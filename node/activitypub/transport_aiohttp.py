"""The aiohttp half of the delivery client, imported at the first delivery.

aiohttp and httpx-aiohttp hold about 9 MB of an idle node's memory (issue 7, item 14),
so :mod:`node.activitypub.transport` loads this module only when its client first sends
something. The SSRF layers 2 and 3 described there live here: the resolver that refuses
a name when any of its addresses is forbidden, and the socket factory that vets every
address a socket connects to.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import aiohttp
import httpx
from aiohappyeyeballs import AddrInfoType
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from httpx_aiohttp import AiohttpTransport

from node.activitypub.ssrf import BlockedAddress, RefusedAddress, address_problem, check_url

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


def session_factory(
    *, allow_private: bool, max_connections: int, resolver: AbstractResolver | None
) -> Callable[[], aiohttp.ClientSession]:
    """Build the aiohttp session lazily: it must be created inside the running loop."""

    def make() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=max_connections,
            keepalive_timeout=KEEPALIVE_SECONDS,
            ssl=httpx.create_ssl_context(),
            resolver=GuardedResolver(allow_private=allow_private, inner=resolver),
            socket_factory=guarded_socket_factory(allow_private=allow_private),
        )
        return aiohttp.ClientSession(
            connector=connector, trust_env=False, cookie_jar=aiohttp.DummyCookieJar()
        )

    return make
