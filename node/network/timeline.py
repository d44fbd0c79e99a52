"""The network timeline: public items that arrived from followed nodes and relays.

Issue 9 item 5: every node shows the movement's public activity it received, newest
first by publication (a backfill's weeks-old history goes below what is new, not on
top), filtered by origin node (host), hub (any hub it was posted in: ``item_origin``),
kind, tag and region (read as the network calendar reads them:
:mod:`node.network.item_index`), a page at a time. Pages are a keyset on
``(published_at, id)``: ``before`` carries the last shown item's publication time and
id (:mod:`node.keyset`), not a reference to its row, so the next page is right even
when that item was deleted meanwhile; a page shows the same items however many arrive,
and a deep page costs what the first one does (no OFFSET). The node, kind and region
filters have their own ``(column, published_at, id)`` index, so a filtered page walks
only the matching rows; a hub or a tag is read the way that costs least for how many
items it has (:func:`sparse_filters`).

An item is stored once per object id (``network_item.object_uri`` is unique), so it is
listed once whichever paths brought it. Deleted objects are left out by the query;
objects no longer addressed to the public (an ``Update`` may change that) are left out
as the page is read, so a page may hold fewer than ``limit`` items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, exists, or_, select

from node.activitypub.models import StoredObject
from node.activitypub.vocab import is_public
from node.keyset import TimeKey
from node.network.models import ItemOrigin, NetworkItem, NetworkItemTag

#: The kinds a reader can filter by: the ActivityStreams types hubs publish, and
#: Lemmy's posts (Pages).
KINDS = ("Note", "Article", "Event", "Question", "Page")
PAGE = 20
SPARSE = 300  # a hub or tag with at most this many items is read through its index
_item = NetworkItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_origin = ItemOrigin.__table__  # type: ignore[attr-defined]
_tag = NetworkItemTag.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the timeline to; empty strings filter nothing."""

    node: str = ""
    hub: str = ""
    kind: str = ""
    tag: str = ""  # lower case, without "#"
    region: str = ""  # lower case

    def query(self) -> dict[str, str]:
        """The filters that are set, as GET parameters (for the next page's link)."""
        return {k: v for k, v in (("node", self.node), ("hub", self.hub),
                                  ("kind", self.kind), ("tag", self.tag),
                                  ("region", self.region)) if v}


@dataclass(frozen=True)
class TimelineItem:
    id: int
    uri: str
    type: str
    hub: str | None
    origin_host: str
    received_at: datetime
    published: datetime | None
    document: dict[str, Any]


@dataclass(frozen=True)
class TimelinePage:
    items: list[TimelineItem]
    before: TimeKey | None  # the cursor of the next (older) page, None on the last page


def timeline_page(conn: Connection, filters: Filters, *, before: TimeKey | None = None,
                  limit: int = PAGE, sparse_at: int = SPARSE) -> TimelinePage:
    """One page of the timeline, newest publication first (ties: newest arrival)."""
    sparse = sparse_filters(conn, filters, sparse_at)
    rows = conn.execute(timeline_query(filters, before, limit + 1, sparse)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [TimelineItem(r.id, r.object_uri, r.object_type, r.hub_uri, r.origin_host,
                          r.received_at, r.published, r.document) for r in rows
             if isinstance(r.document, dict) and is_public(r.document)]
    last = rows[-1] if more and rows else None
    return TimelinePage(items, TimeKey(last.published_at, last.id) if last else None)


def timeline_key(conn: Connection, item_id: int) -> TimeKey | None:
    """Where a former ``?before=<id>`` link points: that item's time and id; None when
    it is gone (the reader gets the first page, :mod:`node.keyset`)."""
    at = conn.execute(select(_item.c.published_at).where(_item.c.id == item_id)).scalar()
    return TimeKey(at, item_id) if at is not None else None


def timeline_query(filters: Filters, before: TimeKey | None, limit: int,
                   sparse: dict[str, list[int]] | None = None) -> Select[Any]:
    """The rows of a page (and the benchmark's plans, bench/network_timeline.py);
    ``sparse`` holds the items of the filters that match few (:func:`sparse_filters`)."""
    sparse = sparse or {}
    query = (select(_item.c.id, _item.c.object_uri, _item.c.object_type, _item.c.hub_uri,
                    _item.c.origin_host, _item.c.received_at, _item.c.published_at,
                    _objects.c.published, _objects.c.document)
             .join(_objects, _objects.c.uri == _item.c.object_uri)
             .where(_objects.c.deleted_at.is_(None))
             .order_by(_item.c.published_at.desc(), _item.c.id.desc()).limit(limit))
    if before is not None:
        query = query.where(or_(_item.c.published_at < before.at,
                                and_(_item.c.published_at == before.at,
                                     _item.c.id < before.id)))
    if filters.node:
        query = query.where(_item.c.origin_host == filters.node.lower())
    if filters.hub:  # any hub it was posted in (item_origin), not only the first
        query = query.where(_item.c.id.in_(sparse["hub"]) if "hub" in sparse else or_(
            _item.c.hub_uri == filters.hub,
            exists().where(_origin.c.object_uri == _item.c.object_uri,
                           _origin.c.hub_uri == filters.hub)))
    if filters.kind:
        query = query.where(_item.c.object_type == filters.kind)
    if filters.region:
        query = query.where(_item.c.region == filters.region)
    if filters.tag:
        query = query.where(_item.c.id.in_(sparse["tag"]) if "tag" in sparse
                            else exists().where(_tag.c.item_id == _item.c.id,
                                                _tag.c.tag == filters.tag))
    return query


def sparse_filters(conn: Connection, filters: Filters,
                   sparse_at: int = SPARSE) -> dict[str, list[int]]:
    """The items of the hub and tag filters that match few (at most ``sparse_at``),
    read through their own indexes (``ix_item_origin_hub_uri``, the hub page index,
    ``ix_network_item_tag_tag``) and never past ``sparse_at + 1`` rows.

    A page of a common hub or tag walks the newest items and probes each: it meets a
    page's worth soon. A rare one would walk every item for nothing (80 ms of CPU a
    page on 100,000 items, bench/network_timeline.py), so its few items are named by
    id and sorted instead, which costs in proportion to how many there are: on that
    bench the two cost the same near 300. The ids, not a subquery: given a subquery,
    PostgreSQL still chose to walk."""
    found: dict[str, list[int]] = {}
    if filters.hub:
        first = _few(conn, select(_item.c.id).where(_item.c.hub_uri == filters.hub),
                     sparse_at)
        shared = _few(conn, select(_item.c.id).join(
            _origin, _origin.c.object_uri == _item.c.object_uri).where(
            _origin.c.hub_uri == filters.hub), sparse_at) if first is not None else None
        if first is not None and shared is not None:
            found["hub"] = sorted({*first, *shared})
    if filters.tag:
        tagged = _few(conn, select(_tag.c.item_id).where(_tag.c.tag == filters.tag),
                      sparse_at)
        if tagged is not None:
            found["tag"] = sorted(set(tagged))
    return found


def _few(conn: Connection, ids: Select[Any], sparse_at: int) -> list[int] | None:
    """The ids ``ids`` selects, or None when there are more than ``sparse_at``."""
    found = list(conn.execute(ids.limit(sparse_at + 1)).scalars())
    return found if len(found) <= sparse_at else None
