"""The network calendar's queries: received events and calls over a span of time, the
upcoming ones a page at a time, and those a subscribed calendar gets (issue 9 item 5).

Everything reads ``network_event`` (:mod:`node.network.event_index`) by its
``(starts_at, object_uri)`` index: a span looks back :data:`SPAN` for events still
running, and reads the few longer ones through ``(long, ends_at)``, so a month of a
node holding 100,000 network items is two index ranges (bench/network_calendar.py).
A month reads only the index (title, link and status are indexed with the times); an
agenda page reads whole documents, a page at a time, and a feed only those its cache
of serialised events lacks.
Filters are those of the timeline plus the calendar's own: origin node, hub, kind
(event or call), region and hashtag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, and_, exists, or_, select

from node.activitypub.models import StoredObject
from node.clock import as_utc
from node.network.event_index import SPAN
from node.network.models import ItemOrigin, NetworkEvent, NetworkEventTag

KINDS = ("event", "call")
MONTH_LIMIT = 5000  # a month grid reads at most this many (a day shows a few)
FEED_LIMIT = 1000
FEED_PAST = timedelta(days=30)
_event = NetworkEvent.__table__  # type: ignore[attr-defined]
_tag = NetworkEventTag.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_origin = ItemOrigin.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the calendar to; empty strings filter nothing."""

    node: str = ""
    hub: str = ""
    kind: str = ""
    tag: str = ""
    region: str = ""
    #: only events posted in one of these hubs (a subquery of hub ids: the directory's
    #: calendar, :func:`node.network.directory_query.matching`); None: any hub
    hubs: Select[Any] | None = field(default=None, compare=False)

    def query(self) -> dict[str, str]:
        """The filters that are set, as GET parameters (for the pages' links)."""
        return {k: v for k, v in (("node", self.node), ("hub", self.hub),
                                  ("kind", self.kind), ("tag", self.tag),
                                  ("region", self.region)) if v}


@dataclass(frozen=True)
class CalendarRow:
    """One received event: when, what kind, where from, what a grid shows (from the
    index), and on an agenda page or in a feed its ``document``."""

    uri: str
    kind: str
    start: datetime
    end: datetime
    hub: str | None
    origin_host: str
    title: str = ""
    url: str = ""
    status: str = ""
    updated: datetime | None = None
    document: dict[str, Any] | None = None


def _code_point(conn: Connection) -> Any:
    """``object_uri`` ordered by code point on every backend (see
    :func:`node.hubs.events.schedule` for why a PostgreSQL collation would skip rows)."""
    return _event.c.object_uri.collate("C" if conn.dialect.name == "postgresql" else "BINARY")


def _columns(conn: Connection, what: str) -> list[Any]:
    """The index's columns; a feed's also the stored ``updated`` stamp (its cache key),
    an agenda's the whole document."""
    base = [_code_point(conn).label("uri"), _event.c.kind, _event.c.starts_at,
            _event.c.ends_at, _event.c.hub_uri, _event.c.origin_host, _event.c.title,
            _event.c.url, _event.c.status]
    if what == "month":
        return base
    return [*base, _objects.c.updated, *([_objects.c.document] if what == "whole" else [])]


def _filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    query = query.join(_objects, _objects.c.uri == _event.c.object_uri).where(
        _objects.c.deleted_at.is_(None))
    if filters.node:
        query = query.where(_event.c.origin_host == filters.node.lower())
    if filters.hub:  # any hub it was posted in (item_origin), not only the first
        query = query.where(or_(_event.c.hub_uri == filters.hub, exists().where(
            _origin.c.object_uri == _event.c.object_uri, _origin.c.hub_uri == filters.hub)))
    if filters.hubs is not None:
        query = query.where(or_(_event.c.hub_uri.in_(filters.hubs), exists().where(
            _origin.c.object_uri == _event.c.object_uri, _origin.c.hub_uri.in_(filters.hubs))))
    if filters.kind:
        query = query.where(_event.c.kind == filters.kind)
    if filters.region:
        query = query.where(_event.c.region == filters.region.lower())
    if filters.tag:
        query = query.where(_event.c.id.in_(select(_tag.c.event_id).where(
            _tag.c.tag == filters.tag.lstrip("#").lower())))
    return query


