"""``/network/feed.atom``: the network timeline as Atom 1.0, with the page's filters.

The same query as ``/network`` (:func:`node.network.timeline.timeline_page`), the same
filters (``node``, ``hub``, ``kind``), and the same Atom builder as the hubs' feeds
(:func:`node.hubs.hub.atom.atom_feed`, RFC 4287). Stored HTML is sanitised again on the
way out. An ``ETag`` lets feed readers poll with ``If-None-Match`` (RFC 9110 §13.1.2).
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.activitypub.remote_objects import parse_time
from node.clock import as_utc
from node.html import sanitize_html
from node.hubs.hub.atom import ATOM_TYPE, FeedEntry, FeedInfo, atom_feed, plain_title
from node.network.timeline import Filters, TimelineItem, TimelinePage, timeline_page
from node.runtime import Node
from node.web.hub_admin_views import reading
from node.web.network_timeline import as_item, filters_of
from node.web.queries import authors, web_url

FEED_SIZE = 50
MEDIA_TYPE = f"{ATOM_TYPE}; charset=utf-8"


def _entry(row: TimelineItem, author_uri: str, author_name: str) -> FeedEntry:
    doc = row.document
    content = sanitize_html(str(doc.get("content") or ""))
    published = as_utc(as_item(row).published or row.received_at)
    updated = parse_time(doc.get("updated")) or published
    summary = doc.get("summary")
    url = doc.get("url")
    return FeedEntry(
        id=row.uri, title=plain_title(doc.get("name"), content),
        url=web_url(url if isinstance(url, str) else "") or row.uri,
        author_name=author_name, author_uri=author_uri or row.uri, published=published,
        updated=max(published, as_utc(updated)), content_html=content,
        summary_html=sanitize_html(summary) if isinstance(summary, str) else "")


def network_feed(node: Node, conn: Connection, filters: Filters | None, name: str) -> bytes:
    """The Atom document of the timeline's newest items under ``filters``."""
    page = (timeline_page(conn, filters, limit=FEED_SIZE) if filters
            else TimelinePage([], None))
    writers = {row.id: as_item(row).author for row in page.items}
    people = authors(conn, set(writers.values()), node.settings.host)
    found = [_entry(row, writers[row.id], people[writers[row.id]].name
                    if writers[row.id] in people else "") for row in page.items]
    query = urlencode((filters or Filters()).query())
    base = node.settings.url
    info = FeedInfo(
        id=f"{base}/network/feed.atom", title=f"{name} · network",
        self_url=f"{base}/network/feed.atom" + (f"?{query}" if query else ""),
        alternate_url=f"{base}/network" + (f"?{query}" if query else ""),
        author_name=name, author_uri=base,
        updated=max([as_utc(row.received_at) for row in page.items]
                    + [e.updated for e in found] or [node.clock()]))
    return atom_feed(info, found)


async def feed(request: Request) -> Response:
    filters = filters_of(request)
    body = await reading(request, lambda node, conn: network_feed(
        node, conn, filters, node.settings.node_name or node.settings.host))
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, 200, headers, MEDIA_TYPE)


def routes() -> list[BaseRoute]:
    return [Route("/network/feed.atom", feed, methods=["GET"])]
