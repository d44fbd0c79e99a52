"""``/network/directory.atom`` and ``/network/directory.ics``: the hub directory to
subscribe to (issue 9 item 5: "pages, with Atom and iCalendar versions of each").

Both read the directory page's search and filters (``q``, ``tag``, ``region``, ``node``:
:func:`node.web.network_directory.filters_of`), so a reader subscribes to exactly what
they searched for.

* The Atom feed has one entry per hub, the most recently active first
  (:func:`node.network.directory_query.activity_page`), written by the hubs' Atom
  builder (:func:`node.hubs.hub.atom.atom_feed`, RFC 4287): the hub's title, its
  mission (sanitised again on the way out), its page, its handle, node and region, its
  tags as ``category`` terms, ``updated`` its last activity. It is paged as RFC 5005
  section 3 describes: ``rel="next"`` names the same keyset cursor (``after``) the page
  uses, so a deep page costs what the first does.
* The calendar holds the events and calls of the hubs that match: the network
  calendar's received events posted in any of them (:func:`node.web.network_calendar_ics.
  network_blocks`, the same VEVENT writer and block cache), and this node's own matching
  hubs' events, calls and call series (:func:`node.hubs.events.calendar_views.
  feed_blocks`). Like the network calendar it keeps 30 days of history, so a subscribed
  calendar does not lose what just happened.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from html import escape
from urllib.parse import urlencode

from sqlalchemy import Connection, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.activitypub.models import LocalActor
from node.clock import as_utc
from node.html import sanitize_html
from node.hubs.events import calendar
from node.hubs.events.calendar_views import CALENDAR, block_cache, feed_blocks
from node.hubs.hub.atom import ATOM_TYPE, FeedEntry, FeedInfo, atom_feed
from node.hubs.hub.models import Hub
from node.keyset import TimeKey, parse_row_id, parse_time_key
from node.network.calendar import Filters
from node.network.directory import sync_local
from node.network.directory_query import (
    ActivityPage,
    DirectoryEntry,
    DirectoryFilters,
    activity_key,
    activity_page,
    matching,
    matching_local,
)
from node.runtime import Node
from node.web.hub_admin_views import in_transaction
from node.web.i18n import N_
from node.web.network_calendar_ics import network_blocks
from node.web.network_directory import PAGE, filters_of

ATOM_PATH = f"{PAGE}.atom"
ICS_PATH = f"{PAGE}.ics"
FEED_SIZE = 50
MEDIA_TYPE = f"{ATOM_TYPE}; charset=utf-8"
_actors = LocalActor.__table__  # type: ignore[attr-defined]
_hubs = Hub.__table__  # type: ignore[attr-defined]


def _with(path: str, query: dict[str, str]) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def _entry(hub: DirectoryEntry, now: datetime) -> FeedEntry:
    updated = as_utc(hub.last_activity or hub.created_at or now)
    learned = as_utc(hub.created_at or updated)
    where = [
        f"@{hub.handle}" if hub.handle else hub.uri,
        hub.host,
        *([hub.region] if hub.region else []),
    ]
    return FeedEntry(
        id=hub.uri,
        title=hub.title,
        url=hub.url or hub.uri,
        author_name=hub.title,
        author_uri=hub.uri,
        published=min(learned, updated),
        updated=updated,
        content_html=sanitize_html(hub.summary),
        summary_html=escape(" · ".join(where)),
        categories=tuple(hub.tags),
    )


def directory_atom(
    node: Node, conn: Connection, filters: DirectoryFilters | None,
    given: TimeKey | int | None, name: str
) -> bytes:
    """The Atom document of one page of the hubs ``filters`` let through."""
    now = node.clock()
    sync_local(conn, node.settings.url, node.services.actor_sources.extras, now)
    after = activity_key(conn, given) if isinstance(given, int) else given
    page = (
        activity_page(conn, filters, after=after, limit=FEED_SIZE)
        if filters
        else ActivityPage([], None)
    )
    query = (filters or DirectoryFilters()).query()
    base = node.settings.url
    entries = [_entry(hub, now) for hub in page.entries]
    info = FeedInfo(
        id=f"{base}{ATOM_PATH}",
        title=f"{name} · hub directory",
        self_url=base + _with(ATOM_PATH, {**query, **({"after": str(after)} if after else {})}),
        alternate_url=base + _with(PAGE, query),
        author_name=name,
        author_uri=base,
        updated=max([e.updated for e in entries] or [now]),
        next_url=base + _with(ATOM_PATH, {**query, "after": str(page.after)}) if page.after else "",
    )
    return atom_feed(info, entries)


def _hub_ids(conn: Connection, uris: list[str]) -> list[int]:
    if not uris:
        return []
    return list(
        conn.execute(
            select(_hubs.c.id)
            .join(_actors, _actors.c.id == _hubs.c.actor_id)
            .where(_actors.c.uri.in_(uris))
        ).scalars()
    )


def directory_calendar(
    node: Node,
    conn: Connection,
    cache: calendar.BlockCache,
    filters: DirectoryFilters | None,
    name: str,
) -> bytes:
    """The VCALENDAR of the events and calls of the hubs ``filters`` let through."""
    now = node.clock()
    blocks: list[calendar.Block] = []
    if filters is not None:
        sync_local(conn, node.settings.url, node.services.actor_sources.extras, now)
        blocks = network_blocks(conn, cache, now, Filters(hubs=matching(filters)))
        ours = _hub_ids(conn, matching_local(conn, filters))
        if ours:
            blocks += feed_blocks(conn, cache, now, hub_ids=ours)
    return calendar.assemble(
        f"{name} · hub directory", blocks, "Calls and actions of the hubs in the directory"
    )


def _name(node: Node) -> str:
    return node.settings.node_name or node.settings.host


def time_cursor(request: Request) -> TimeKey | int | None:
    """The feed's ``after`` cursor (the last listed hub's activity and id), or a former
    link's bare hub id (:func:`node.keyset.parse_row_id`); else a 400."""
    value = request.query_params.get("after")
    if value is None:
        return None
    key = parse_time_key(value) or parse_row_id(value)
    if key is None:
        raise HTTPException(400, N_("This link is broken: its \u201cafter\u201d is not "
                                   "where a \u201cnext\u201d link starts."))
    return key


async def atom(request: Request) -> Response:
    """GET /network/directory.atom; an ``ETag`` lets readers poll with ``If-None-Match``
    (RFC 9110 section 13.1.2)."""
    filters, after = filters_of(request), time_cursor(request)
    body = await in_transaction(
        request, lambda node, conn: directory_atom(node, conn, filters, after, _name(node))
    )
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, 200, headers, MEDIA_TYPE)


async def ics(request: Request) -> Response:
    """GET /network/directory.ics (subscribed as ``webcal://``)."""
    filters, cache = filters_of(request), block_cache(request)
    body = await in_transaction(
        request, lambda node, conn: directory_calendar(node, conn, cache, filters, _name(node))
    )
    return Response(body, 200, {"Cache-Control": "public, max-age=300"}, media_type=CALENDAR)


def routes() -> list[BaseRoute]:
    return [Route(ATOM_PATH, atom, methods=["GET"]), Route(ICS_PATH, ics, methods=["GET"])]
