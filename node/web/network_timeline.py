"""``/network``: the network timeline, public items from followed nodes and relays.

The query is the network domain's (:func:`node.network.timeline.timeline_page`); this
module turns its rows into the hub cards (:mod:`node.web.hub_cards`), so times,
authors, avatars and sanitised Markdown read as they do on a hub page, and adds what a
hub page does not need: the item's kind, its origin hub and node (links, never a raw
URL as text) and a link that narrows the timeline to that hub. Filters are GET
parameters (``node``, ``hub``, ``kind``, ``tag``, ``region``) set by a small form
that needs no JavaScript; a value nothing can match (an unknown host, a NUL) gives
an empty page, not an error. Times are in the node's zone, and in the signed-in
reader's own beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.activitypub.remote_objects import parse_time
from node.activitypub.vocab import refs
from node.hubs.hub.dashboard import Item
from node.keyset import TimeKey, parse_row_id, parse_time_key
from node.network.event_facts import EventFacts, event_facts
from node.network.origins import posted_in
from node.network.timeline import (
    Filters,
    TimelineItem,
    TimelinePage,
    timeline_key,
    timeline_page,
)
from node.runtime import Node
from node.web.auth import current_login, reader_zone
from node.web.hub_admin_views import reading
from node.web.hub_cards import Card, Reading, card
from node.web.i18n import N_, locale_of
from node.web.queries import ActorLink, authors, web_url
from node.web.templating import render

#: The kinds as the filter and the cards name them, and the card each is drawn as.
KIND_NAMES = {"Note": N_("Note"), "Article": N_("Article"), "Event": N_("Event"),
              "Question": N_("Question"), "Page": N_("Page")}
CARD_KINDS = {"Event": "event", "Question": "poll", "Article": "minutes", "Page": "minutes"}
LIMITS = {"node": 255, "hub": 1024, "kind": 64, "tag": 200, "region": 200}  # columns


@dataclass(frozen=True)
class Entry:
    """One timeline item: its card, kind and where it came from."""

    card: Card
    kind: str  # the ActivityStreams type (Note, Article, Event, Question...)
    hub: ActorLink | None
    hub_uri: str  # "" when the item names no hub
    node: str  # the origin host
    node_url: str
    facts: EventFacts | None = None  # an Event: all its source said (place, status...)


def filters_of(request: Request) -> Filters | None:
    """The reader's filters; None when one of them can match nothing stored (too long,
    control characters: PostgreSQL refuses a NUL in a query)."""
    values = {name: request.query_params.get(name, "").strip() for name in LIMITS}
    if any(len(v) > LIMITS[k] or not v.isprintable() for k, v in values.items()):
        return None
    return Filters(node=values["node"].lower(), hub=values["hub"], kind=values["kind"],
                   tag=values["tag"].lstrip("#").lower(), region=values["region"].lower())


def cursor(request: Request) -> TimeKey | int | None:
    """The ``before`` keyset cursor (the last shown item's time and id), or a former
    link's bare item id (:func:`node.keyset.parse_row_id`); anything else is a 400."""
    value = request.query_params.get("before")
    if value is None:
        return None
    key = parse_time_key(value) or parse_row_id(value)
    if key is None:
        raise HTTPException(400, N_("This link is broken: its \u201cbefore\u201d is not "
                                   "where an \u201cOlder\u201d link starts."))
    return key


def as_item(row: TimelineItem) -> Item:
    """A received object as a hub card reads it (its own dates, else when it arrived)."""
    doc = row.document
    published = parse_time(doc.get("published")) or row.published or row.received_at
    author = next(iter(refs(doc.get("attributedTo"))), "")
    return Item(uri=row.uri, kind=CARD_KINDS.get(row.type, "update"), document=doc,
                starts_at=parse_time(doc.get("startTime")), ends_at=parse_time(doc.get("endTime")),
                published=published, id=row.id, author=author)


def entries(node: Node, conn: Connection, page: TimelinePage, lang: str,
            reader: str | None) -> list[Entry]:
    """Cards of one page, with authors and hubs looked up once for the whole page."""
    items = [as_item(row) for row in page.items]
    people = authors(conn, {i.author for i in items} | {r.hub or "" for r in page.items},
                     node.settings.host)
    view = Reading(zone=node.settings.timezone, lang=lang, now=node.clock(), authors=people,
                   likes={}, notices={}, series={}, base=node.settings.url,
                   reader_zone=reader, posted_in=posted_in(conn, [i.uri for i in items]))
    return [Entry(card=card(item, view), kind=row.type, hub=people.get(row.hub or ""),
                  hub_uri=web_url(row.hub), node=row.origin_host,
                  node_url=f"https://{row.origin_host}/",
                  facts=event_facts(row.document) if row.type == "Event" else None)
            for item, row in zip(items, page.items, strict=True)]


def _page(node: Node, conn: Connection, filters: Filters | None, given: TimeKey | int | None,
          lang: str, reader: str | None) -> dict[str, Any]:
    before = timeline_key(conn, given) if isinstance(given, int) else given
    page = timeline_page(conn, filters, before=before) if filters else TimelinePage([], None)
    shown = filters or Filters()
    query = shown.query()
    older = f"/network?{urlencode({**query, 'before': str(page.before)})}" if page.before else ""
    return {"entries": entries(node, conn, page, lang, reader), "filters": shown,
            "kinds": KIND_NAMES, "older": older, "zone": node.settings.timezone,
            "feed_url": "/network/feed.atom" + (f"?{urlencode(query)}" if query else ""),
            "filtered": filters is None or bool(query)}


async def timeline(request: Request) -> Response:
    """GET /network: the newest page, or the one before ``?before=``."""
    filters, before, lang = filters_of(request), cursor(request), locale_of(request)
    reader = reader_zone(await current_login(request))
    context = await reading(request, lambda node, conn: _page(node, conn, filters, before,
                                                              lang, reader))
    return await render(request, "network.html", context)


def routes() -> list[BaseRoute]:
    return [Route("/network", timeline, methods=["GET"])]
