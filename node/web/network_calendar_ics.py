"""``/network/calendar.ics`` and ``/network/calendar/event.ics?id=URI``: the network
calendar to subscribe to (``webcal://``), and "add to calendar" for one of its events.

The feed holds the network's events that ended at most 30 days ago and the later ones
(:func:`node.network.calendar.feed_rows`, at most 1,000) under the reader's filters,
and, unless the filters leave them out, the node's own hubs' events, calls and call
series (:func:`node.hubs.events.calendar_views.feed_blocks`). Each received Event
becomes a VEVENT through the hubs' iCalendar writer (:mod:`node.hubs.events.calendar`)
once per change, kept in the app's block cache; one that cannot be written (no
readable start, an odd value) is skipped and logged: one odd item never fails a feed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from node.hubs.events import calendar
from node.hubs.events.calendar_views import CALENDAR, block_cache, feed_blocks, hub_event_file
from node.network.calendar import CalendarRow, Filters, documents, event_document, feed_rows
from node.runtime import Node
from node.web.hub_admin_views import reading
from node.web.network_calendar import filters_of
from node.web.network_calendar_data import local_scope

log = logging.getLogger(__name__)


def _ics(body: bytes, filename: str | None = None) -> Response:
    headers = {"Cache-Control": "public, max-age=300"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, 200, headers, media_type=CALENDAR)


def _key(row: CalendarRow) -> tuple[str, ...]:
    """Changes when the event does: its times (indexed) or its ``updated`` stamp."""
    return ("network", row.uri, str(row.updated), row.start.isoformat(),
            row.end.isoformat(), row.status)


def _serialise(cache: calendar.BlockCache, row: CalendarRow, doc: dict[str, Any] | None
               ) -> calendar.Block | None:
    if doc is None:
        return None
    try:
        return cache.put(_key(row), calendar.event_block(dict(doc)))
    except Exception:
        log.warning("network calendar: skipping %s, which cannot be exported", row.uri,
                    exc_info=True)
        return None


def network_blocks(conn: Connection, cache: calendar.BlockCache, now: datetime,
                   filters: Filters) -> list[calendar.Block]:
    """The network's VEVENTs, serialised only for events that changed since last time."""
    rows = feed_rows(conn, now, filters)
    cached = cache.get_many([_key(r) for r in rows])
    docs = documents(conn, [r.uri for r, c in zip(rows, cached, strict=True) if c is None])
    made = [c if c is not None else _serialise(cache, r, docs.get(r.uri))
            for r, c in zip(rows, cached, strict=True)]
    return [b for b in made if b is not None]


def network_feed(node: Node, conn: Connection, cache: calendar.BlockCache,
                 filters: Filters | None, now: datetime) -> bytes:
    """The VCALENDAR of the network (and our hubs) under ``filters``."""
    blocks: list[calendar.Block] = []
    if filters is not None:
        blocks = network_blocks(conn, cache, now, filters)
        scope = local_scope(conn, filters, node.settings.host)
        if scope is not False and not (filters.tag or filters.region or filters.kind):
            blocks += feed_blocks(conn, cache, now, scope)
    name = f"{node.settings.node_name or node.settings.host} · network"
    return calendar.assemble(name, blocks, "Calls and actions of the network")


async def feed(request: Request) -> Response:
    filters, cache = filters_of(request), block_cache(request)
    body = await reading(request, lambda node, conn: network_feed(
        node, conn, cache, filters, node.clock()))
    return _ics(body)


def _single(conn: Connection, uri: str) -> bytes | None:
    document = event_document(conn, uri)
    if document is None:
        return None
    try:
        return calendar.single(dict(document))
    except Exception:  # an odd remote document: "not found" rather than a 500
        log.warning("network calendar: %s cannot be exported", uri, exc_info=True)
        return None


async def event_file(request: Request) -> Response:
    """One network event's file; else an event of one of our hubs (a remote member's)."""
    uri = request.query_params.get("id", "")
    if not uri or len(uri) > 1024 or not uri.isprintable():
        return Response(b'{"error": "not found"}', 404, media_type="application/json")
    body: Any = await reading(request, lambda node, conn: _single(conn, uri))
    if body is None:
        return await hub_event_file(request)
    return _ics(body, "event.ics")


def routes() -> list[BaseRoute]:
    return [Route("/network/calendar.ics", feed, methods=["GET"]),
            Route("/network/calendar/event.ics", event_file, methods=["GET"])]
