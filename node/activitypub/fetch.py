"""The one safe fetcher: every GET of a remote document goes through :class:`SafeFetcher`.

Rules (SECURITY.md "Identity and origin" and "Fetching"):

* the address policy (:mod:`node.activitypub.ssrf`) before every hop, and again at
  connect time inside the guarded transport; the federation policy (blocks and the
  allowlist, :mod:`node.activitypub.federation_policy`) before every hop too; at most 3
  redirects, followed by hand so policy and signature are re-applied on each hop
  (Fedify CVE-2025-23221), never from https down to http;
* one total deadline for the whole fetch -- redirects, connects and body -- because
  per-operation timeouts let a dripping server hold a fetch forever (Mastodon
  CVE-2023-36461);
* the body is streamed and cut at ``max_bytes`` counting decompressed bytes, and gzip
  is inflated with a bounded output size (:mod:`node.activitypub.fetch_body`), so a
  gzip bomb never expands in memory (Fedify GHSA-mc44-6cfg-2v6w);
* ActivityStreams media types only (Mastodon CVE-2024-25623) and the document ``id``
  equal to the final URL fetched (Mastodon CVE-2024-23832);
* hostile JSON (malformed, not an object, too deep) is a :class:`FetchFailed`, never an
  exception;
* :meth:`SafeFetcher.fetch_document` (feeds) shares all of the above but the id and
  JSON checks, and adds conditional GET (a 304 is :class:`NotModified`).

JSON-LD ``@context`` URLs are never fetched: ionode reads documents in their compacted
form, the way Mastodon and most servers do, so a remote context cannot change meaning.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urldefrag, urljoin, urlsplit

import anyio

from node.activitypub.fetch_body import MAX_DEPTH, parse_json_object, read_body, status_failure
from node.activitypub.fetch_body import Refused as _Refused
from node.activitypub.ssrf import check_url
from node.activitypub.urls import split_url
from node.hosts import BadURL

if TYPE_CHECKING:  # httpx is imported at the first fetch: an idle node does not load it
    import httpx

__all__ = ["MAX_DEPTH", "FetchFailed", "Fetched", "FetchedDocument", "NotModified",
           "SafeFetcher", "parse_json_object"]

AS_PROFILE = "https://www.w3.org/ns/activitystreams"
ACTIVITY_ACCEPT = f'application/activity+json, application/ld+json; profile="{AS_PROFILE}"'
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

#: Signs a GET: (method, URL, headers) -> the headers to send (``app.NodeSigner``, which
#: signs on a thread: :mod:`.thread_batches`)
Signer = Callable[[str, str, dict[str, str]], Awaitable[dict[str, str]]]
#: The federation policy's verdict on a URL (:mod:`.federation_store`): a reason to
#: refuse, or None; the flag says whether the fetch is federation (signed) or a feed
Gate = Callable[[str, bool], Awaitable[str | None]]
T = TypeVar("T")
Finish = Callable[[str, "httpx.Response"], Awaitable[T]]


@dataclass(frozen=True)
class Fetched:
    """A document that passed every check; ``url`` is the final URL after redirects."""

    url: str
    document: dict[str, Any]
    status: int


@dataclass(frozen=True)
class FetchFailed:
    """Why a fetch of ``url`` (the URL asked for) failed; ``gone`` is a 410."""

    url: str
    reason: str
    status: int | None
    retryable: bool
    gone: bool = False


@dataclass(frozen=True)
class FetchedDocument:
    """Raw bytes of a non-ActivityStreams document (a feed); ``url`` is the final URL.

    Nothing about the body is checked but its size and media type: parsing it safely
    is the caller's job.
    """

    url: str
    body: bytes
    status: int
    content_type: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class NotModified:
    """A 304 answer to a conditional GET: the copy the caller has is still current."""

    url: str
    etag: str | None
    last_modified: str | None


def parse_media_type(content_type: str) -> tuple[str, dict[str, str]]:
    """``type/subtype`` (lower case) and parameters (names lower case, values unquoted)."""
    head, *params = content_type.split(";")
    parsed: dict[str, str] = {}
    for param in params:
        name, _, value = param.partition("=")
        parsed[name.strip().lower()] = value.strip().strip('"')
    return head.strip().lower(), parsed


def is_activity_media_type(content_type: str) -> bool:
    """``application/activity+json``, or ``application/ld+json`` with the AS profile."""
    kind, params = parse_media_type(content_type)
    if kind == "application/activity+json":
        return True
    return kind == "application/ld+json" and AS_PROFILE in params.get("profile", "").split()


def canonical_url(url: str) -> str:
    """``url`` with its host canonicalised (urls.py), fragment kept; raises BadURL."""
    scheme, host, target = split_url(url)
    fragment = urlsplit(url).fragment
    return f"{scheme}://{host}{target}" + (f"#{fragment}" if fragment else "")


def same_url(a: str, b: str) -> bool:
    """Exact equality after host canonicalisation (CVE-2023-42451); False if malformed."""
    try:
        return canonical_url(a) == canonical_url(b)
    except BadURL:
        return False


class SafeFetcher:
    """Signed, bounded, policy-checked GETs of ActivityStreams and JSON documents."""

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport,
        allow_private: bool,
        sign: Signer | None = None,
        user_agent: str = "ionode/0.1",
        deadline: float = 10.0,
        max_bytes: int = 1_000_000,
        max_redirects: int = 3,
        gate: Gate | None = None,
    ) -> None:
        self._transport, self._allow_private, self._sign = transport, allow_private, sign
        self._user_agent, self._deadline = user_agent, deadline
        self._max_bytes, self._max_redirects = max_bytes, max_redirects
        self._gate = gate

    @property
    def allow_private(self) -> bool:
        """True on loopback development/test nodes (``Settings.fetch_private_allowed``)."""
        return self._allow_private

    async def fetch_activity(self, url: str, *, check_id: bool = True) -> Fetched | FetchFailed:
        """GET an ActivityStreams document whose ``id`` equals the final URL.

        ``check_id=False`` is only for pointer documents whose content is verified
        elsewhere (a GoToSocial key stub names its owner, whose own document must list
        the key); nothing from such a document may be trusted on its own.
        """
        result = await self._fetch(url, ACTIVITY_ACCEPT, is_activity_media_type)
        if isinstance(result, FetchFailed) or not check_id:
            return result
        document_id = result.document.get("id")
        if isinstance(document_id, str) and same_url(document_id, result.url):
            return result
        reason = f"document id {document_id!r} is not the URL fetched {result.url!r}"
        return FetchFailed(url, reason, result.status, retryable=False)

    async def fetch_json(
        self, url: str, *, accept: str, media_types: tuple[str, ...]
    ) -> Fetched | FetchFailed:
        """GET a JSON object served as one of ``media_types`` (WebFinger JRD, NodeInfo)."""
        allowed = {kind.lower() for kind in media_types}
        return await self._fetch(url, accept, lambda ct: parse_media_type(ct)[0] in allowed)

    async def fetch_document(
        self,
        url: str,
        *,
        accept: str,
        media_types: tuple[str, ...] | None,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
    ) -> FetchedDocument | NotModified | FetchFailed:
        """A conditional, unsigned GET of raw bytes (RSS, Atom, iCalendar feeds).

        The same hops, address policy, deadline, size cap and redirect rules as
        :meth:`fetch_activity`, but no id check and no JSON parsing. ``etag`` and
        ``last_modified`` are sent as ``If-None-Match`` / ``If-Modified-Since``; a 304
        answer is :class:`NotModified`. ``media_types=None`` accepts any media type.
        ``max_bytes`` replaces the fetcher's size cap for this fetch (images are larger
        than documents: :mod:`node.media.proxy`).
        Not signed: a website has no use for the node's signature, and signing would
        tell every feed host which node is polling it.
        """
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        allowed = None if media_types is None else frozenset(m.lower() for m in media_types)
        conditional = len(headers) > 1

        async def finish(final: str, response: httpx.Response) -> FetchedDocument | NotModified:
            return await self._document(final, response, allowed, conditional,
                                        max_bytes or self._max_bytes)

        return await self._run(url, headers, finish, sign=False)

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def _fetch(
        self, url: str, accept: str, acceptable: Callable[[str], bool]
    ) -> Fetched | FetchFailed:
        async def finish(final: str, response: httpx.Response) -> Fetched:
            return await self._accept(final, response, acceptable)

        return await self._run(url, {"Accept": accept}, finish, sign=True)

    async def _run(
        self, url: str, headers: dict[str, str], finish: Finish[T], *, sign: bool
    ) -> T | FetchFailed:
        """Follow ``url`` within the deadline; ``finish`` judges the final answer."""
        import httpx

        from node.activitypub.ssrf_blocked import BlockedAddress

        with anyio.move_on_after(self._deadline):
            try:
                return await self._follow(urldefrag(url).url, headers, finish, sign)
            except _Refused as exc:
                return FetchFailed(url, exc.reason, exc.status, exc.retryable, exc.status == 410)
            except BlockedAddress as exc:
                return FetchFailed(url, exc.reason, None, retryable=False)
            except httpx.UnsupportedProtocol as exc:
                return FetchFailed(url, f"invalid request: {exc}", None, retryable=False)
            except httpx.TransportError as exc:
                return FetchFailed(url, f"{type(exc).__name__}: {exc}", None, retryable=True)
        return FetchFailed(url, f"deadline of {self._deadline}s exceeded", None, retryable=True)

    async def _follow(
        self, url: str, headers: dict[str, str], finish: Finish[T], sign: bool
    ) -> T:
        current = url
        for _hop in range(self._max_redirects + 1):
            response = await self._get(current, headers, sign)
            try:
                if response.status_code not in REDIRECT_STATUSES:
                    return await finish(current, response)
                current = self._next_hop(current, response)
            finally:
                with anyio.CancelScope(shield=True):  # closing must survive the deadline
                    await response.aclose()
        raise _Refused(f"more than {self._max_redirects} redirects")

    async def _get(self, url: str, extra: dict[str, str], sign: bool) -> httpx.Response:
        import httpx

        from node.activitypub.ssrf_blocked import BlockedAddress

        reason = check_url(url, allow_private=self._allow_private)
        if not reason and self._gate is not None:  # blocks, the allowlist: every hop
            reason = await self._gate(url, sign)
        if reason:
            raise BlockedAddress(f"{url}: {reason}")
        headers = {**extra, "Accept-Encoding": "gzip", "User-Agent": self._user_agent}
        if sign and self._sign is not None:
            headers = await self._sign("GET", url, headers)
        try:
            request = httpx.Request("GET", url, headers=headers)
        except (httpx.InvalidURL, ValueError) as exc:  # IDNA errors are ValueErrors
            raise _Refused(f"invalid URL {url!r}: {exc}") from exc
        return await self._transport.handle_async_request(request)

    @staticmethod
    def _next_hop(current: str, response: httpx.Response) -> str:
        location: str = response.headers.get("location", "")
        if not location:
            raise _Refused(f"redirect {response.status_code} without Location")
        target = urldefrag(urljoin(current, location.strip())).url
        if current.startswith("https:") and not target.startswith("https:"):
            raise _Refused(f"redirect from https to {target!r} refused")
        return target

    async def _accept(
        self, url: str, response: httpx.Response, acceptable: Callable[[str], bool]
    ) -> Fetched:
        if not 200 <= response.status_code < 300:
            raise status_failure(response.status_code)
        content_type = response.headers.get("content-type", "")
        if not acceptable(content_type):
            raise _Refused(f"media type {content_type!r} refused", response.status_code)
        body = await read_body(response, self._max_bytes)
        try:
            document = parse_json_object(body)
        except ValueError as exc:
            raise _Refused(str(exc), response.status_code) from exc
        return Fetched(url=url, document=document, status=response.status_code)

    async def _document(
        self, url: str, response: httpx.Response, allowed: frozenset[str] | None,
        conditional: bool, max_bytes: int,
    ) -> FetchedDocument | NotModified:
        headers = response.headers
        if response.status_code == 304 and conditional:
            return NotModified(url, headers.get("etag"), headers.get("last-modified"))
        if not 200 <= response.status_code < 300:
            raise status_failure(response.status_code)
        content_type = headers.get("content-type", "")
        if allowed is not None and parse_media_type(content_type)[0] not in allowed:
            raise _Refused(f"media type {content_type!r} refused", response.status_code)
        body = await read_body(response, max_bytes)
        return FetchedDocument(url=url, body=body, status=response.status_code,
                               content_type=content_type, etag=headers.get("etag"),
                               last_modified=headers.get("last-modified"))