def _row(row: Any, what: str) -> CalendarRow:
    start = as_utc(row.starts_at)
    document = row.document if what == "whole" else None
    return CalendarRow(uri=row.uri, kind=row.kind, start=start,
                       end=max(as_utc(row.ends_at), start), hub=row.hub_uri,
                       origin_host=row.origin_host, title=row.title, url=row.url,
                       status=row.status, updated=None if what == "month" else row.updated,
                       document=document if isinstance(document, dict) else None)


def between(conn: Connection, start: datetime, end: datetime, filters: Filters, *,
            limit: int = MONTH_LIMIT, what: str = "month") -> list[CalendarRow]:
    """Events that overlap [start, end), in start order (at most ``limit``); ``what``
    they carry: ``month`` (the index), ``feed`` (and the stamp), ``whole``."""
    recent = _filtered(select(*_columns(conn, what)), filters).where(
        _event.c.starts_at >= start - SPAN, _event.c.starts_at < end,
        _event.c.ends_at >= start)
    long = _filtered(select(*_columns(conn, what)), filters).where(
        _event.c.long.is_(True), _event.c.ends_at >= start,
        _event.c.starts_at < start - SPAN)
    order = (_event.c.starts_at, _code_point(conn))
    rows = [*conn.execute(long.order_by(*order).limit(limit)),
            *conn.execute(recent.order_by(*order).limit(limit))]
    found = sorted((_row(r, what) for r in rows), key=lambda r: (r.start, r.uri))
    return found[:limit]


def upcoming(conn: Connection, now: datetime, filters: Filters, *,
             after: tuple[datetime, str] | None = None, limit: int = 50
             ) -> list[CalendarRow]:
    """Events that have not ended, in start order, after the ``(start, uri)`` cursor;
    up to ``limit + 1`` (the extra one says there is a next page)."""
    key = _code_point(conn)
    current = _filtered(select(*_columns(conn, "whole")), filters).where(
        _event.c.starts_at >= now - SPAN, _event.c.ends_at >= now)
    long = _filtered(select(*_columns(conn, "whole")), filters).where(
        _event.c.long.is_(True), _event.c.ends_at >= now,
        _event.c.starts_at < now - SPAN)
    if after is not None:
        later = or_(_event.c.starts_at > after[0],
                    and_(_event.c.starts_at == after[0], key > after[1]))
        current, long = current.where(later), long.where(later)
    order = (_event.c.starts_at, key)
    rows = [*conn.execute(long.order_by(*order).limit(limit + 1)),
            *conn.execute(current.order_by(*order).limit(limit + 1))]
    found = sorted((_row(r, "whole") for r in rows), key=lambda r: (r.start, r.uri))
    return found[:limit + 1]


def feed_rows(conn: Connection, now: datetime, filters: Filters, *,
              limit: int = FEED_LIMIT) -> list[CalendarRow]:
    """What a subscribed calendar gets: events that ended at most :data:`FEED_PAST` ago
    and later ones, the soonest first, at most ``limit``; without their documents (a
    feed reads those only for what its cache lacks: :func:`documents`)."""
    return between(conn, now - FEED_PAST, now + timedelta(days=36_500), filters,
                   limit=limit, what="feed")


def documents(conn: Connection, uris: list[str]) -> dict[str, dict[str, Any]]:
    """The stored documents of ``uris``, 500 at a time."""
    found: dict[str, dict[str, Any]] = {}
    for first in range(0, len(uris), 500):
        rows = conn.execute(select(_objects.c.uri, _objects.c.document)
                            .where(_objects.c.uri.in_(uris[first:first + 500])))
        found.update({r.uri: r.document for r in rows if isinstance(r.document, dict)})
    return found


def event_document(conn: Connection, uri: str) -> dict[str, Any] | None:
    """The document of one indexed, undeleted network event ("add to calendar")."""
    document = conn.execute(
        select(_objects.c.document).select_from(_event.join(
            _objects, _objects.c.uri == _event.c.object_uri))
        .where(_event.c.object_uri == uri, _objects.c.deleted_at.is_(None))).scalar()
    return document if isinstance(document, dict) else None
