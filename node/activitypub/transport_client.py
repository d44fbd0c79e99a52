"""The delivery client's classes, imported at the first delivery or fetch.

They subclass httpx's, so the module that defines them imports httpx (and http.client,
email, idna with it: ~1.3 MB); :mod:`node.activitypub.transport` builds them at their
first use, so that an idle node, which neither fetches nor delivers, does not load
httpx at all (issue 7, item 14).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import httpx

from node.activitypub.ssrf import check_url
from node.activitypub.ssrf_blocked import BlockedAddress
from node.activitypub.transport_parts import RESPONSE_READ_CAP, Answer, FirstUseTransport, snippet

if TYPE_CHECKING:  # aiohttp is imported at the first delivery, not at start-up
    import aiohttp
    from aiohttp.abc import AbstractResolver


class _NoCookies(httpx.Cookies):
    """A jar that neither sends nor keeps anything."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


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
            transport=FirstUseTransport(self._aiohttp_transport),
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
            return Answer(response.status, response.headers, snippet(received))

    async def aclose(self) -> None:
        await super().aclose()
        if self._session is not None:
            await self._session.close()
