"""The network calendar's entries: received events (:mod:`node.network.calendar`) and the
node's own hubs' events and calls (:mod:`node.hubs.events.schedule`), as one list.

The network domain may not read the hubs (ARCHITECTURE.md section 7), so the two meet
here, in the web layer. Both become :class:`~node.hubs.events.schedule.Entry` values,
ordered by ``(start, key)`` and paged with the same cursor, so the month grid and the
agenda of :mod:`node.web.calendar_view` draw them alike. The filters apply to both: a
node filter other than this node's host leaves the hubs' own out, a hub filter names
one hub (ours or another's), and tag and region filters read the hubs' own items'
hashtags and their hub's region.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from node.activitypub.models import LocalActor, StoredObject
from node.hubs.events import schedule
from node.hubs.events.rules import title_of
from node.hubs.hub.models import Hub, HubItem
from node.network import calendar as network
from node.network.event_facts import EventFacts, event_facts
from node.network.event_index import hashtags
from node.web.queries import web_url

_actor = LocalActor.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Origin:
    """Where a network entry came from, and what its document says (agenda only)."""

    host: str
    hub: str | None
    facts: EventFacts | None
    tentative: bool


def _hub_id(conn: Connection, hub_uri: str) -> int | bool | None:
    """The id of our hub ``hub_uri``; False when it is not one of ours."""
    found = conn.execute(select(_hub.c.id).join(_actor, _actor.c.id == _hub.c.actor_id)
                         .where(_actor.c.uri == hub_uri)).scalar()
    return False if found is None else int(found)


def _keep_local(conn: Connection, entries: list[schedule.Entry], filters: network.Filters
                ) -> list[schedule.Entry]:
    """The hubs' own entries that carry the filter's hashtag and are in its region."""
    if not entries or not (filters.tag or filters.region):
        return entries
    uris = list({e.file for e in entries})
    allowed = set(uris)
    if filters.region:
        allowed &= set(conn.execute(
            select(_item.c.object_uri).join(_hub, _hub.c.id == _item.c.hub_id)
            .where(_item.c.object_uri.in_(uris),
                   func.lower(_hub.c.region) == filters.region.lower())).scalars())
    if filters.tag:
        wanted = filters.tag.lstrip("#").lower()
        docs = conn.execute(select(_objects.c.uri, _objects.c.document)
                            .where(_objects.c.uri.in_(uris)))
        allowed &= {uri for uri, doc in docs
                    if isinstance(doc, dict) and wanted in hashtags(doc)}
    return [e for e in entries if e.file in allowed]


def local_scope(conn: Connection, filters: network.Filters, own_host: str
                ) -> int | bool | None:
    """Which of our hubs the filters let in: None (all), a hub id, or False (none)."""
    if filters.node and filters.node.lower() != own_host:
        return False
    if filters.hub:
        return _hub_id(conn, filters.hub)
    return None


def _network_entry(row: network.CalendarRow) -> schedule.Entry:
    return schedule.Entry(key=row.uri, page=row.url or web_url(row.uri), file=row.uri,
                          kind=row.kind, title=title_of(row.title), start=row.start,
                          end=row.end, cancelled=row.status == "cancelled")


def _origins(rows: Sequence[network.CalendarRow]) -> dict[str, Origin]:
    found = {}
    for row in rows:
        facts = event_facts(row.document) if row.document is not None else None
        found[row.uri] = Origin(row.origin_host, row.hub, facts, row.status == "tentative")
    return found


def month_entries(conn: Connection, start: datetime, end: datetime,
                  filters: network.Filters, own_host: str) -> list[schedule.Entry]:
    """Every entry of the network and of our hubs overlapping [start, end)."""
    rows = network.between(conn, start, end, filters)
    found = [_network_entry(r) for r in rows]
    scope = local_scope(conn, filters, own_host)
    if scope is not False and filters.kind in ("", "event", "call"):
        local = schedule.between(conn, start, end, scope)
        found += _keep_local(conn, [e for e in local if not filters.kind
                                    or e.kind == filters.kind], filters)
    return sorted(found, key=lambda e: (e.start, e.key))


@dataclass(frozen=True)
class AgendaPage:
    entries: list[schedule.Entry]
    origins: dict[str, Origin]  # network entries, by object id
    more: schedule.Cursor | None


def agenda_entries(conn: Connection, now: datetime, filters: network.Filters,
                   own_host: str, after: schedule.Cursor | None, limit: int) -> AgendaPage:
    """Upcoming entries of the network and our hubs, ``limit`` after ``after``."""
    rows = network.upcoming(conn, now, filters, limit=limit,
                            after=(after.start, after.key) if after else None)
    found = [_network_entry(r) for r in rows]
    scope = local_scope(conn, filters, own_host)
    if scope is not False:
        local, _ = schedule.upcoming(conn, now, after=after, limit=limit + 1, hub_id=scope)
        if filters.kind:
            local = [e for e in local if e.kind == filters.kind]
        found += _keep_local(conn, local, filters)
    found.sort(key=lambda e: (e.start, e.key))
    page = found[:limit]
    more = schedule.Cursor(page[-1].start, page[-1].key) if len(found) > limit else None
    return AgendaPage(page, _origins([r for r in rows if r.uri in {e.key for e in page}]),
                      more)
