"""The outbound HTTP client for deliveries: aiohttp connection pool behind httpx's API.

Why aiohttp: a fan-out through httpx's default transport runs at ~250 deliveries per
CPU-second, through this client at ~1,300-1,500 (bench/RESULTS.md "fan-out").
:func:`delivery_client` returns an ``httpx.AsyncClient`` (tests swap in
``httpx.MockTransport`` clients) whose transport is ``httpx-aiohttp``, with kept-alive,
reused connections; its :func:`post_activity` hot path skips httpx's request/response
objects, which cost more than aiohttp itself.

SSRF (SECURITY.md "Fetching", the address policy in :mod:`node.activitypub.ssrf`) is
enforced three times, the last two at connect time so DNS rebinding cannot slip past a
check made earlier (Fedify CVE-2024-39687):

1. the URL (scheme, credentials, IP literals, ``localhost`` names) before the request;
2. ``GuardedResolver`` refuses a name if ANY address it resolves to is forbidden;
3. the connector's socket factory vets the exact address every socket connects to:
   aiohttp skips the resolver for IP literals, so this is the layer that always runs.

Layers 2 and 3 live in :mod:`node.activitypub.transport_aiohttp`, imported at the first
delivery: aiohttp is about 9 MB of an idle node's memory.

No proxy is read from the environment: through a proxy, the connect-time check would
see only the proxy's address.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
import httpx

from node.activitypub.ssrf import BlockedAddress, check_url

if TYPE_CHECKING:  # aiohttp is imported at the first delivery, not at start-up
    import aiohttp
    from aiohttp.abc import AbstractResolver

ACTIVITY_JSON = "application/activity+json"
#: Bytes of an answer read at most: enough for an error message, and reading a small
#: body to its end lets the connection be reused (Mastodon caps bodies at 1 MB).
RESPONSE_READ_CAP = 16 * 1024


class _NoCookies(httpx.Cookies):
    """A jar that neither sends nor keeps anything."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class _FirstUseTransport(httpx.AsyncBaseTransport):
    """Builds the real transport at the first request (importing aiohttp then)."""

    def __init__(self, build: Callable[[], httpx.AsyncBaseTransport]) -> None:
        self._build = build
        self._inner: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            self._inner = self._build()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()


@dataclass(frozen=True)
class Answer:
    """The part of a delivery's answer that is kept: status, headers, start of body."""

    status: int
    headers: Mapping[str, str]
    snippet: str


def _snippet(received: bytes) -> str:
    return received[:300].decode("utf-8", "replace").strip()


class DeliveryClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` over one guarded aiohttp session, without cookies.

    Deliveries are signed, never cookie-authenticated: a receiver must not be able to
    tag our later requests. :meth:`post_activity` is the delivery hot path: it uses the
    same aiohttp session (same pool, same connect-time guard) without httpx's request
    and response objects, which cost more CPU per delivery than aiohttp itself
    (bench/RESULTS.md "fan-out"). Everything else goes through httpx as usual.
    """

    def __init__(
        self, *, allow_private: bool, user_agent: str, timeout: float, max_connections: int,
        resolver: AbstractResolver | None,
    ) -> None:
        self._allow_private = allow_private
        self._max_connections = max_connections
        self._resolver = resolver
        self._make_session: Callable[[], aiohttp.ClientSession] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._post_headers = {"User-Agent": user_agent, "Accept-Encoding": "identity"}
        self._io_timeout = timeout
        super().__init__(
            transport=_FirstUseTransport(self._aiohttp_transport),
            headers={"User-Agent": user_agent},
            timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False,
        )

    @property
    def cookies(self) -> httpx.Cookies:
        return _NoCookies()

    @cookies.setter
    def cookies(self, value: object) -> None:
        return None

    def session(self) -> aiohttp.ClientSession:
        """The shared aiohttp session, created on first use inside the running loop."""
        if self._session is None:
            if self._make_session is None:
                from node.activitypub.transport_aiohttp import session_factory

                self._make_session = session_factory(
                    allow_private=self._allow_private, max_connections=self._max_connections,
                    resolver=self._resolver)
            self._session = self._make_session()
        return self._session

    def _aiohttp_transport(self) -> httpx.AsyncBaseTransport:
        from node.activitypub.transport_aiohttp import GuardedAiohttpTransport

        return GuardedAiohttpTransport(allow_private=self._allow_private, session=self.session,
                                       max_connections=self._max_connections)

    async def post_activity(
        self, url: str, headers: Mapping[str, str], body: bytes, deadline: float
    ) -> Answer:
        """POST ``body`` to ``url`` with ``headers``; see :func:`post_activity`."""
        reason = check_url(url, allow_private=self._allow_private)
        if reason:
            raise BlockedAddress(reason)
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=deadline, sock_connect=self._io_timeout,
                                        sock_read=self._io_timeout)
        async with self.session().post(
            url, data=body, headers={**self._post_headers, **headers}, allow_redirects=False,
            auto_decompress=False, timeout=timeout,
        ) as response:
            received = await response.content.read(RESPONSE_READ_CAP)
            return Answer(response.status, response.headers, _snippet(received))

    async def aclose(self) -> None:
        await super().aclose()
        if self._session is not None:
            await self._session.close()


async def post_activity(
    client: httpx.AsyncClient, url: str, headers: Mapping[str, str], body: bytes,
    deadline: float,
) -> Answer:
    """POST ``body`` byte for byte; read at most :data:`RESPONSE_READ_CAP` of the answer.

    ``deadline`` (seconds) bounds the whole exchange, against slow-drip servers; it
    raises ``TimeoutError``. ``Accept-Encoding: identity``: the answer is only skimmed,
    so a compressed one cannot balloon in memory. Redirects are not followed.
    """
    if isinstance(client, DeliveryClient):
        return await client.post_activity(url, headers, body, deadline)
    with anyio.fail_after(deadline):
        request = client.build_request(
            "POST", url, headers={**headers, "Accept-Encoding": "identity"}, content=body
        )
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            received = b""
            async for chunk in response.aiter_bytes():
                received += chunk
                if len(received) >= RESPONSE_READ_CAP:
                    break
        finally:
            await response.aclose()
    return Answer(response.status_code, response.headers, _snippet(received))


def delivery_client(
    *,
    allow_private: bool,
    user_agent: str,
    timeout: float = 10.0,
    max_connections: int = 100,
    resolver: AbstractResolver | None = None,
) -> httpx.AsyncClient:
    """The ``httpx.AsyncClient`` delivery workers POST with (a :class:`DeliveryClient`).

    ``allow_private`` admits loopback and private ranges (development and federation
    tests on 127.0.0.x), never link-local, CGNAT or multicast. Redirects are never
    followed (a signed POST is not re-sent elsewhere). ``resolver`` replaces the system
    DNS under the guard (tests simulate DNS answers with it). Close with ``aclose()``.
    """
    return DeliveryClient(
        allow_private=allow_private, user_agent=user_agent, timeout=timeout,
        max_connections=max_connections, resolver=resolver,
    )


def fetch_transport(
    *, allow_private: bool, max_connections: int = 100,
    resolver: AbstractResolver | None = None,
) -> httpx.AsyncBaseTransport:
    """The transport of the node's :class:`~node.activitypub.fetch.SafeFetcher`.

    The same guarded aiohttp client as deliveries (URL policy, then the resolver and the
    socket factory at connect time), in a session of its own, so that deliveries queued
    on slow inboxes never hold the connections an inbox needs to fetch a sender's key.
    aiohttp is imported at the first fetch, as at the first delivery.
    """

    def build() -> httpx.AsyncBaseTransport:
        from node.activitypub.transport_aiohttp import GuardedFetchTransport, session_factory

        session = session_factory(allow_private=allow_private,
                                  max_connections=max_connections, resolver=resolver)
        return GuardedFetchTransport(allow_private=allow_private, session=session)

    return _FirstUseTransport(build)
