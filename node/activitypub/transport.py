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
delivery: aiohttp is about 9 MB of an idle node's memory. httpx itself (with
http.client, email and idna, ~1.3 MB) waits for the first delivery or fetch too: the
client and the fetch transport are built at their first use (the wrappers of
:mod:`node.activitypub.transport_parts`), the classes that subclass httpx's live in
:mod:`node.activitypub.transport_client`.

No proxy is read from the environment: through a proxy, the connect-time check would
see only the proxy's address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import anyio

from node.activitypub.transport_parts import (
    RESPONSE_READ_CAP,
    Answer,
    FirstUseClient,
    FirstUseTransport,
    snippet,
)

__all__ = ["ACTIVITY_JSON", "Answer", "delivery_client", "fetch_transport", "post_activity"]

if TYPE_CHECKING:  # httpx and aiohttp are imported at the first delivery or fetch
    import httpx
    from aiohttp.abc import AbstractResolver

ACTIVITY_JSON = "application/activity+json"


async def post_activity(
    client: httpx.AsyncClient, url: str, headers: Mapping[str, str], body: bytes,
    deadline: float,
) -> Answer:
    """POST ``body`` byte for byte; read at most :data:`RESPONSE_READ_CAP` of the answer.

    ``deadline`` (seconds) bounds the whole exchange, against slow-drip servers; it
    raises ``TimeoutError``. ``Accept-Encoding: identity``: the answer is only skimmed,
    so a compressed one cannot balloon in memory. Redirects are not followed.
    """
    from node.activitypub.transport_client import DeliveryClient

    if isinstance(client, FirstUseClient):
        client = client.built()
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
    return Answer(response.status_code, response.headers, snippet(received))


def delivery_client(
    *,
    allow_private: bool,
    user_agent: str,
    timeout: float = 10.0,
    max_connections: int = 100,
    resolver: AbstractResolver | None = None,
) -> httpx.AsyncClient:
    """The ``httpx.AsyncClient`` delivery workers POST with (a
    :class:`~node.activitypub.transport_client.DeliveryClient`, built at its first use).

    ``allow_private`` admits loopback and private ranges (development and federation
    tests on 127.0.0.x), never link-local, CGNAT or multicast. Redirects are never
    followed (a signed POST is not re-sent elsewhere). ``resolver`` replaces the system
    DNS under the guard (tests simulate DNS answers with it). Close with ``aclose()``.
    """

    def build() -> httpx.AsyncClient:
        from node.activitypub.transport_client import DeliveryClient

        return DeliveryClient(
            allow_private=allow_private, user_agent=user_agent, timeout=timeout,
            max_connections=max_connections, resolver=resolver,
        )

    return FirstUseClient(build)


def fetch_transport(
    *, allow_private: bool, max_connections: int = 100,
    resolver: AbstractResolver | None = None,
) -> httpx.AsyncBaseTransport:
    """The transport of the node's :class:`~node.activitypub.fetch.SafeFetcher`.

    The same guarded aiohttp client as deliveries (URL policy, then the resolver and the
    socket factory at connect time), in a session of its own, so that deliveries queued
    on slow inboxes never hold the connections an inbox needs to fetch a sender's key.
    httpx and aiohttp are imported at the first fetch, as at the first delivery.
    """

    def build() -> httpx.AsyncBaseTransport:
        from node.activitypub.transport_aiohttp import GuardedFetchTransport, session_factory

        session = session_factory(allow_private=allow_private,
                                  max_connections=max_connections, resolver=resolver)
        return GuardedFetchTransport(allow_private=allow_private, session=session)

    return FirstUseTransport(build)
