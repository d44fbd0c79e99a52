"""WebFinger client: ``@user@host``, ``user@host``, ``acct:user@host`` or a URL -> actor URI.

RFC 7033 (WebFinger) with the fediverse conventions Mastodon relies on
(app/lib/webfinger.rb): ``GET https://host/.well-known/webfinger?resource=acct:user@host``
answers a JRD whose one ``rel="self"`` link typed ``application/activity+json`` (or
``application/ld+json`` with the ActivityStreams profile) holds the actor id.

Every hop goes through :class:`~node.activitypub.fetch.SafeFetcher`, so redirects are
policy-checked like any fetch (Fedify CVE-2025-23221). Plain ``http://`` is used only for
loopback hosts when the fetcher allows private addresses (federation tests on loopback).
The caller fetches the returned actor through the actor cache, which checks the actor's
origin; a reverse check of ``acct:preferredUsername@host`` is the caller's choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from node.activitypub.fetch import FetchFailed, SafeFetcher, is_activity_media_type, same_url
from node.activitypub.remote_actor import parse_actor
from node.activitypub.urls import split_url
from node.hosts import BadURL, canonical_host
from node.messages import N_, Text
from node.settings import is_loopback_host

JRD_ACCEPT = "application/jrd+json, application/json;q=0.9"
JRD_MEDIA_TYPES = ("application/jrd+json", "application/json")


@dataclass(frozen=True)
class ResolveFailed:
    """Why ``target`` could not be resolved to an actor URI."""

    target: str
    reason: str
    retryable: bool = False


def parse_account(target: str) -> tuple[str, str] | None:
    """``(user, canonical host[:port])`` of ``acct:user@host``, ``@user@host`` or
    ``user@host``; None if ``target`` is not such an address."""
    account = target.strip().removeprefix("acct:").removeprefix("@")
    user, at, host = account.partition("@")
    if not at or not user or not host or "@" in host:
        return None
    if any(ch in user for ch in "/?#:% ") or any(ch in host for ch in "/?#@% "):
        return None
    name, _, port = host.partition(":")
    if port and not port.isdigit():
        return None
    try:
        return user, canonical_host(name, int(port) if port else None)
    except BadURL:
        return None


def webfinger_url(user: str, host: str, *, allow_http: bool) -> str:
    """The WebFinger query URL; ``http`` only for loopback hosts when ``allow_http``."""
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    scheme = "http" if allow_http and is_loopback_host(hostname) else "https"
    resource = quote(f"acct:{user}@{host}", safe=":@")
    return f"{scheme}://{host}/.well-known/webfinger?resource={resource}"


#: the WebFinger link property Lemmy names an actor's type with
AS_TYPE = "https://www.w3.org/ns/activitystreams#type"


def self_link(jrd: dict[str, Any], actor_type: str | None = None) -> str | ResolveFailed | None:
    """The one ActivityStreams ``rel=self`` href (duplicates of one href allowed).

    Lemmy answers one name with a person and a community of that name, each link typed
    by its ``properties`` (``AS_TYPE``: ``Person``, ``Group``; lemmy's
    crates/routes/src/webfinger.rs): ``actor_type`` then picks one (``Group`` for a
    ``!community@host``)."""
    links = jrd.get("links")
    hrefs: list[str] = []
    typed_as: dict[str, str] = {}
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        kind, href = link.get("type"), link.get("href")
        typed = isinstance(kind, str) and is_activity_media_type(kind)
        if typed and isinstance(href, str) and href not in hrefs:
            hrefs.append(href)
            properties = link.get("properties")
            if isinstance(properties, dict) and isinstance(properties.get(AS_TYPE), str):
                typed_as[href] = properties[AS_TYPE]
    if len(hrefs) > 1 and actor_type is not None:
        hrefs = [h for h in hrefs if typed_as.get(h) == actor_type] or hrefs
    if len(hrefs) > 1:
        return ResolveFailed("", f"{len(hrefs)} different rel=self links: {hrefs}")
    return hrefs[0] if hrefs else None


def _failed(target: str, what: str, failure: FetchFailed) -> ResolveFailed:
    if failure.status == 404:
        return ResolveFailed(target, Text(N_("%(what)s: no such account (404)"), what=what))
    if failure.gone:
        return ResolveFailed(target, Text(N_("%(what)s: the account is gone (410)"), what=what))
    if failure.status is None and failure.retryable:
        # no answer at all (no such host, refused, timed out): the organizer who typed
        # the address reads first what to check; the transport's words stay for the
        # operator, after it
        try:
            host = split_url(failure.url)[1]
        except BadURL:
            host = failure.url
        return ResolveFailed(
            target, Text(N_("no answer from %(host)s: check the address (%(detail)s)"),
                         host=host, detail=f"{what}: {failure.reason}"),
            retryable=True)
    return ResolveFailed(target, f"{what}: {failure.reason}", failure.retryable)


async def _resolve_url(fetcher: SafeFetcher, url: str) -> str | ResolveFailed:
    """The actor id behind ``url``: the actor's own URL, or a profile page's
    (Mastodon's ``https://host/@name`` serves the actor whose id is
    ``https://host/users/name``). A profile's document is only a pointer: the actor is
    read again from its own id, which must be on the profile's host, so a page can
    never name someone else's account."""
    fetched = await fetcher.fetch_activity(url, check_id=False)
    if isinstance(fetched, FetchFailed):
        return _failed(url, "fetching the actor", fetched)
    claimed = fetched.document.get("id")
    if not isinstance(claimed, str):
        return ResolveFailed(url, "the document has no id")
    if not same_url(claimed, fetched.url):
        try:
            same_host = split_url(claimed)[1] == split_url(fetched.url)[1]
        except BadURL as exc:
            return ResolveFailed(url, f"the document's id: {exc}")
        if not same_host:
            return ResolveFailed(url, f"the document names an actor on another host: {claimed}")
        fetched = await fetcher.fetch_activity(claimed)
        if isinstance(fetched, FetchFailed):
            return _failed(url, "fetching the actor", fetched)
    info = parse_actor(fetched.document, fetched.url)
    if isinstance(info, str):
        return ResolveFailed(url, f"not a usable actor: {info}")
    return info.uri


async def resolve_account(
    fetcher: SafeFetcher, target: str, actor_type: str | None = None
) -> str | ResolveFailed:
    """The actor URI of ``target`` (an account address or an actor URL); ``actor_type``
    picks among several WebFinger links (:func:`self_link`)."""
    if target.startswith(("https://", "http://")):
        try:
            split_url(target)
        except BadURL as exc:
            return ResolveFailed(target, str(exc))
        return await _resolve_url(fetcher, target)
    account = parse_account(target)
    if account is None:
        return ResolveFailed(target, "not an account address (user@host) or an http(s) URL")
    url = webfinger_url(*account, allow_http=fetcher.allow_private)
    fetched = await fetcher.fetch_json(url, accept=JRD_ACCEPT, media_types=JRD_MEDIA_TYPES)
    if isinstance(fetched, FetchFailed):
        return _failed(target, "WebFinger", fetched)
    href = self_link(fetched.document, actor_type)
    if isinstance(href, ResolveFailed):
        return ResolveFailed(target, f"WebFinger answer has {href.reason}")
    if href is None:
        return ResolveFailed(target, "WebFinger answer has no ActivityStreams rel=self link")
    try:
        split_url(href)
    except BadURL as exc:
        return ResolveFailed(target, f"WebFinger self link: {exc}")
    return href
