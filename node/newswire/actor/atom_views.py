"""``/news/feed.atom``: the approved news and the weekly digests as Atom 1.0 (RFC 4287),
written by the hubs' Atom writer (:mod:`node.hubs.hub.atom`), with the same ETag and
caching as a hub's feed."""

from __future__ import annotations

import hashlib
import html

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.activitypub.local_actors import find_by_kind
from node.activitypub.models import LocalActor
from node.clock import as_utc
from node.hubs.hub.atom import FeedEntry, FeedInfo, atom_feed
from node.hubs.hub.atom_views import MEDIA_TYPE
from node.newswire.actor.front import news_page
from node.newswire.actor.service import KIND
from node.newswire.digest.progress import Digest, digests
from node.newswire.websub.rules import link_header
from node.runtime import node_of


def news_feed(engine: Engine, hub_url: str = "") -> bytes | None:
    """The feed; ``hub_url`` (``IONODE_WEBSUB_HUB``) is named as its WebSub hub."""
    with engine.connect() as conn:
        actor: LocalActor | None = find_by_kind(conn, KIND)
        if actor is None:
            return None
        entries, _ = news_page(conn)
        weekly, _ = digests(conn, limit=5)
    name = actor.display_name or actor.username
    feed_entries = [FeedEntry(id=e.object_uri, title=e.title,
                              url=e.source_url if e.picked else e.object_uri,
                              author_name=name, author_uri=actor.uri,
                              published=as_utc(e.approved_at), updated=as_utc(e.approved_at),
                              content_html=e.content_html, summary_html=e.summary_html)
                    for e in entries]
    feed_entries += [digest_entry(d, actor.uri, name, base=actor.uri) for d in weekly]
    feed_entries.sort(key=lambda e: e.updated, reverse=True)
    info = FeedInfo(id=f"{actor.uri}/feed.atom", title=name, self_url=f"{actor.uri}/feed.atom",
                    alternate_url=actor.uri, author_name=name, author_uri=actor.uri,
                    updated=max([as_utc(actor.updated_at), *(e.updated for e in feed_entries)]),
                    hub_url=hub_url)
    return atom_feed(info, feed_entries)


def digest_entry(d: Digest, actor_uri: str, name: str, base: str) -> FeedEntry:
    """A digest in the newswire's feed: its title, and a link to its page."""
    url = f"{base}/digests/{d.id}"
    summary = html.escape(f"The news approved from {d.period_start:%Y-%m-%d} to "
                          f"{d.period_end:%Y-%m-%d}.")
    return FeedEntry(id=d.object_uri or url, title=d.title, url=url, author_name=name,
                     author_uri=actor_uri, published=as_utc(d.created_at),
                     updated=as_utc(d.created_at), content_html=f"<p>{summary}</p>",
                     summary_html=summary)


async def feed_endpoint(request: Request) -> Response:
    node = node_of(request)
    hub = node.settings.websub_hub
    body = await run_in_threadpool(news_feed, node.engine, hub)
    if body is None:
        return Response("not found", 404, media_type="text/plain")
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    if hub:  # W3C WebSub section 4: the hub and the topic's one canonical URL
        headers["Link"] = link_header(hub, f"{node.settings.url}/news/feed.atom")
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, 200, headers, MEDIA_TYPE)


def routes() -> list[BaseRoute]:
    return [Route("/news/feed.atom", feed_endpoint, methods=["GET"])]
