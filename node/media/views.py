"""``GET /media/<sha256>.<ext>`` (uploaded images) and ``GET /media/proxy`` (remote ones).

Uploaded files never change under their name, so they are served ``immutable`` for a
year; their ``Content-Type`` is the one this node encoded them as, with
``X-Content-Type-Options: nosniff`` so no browser second-guesses it. The proxy answers
404 for a URL this node did not sign (not an open proxy), and 502 when the remote image
cannot be fetched or is not an acceptable image (:mod:`node.media.proxy`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final, TypeVar

import anyio
import anyio.to_thread
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from node.activitypub.fetch import FetchedDocument
from node.media.checks import ImageError, ProcessedImage
from node.media.proxy import (
    ACCEPT,
    CACHE_SECONDS,
    PROXY_MAX_BYTES,
    PROXY_MAX_PIXELS,
    PROXY_PATH,
    PROXY_WIDTHS,
    Cached,
    proxy_cache,
    signed,
)
from node.media.service import store_of
from node.media.store import NAME_RE, media_type_of
from node.runtime import node_of

log = logging.getLogger(__name__)
IMMUTABLE: Final = "public, max-age=31536000, immutable"
#: Images decoded at once by one process (uploads and proxied images alike): each holds
#: up to 100-200 MB while it is decoded, and a page of remote images asks for all of them
#: together, which the thread pool's 40 threads would otherwise all take on.
DECODES_AT_ONCE: Final = 2
T = TypeVar("T")


def decode_limiter(request: Request) -> anyio.CapacityLimiter:
    """The app's limit on images decoded at once (one per running node)."""
    state = request.app.state
    limiter = getattr(state, "image_decodes", None)
    if not isinstance(limiter, anyio.CapacityLimiter):
        limiter = state.image_decodes = anyio.CapacityLimiter(DECODES_AT_ONCE)
    return limiter


async def decoding(request: Request, work: Callable[[], T]) -> T:
    """Run ``work`` (Pillow: CPU and memory bound) off the event loop, when one of the
    :data:`DECODES_AT_ONCE` slots is free."""
    return await anyio.to_thread.run_sync(work, limiter=decode_limiter(request))


def _image(data: bytes, media_type: str, cache_control: str) -> Response:
    return Response(data, media_type=media_type, headers={
        "Cache-Control": cache_control, "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox"})


def _not_found() -> Response:
    return PlainTextResponse("not found", status_code=404)


async def stored(request: Request) -> Response:
    """An uploaded image's variant, by its content-hash name."""
    name = str(request.path_params.get("name", ""))
    if not NAME_RE.fullmatch(name):
        return _not_found()
    data = await run_in_threadpool(store_of(node_of(request)).get, name)
    if data is None:
        return _not_found()
    return _image(data, media_type_of(name), IMMUTABLE)


async def proxied(request: Request) -> Response:
    """A remote image this node linked to, fetched, checked and re-encoded once a day."""
    node = node_of(request)
    url, tag = request.query_params.get("url", ""), request.query_params.get("s", "")
    if not url or not signed(node.settings.secret_key, url, tag):
        return _not_found()
    cache = proxy_cache(node.settings.data_dir)
    hit = await run_in_threadpool(cache.get, url)
    if hit is None:
        hit = None if cache.failed_recently(url) else await _fetch(request, url)
        if hit is None:
            return PlainTextResponse("the remote image could not be shown", status_code=502)
    return _image(hit.data, hit.media_type, f"public, max-age={CACHE_SECONDS}")


async def _fetch(request: Request, url: str) -> Cached | None:
    node = node_of(request)
    cache = proxy_cache(node.settings.data_dir)
    found = await _fetched(request, url)
    if found is None:
        await run_in_threadpool(cache.put_failure, url)
        return None
    return await run_in_threadpool(cache.put, url, found)


async def _fetched(request: Request, url: str) -> ProcessedImage | None:
    """The remote image, checked and re-encoded; None (and a log line) if it is not one."""
    node = node_of(request)
    result = await node.services.fetcher.fetch_document(
        url, accept=ACCEPT, media_types=None, max_bytes=PROXY_MAX_BYTES)
    if not isinstance(result, FetchedDocument):
        log.info("media proxy: %s not fetched: %s", url, getattr(result, "reason", result))
        return None
    body = result.body
    from node.media.images import process  # Pillow: loaded at the first proxied image

    try:
        return await decoding(request, lambda: process(
            body, widths=PROXY_WIDTHS, max_bytes=PROXY_MAX_BYTES, max_pixels=PROXY_MAX_PIXELS))
    except ImageError as exc:
        log.info("media proxy: %s refused: %s", url, exc)
        return None


def routes() -> list[BaseRoute]:
    return [Route(PROXY_PATH, proxied, methods=["GET"]),
            Route("/media/{name}", stored, methods=["GET"])]
