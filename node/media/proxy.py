"""Remote images shown through the node, never hot-linked.

A page that shows a remote actor's avatar or a remote item's attachment links to
``/media/proxy?url=...&s=...`` instead: readers' addresses never reach the remote host,
and a hostile image never reaches the reader unchecked. The proxy:

* serves only URLs this node signed (``s`` = HMAC-SHA256 of the URL under the node's
  secret, with a purpose label so the tag is good for nothing else), so it is not an
  open proxy anyone can point at any address;
* fetches with the node's :class:`~node.activitypub.fetch.SafeFetcher` (SSRF address
  policy at every hop and at connect time, one deadline, at most 3 redirects), unsigned,
  with a byte cap of :data:`PROXY_MAX_BYTES`;
* sniffs and re-encodes the bytes (:func:`node.media.images.process`): whatever the
  remote ``Content-Type`` said, the reader gets a JPEG or PNG we made, with no metadata;
* keeps the result on disk for :data:`CACHE_SECONDS`, and a failure for
  :data:`FAILURE_SECONDS`, so a page full of broken links cannot make the node fetch
  them on every view; an hourly task (:func:`media_tasks`) deletes what went stale.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import anyio
import anyio.to_thread

from node.files import write_atomically
from node.media.checks import ProcessedImage
from node.media.store import MEDIA_TYPES
from node.periodic import PeriodicTask
from node.runtime import Node

PROXY_PATH = "/media/proxy"
PROXY_MAX_BYTES = 5 * 1024 * 1024
PROXY_MAX_PIXELS = 16_000_000  # a remote image is decoded for strangers: a tighter cap
PROXY_WIDTHS = (1280,)
CACHE_SECONDS = 24 * 3600
FAILURE_SECONDS = 600  # a URL that failed is not fetched again for ten minutes
ACCEPT = "image/jpeg, image/png, image/webp, image/gif;q=0.9"
_PURPOSE = b"ionode media proxy\x00"


def signature(secret: str, url: str) -> str:
    """The tag that lets ``url`` through the proxy (128 bits of HMAC-SHA256, hex)."""
    mac = hmac.new(secret.encode(), _PURPOSE + url.encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def signed(secret: str, url: str, tag: str) -> bool:
    """Whether ``tag`` is ``url``'s signature, compared in constant time. Compared as
    bytes: :func:`hmac.compare_digest` raises ``TypeError`` on a ``str`` with non-ASCII
    characters, which a query string can carry."""
    return hmac.compare_digest(signature(secret, url).encode(), tag.encode())


def proxied_url(secret: str, base_url: str, url: object) -> str:
    """What a page's ``src`` should be for ``url``: this node's own URLs as they are, a
    remote http(s) URL through the signed proxy, anything else (``data:``, ``file:``,
    malformed) an empty string, which templates treat as "no image"."""
    if not isinstance(url, str) or not url:
        return ""
    if url.startswith(f"{base_url}/"):
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2048:
        return ""
    return f"{PROXY_PATH}?{urlencode({'url': url, 's': signature(secret, url)})}"


@dataclass(frozen=True)
class Cached:
    data: bytes
    media_type: str


class ProxyCache:
    """Re-encoded remote images on disk, ``<data>/media/proxy/<sha256 of URL>.<ext>``,
    fresh for ``ttl`` seconds after they were fetched (the file's modification time)."""

    def __init__(self, root: Path, ttl: float = CACHE_SECONDS) -> None:
        self.root, self.ttl = root, ttl

    def _stem(self, url: str) -> Path:
        return self.root / hashlib.sha256(url.encode()).hexdigest()

    def get(self, url: str, now: float | None = None) -> Cached | None:
        stem = self._stem(url)
        for ext, media_type in MEDIA_TYPES.items():
            path = stem.with_suffix(f".{ext}")
            try:
                age = (time.time() if now is None else now) - path.stat().st_mtime
                if age > self.ttl:
                    path.unlink(missing_ok=True)
                    return None
                return Cached(path.read_bytes(), media_type)
            except FileNotFoundError:
                continue
        return None

    def failed_recently(self, url: str, now: float | None = None) -> bool:
        try:
            age = (time.time() if now is None else now) - self._stem(url).with_suffix(
                ".failed").stat().st_mtime
        except FileNotFoundError:
            return False
        return age <= FAILURE_SECONDS

    def put_failure(self, url: str) -> None:
        path = self._stem(url).with_suffix(".failed")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()

    def put(self, url: str, image: ProcessedImage) -> Cached:
        variant = image.largest
        path = self._stem(url).with_suffix(f".{variant.name.rsplit('.', 1)[1]}")
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temporary file of its own: two threads of one process may cache one URL at
        # once (two readers of a page), and a shared name made the second rename fail.
        write_atomically(path, variant.data)
        return Cached(variant.data, variant.media_type)


    def sweep(self, now: float | None = None) -> int:
        """Delete what is stale: images older than ``ttl``, failures older than
        :data:`FAILURE_SECONDS`, temporary files a crash left. ``get`` only drops a stale
        file when its URL is asked for again, and most never are (a remote avatar
        changes, a post scrolls away): without a sweep the cache only grows."""
        moment = time.time() if now is None else now
        removed = 0
        for path in self.root.glob("*") if self.root.is_dir() else ():
            limit = FAILURE_SECONDS if path.suffix == ".failed" else self.ttl
            try:
                if moment - path.stat().st_mtime > limit:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # a reader or another sweep got there first
        return removed


def proxy_cache(data_dir: Path) -> ProxyCache:
    return ProxyCache(data_dir / "media" / "proxy")


async def sweep_proxy_cache(node: Node) -> int:
    """The periodic task that keeps the proxy's disk cache to what is fresh."""
    return await anyio.to_thread.run_sync(proxy_cache(node.settings.data_dir).sweep)


def media_tasks() -> list[PeriodicTask]:
    return [PeriodicTask("image proxy cache", timedelta(hours=1), sweep_proxy_cache)]
