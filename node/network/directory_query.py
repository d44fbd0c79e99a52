"""Reading the hub directory: search, filters and keyset pages (issue 9 item 5).

Hubs are listed by title (``sort_key``, the lower-case title) then id, a page at a time:
``after`` carries the ``(sort_key, id)`` of the last hub of the page before
(:mod:`node.keyset`) and the next page starts after it, so a deep page costs what the
first does (no OFFSET), hubs learned meanwhile never shift a page, and a hub that is
gone or renamed does not send the reader back to the first page. The search reads the
title, the handle, the tags and the mission's text; tag, region and node narrow it.
Placeholders (hubs seen in a relayed item and not fetched yet) are not listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, and_, func, or_, select

from node.keyset import TextKey, TimeKey
from node.network.facet_scan import distinct_values
from node.network.hub_tags import tag_list
from node.network.models import NetworkHub

_hub = NetworkHub.__table__  # type: ignore[attr-defined]
PAGE = 20
MAX_FACETS = 200


@dataclass(frozen=True)
class DirectoryFilters:
    """What the reader asked for; empty strings narrow nothing."""

    search: str = ""
    tag: str = ""
    region: str = ""
    node: str = ""

    def query(self) -> dict[str, str]:
        return {k: v for k, v in (("q", self.search), ("tag", self.tag),
                                  ("region", self.region), ("node", self.node)) if v}


@dataclass(frozen=True)
class DirectoryEntry:
    id: int
    uri: str
    local: bool
    handle: str
    title: str
    summary: str
    region: str
    tags: list[str]
    host: str
    url: str
    followers: int | None
    last_activity: datetime | None
    created_at: datetime | None = None  # when this node learned of the hub


@dataclass(frozen=True)
class DirectoryPage:
    entries: list[DirectoryEntry]
    after: TextKey | None  # the cursor of the next page; None on the last page


@dataclass(frozen=True)
class ActivityPage:
    entries: list[DirectoryEntry]
    after: TimeKey | None  # the cursor of the next page; None on the last page


def _like(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its wildcards escaped."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(filters: DirectoryFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [_hub.c.refreshed_at.is_not(None)]
    if filters.search:
        pattern = _like(filters.search)
        where.append(or_(_hub.c.sort_key.like(pattern, escape="\\"),
                         _hub.c.summary_text.like(pattern, escape="\\"),
                         _hub.c.tags.like(pattern, escape="\\"),
                         func.lower(_hub.c.handle).like(pattern, escape="\\")))
    if filters.tag:
        where.append(_hub.c.tags.like(_like(f" {filters.tag.lstrip('#')} "), escape="\\"))
    if filters.region:
        where.append(func.lower(_hub.c.region) == filters.region.lower())
    if filters.node:
        where.append(_hub.c.host == filters.node.lower())
    return where


def directory_page(conn: Connection, filters: DirectoryFilters, *,
                   after: TextKey | None = None, limit: int = PAGE) -> DirectoryPage:
    """One page of hubs in title order, starting after the ``(sort_key, id)`` of
    ``after`` (held by the cursor: the hub it came from may be gone or renamed)."""
    query = select(_hub).where(*_where(filters)).order_by(_hub.c.sort_key, _hub.c.id) \
        .limit(limit + 1)
    if after is not None:
        query = query.where(or_(_hub.c.sort_key > after.text,
                                and_(_hub.c.sort_key == after.text, _hub.c.id > after.id)))
    rows = conn.execute(query).all()
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    return DirectoryPage(_entries(rows[:limit]), TextKey(last.sort_key, last.id) if last else None)


def title_key(conn: Connection, hub_id: int) -> TextKey | None:
    """Where a former ``?after=<id>`` link points: that hub's title key and id; None
    when it is gone (the first page then, :mod:`node.keyset`)."""
    text = conn.execute(select(_hub.c.sort_key).where(_hub.c.id == hub_id)).scalar()
    return TextKey(text, hub_id) if text is not None else None


def activity_key(conn: Connection, hub_id: int) -> TimeKey | None:
    """As :func:`title_key`, for the Atom feed's order (activity, id)."""
    at = conn.execute(select(_activity()).where(_hub.c.id == hub_id)).scalar()
    return TimeKey(at, hub_id) if at is not None else None


def _entries(rows: Sequence[Row[Any]]) -> list[DirectoryEntry]:
    return [DirectoryEntry(r.id, r.actor_uri, bool(r.local), r.handle, r.title, r.summary,
                           r.region, r.tags.split(), r.host, r.url, r.followers,
                           r.last_activity, r.created_at) for r in rows]


def _activity() -> ColumnElement[datetime]:
    """When a hub was last seen active: its last item, else when we learned of it."""
    return func.coalesce(_hub.c.last_activity, _hub.c.created_at)


def activity_page(conn: Connection, filters: DirectoryFilters, *,
                  after: TimeKey | None = None, limit: int = PAGE) -> ActivityPage:
    """One page of hubs, the most recently active first (the directory's Atom feed),
    starting after the ``(activity, id)`` ``after`` holds, descending, as
    :func:`directory_page` pages by title (the hub the cursor came from may be gone)."""
    activity = _activity()
    query = select(_hub, activity.label("at")).where(*_where(filters)) \
        .order_by(activity.desc(), _hub.c.id.desc()).limit(limit + 1)
    if after is not None:
        query = query.where(or_(activity < after.at,
                                and_(activity == after.at, _hub.c.id < after.id)))
    rows = conn.execute(query).all()
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    return ActivityPage(_entries(rows[:limit]), TimeKey(last.at, last.id) if last else None)


def matching(filters: DirectoryFilters) -> Select[Any]:
    """The actor ids of every listed hub under ``filters``, as a subquery (the
    directory's calendar reads the events of these hubs)."""
    return select(_hub.c.actor_uri).where(*_where(filters))


def matching_local(conn: Connection, filters: DirectoryFilters) -> list[str]:
    """The actor ids of this node's own hubs under ``filters`` (a few)."""
    return list(conn.execute(select(_hub.c.actor_uri).where(
        *_where(filters), _hub.c.local.is_(True)).order_by(_hub.c.id)).scalars())


@dataclass(frozen=True)
class Facets:
    """The values the filters offer: every tag, region and node in the directory."""

    tags: list[str]
    regions: list[str]
    nodes: list[str]


def facets(conn: Connection) -> Facets:
    """The filters' choices of the listed hubs: a few index seeks each
    (:mod:`node.network.facet_scan`), never a read of every hub (most of a 10,000-hub
    directory page's time when the tags were split from each hub's row)."""
    listed = "refreshed_at IS NOT NULL"
    return Facets(tag_list(conn, MAX_FACETS),
                  distinct_values(conn, "network_hub", "region", f"{listed} AND region <> ''",
                                  MAX_FACETS),
                  distinct_values(conn, "network_hub", "host", listed, MAX_FACETS))
