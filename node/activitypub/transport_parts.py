"""The parts of the delivery client shared by :mod:`node.activitypub.transport` and
:mod:`node.activitypub.transport_client`: the kept part of an answer, and the wrappers
that build the client and the fetch transport at their first use.

The wrappers are not httpx subclasses at run time, so building one with the app does
not import httpx (and http.client, email, idna with it: ~1.3 MB): an idle node neither
fetches nor delivers (issue 7, item 14).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

#: Bytes of an answer read at most: enough for an error message, and reading a small
#: body to its end lets the connection be reused (Mastodon caps bodies at 1 MB).
RESPONSE_READ_CAP = 16 * 1024


@dataclass(frozen=True)
class Answer:
    """The part of a delivery's answer that is kept: status, headers, start of body."""

    status: int
    headers: Mapping[str, str]
    snippet: str


def snippet(received: bytes) -> str:
    return received[:300].decode("utf-8", "replace").strip()


if TYPE_CHECKING:  # what the first-use wrappers stand for, to the type checker
    _Transport = httpx.AsyncBaseTransport
    _Client = httpx.AsyncClient
else:
    _Transport = _Client = object


class FirstUseTransport(_Transport):
    """Builds the real transport at the first request (importing httpx and aiohttp then).

    Not an ``httpx.AsyncBaseTransport`` subclass at run time, so that building one does
    not import httpx; it has the methods httpx's client and SafeFetcher call on one.
    """

    def __init__(self, build: Callable[[], httpx.AsyncBaseTransport]) -> None:
        self._build = build
        self._inner: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            self._inner = self._build()
        return await self._inner.handle_async_request(request)

    async def __aenter__(self) -> FirstUseTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()


class FirstUseClient(_Client):
    """An ``httpx.AsyncClient`` built at its first use, with httpx imported then.

    The node's delivery client is made with the app, but an idle node neither delivers
    nor pings, so building it (and importing httpx) waits for the first attribute read;
    closing one never built imports nothing. :func:`post_activity` takes the built client.
    """

    def __init__(self, build: Callable[[], httpx.AsyncClient]) -> None:
        self._build = build
        self._inner: httpx.AsyncClient | None = None

    def built(self) -> httpx.AsyncClient:
        """The client, built now if it was not yet."""
        if self._inner is None:
            self._inner = self._build()
        return self._inner

    def __getattr__(self, name: str) -> object:  # the client's attributes, once built
        if name.startswith("__") or name in ("_build", "_inner"):
            raise AttributeError(name)
        return getattr(self.built(), name)

    async def __aenter__(self) -> FirstUseClient:
        await self.built().__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()
