"""The hub dashboard's data: mission, pinned items, the next calls and events, open polls
and the results of closed ones, the newest updates and minutes, members — each a
bounded, indexed query (issue "Hubs", item 4; issue 8, item 3).

Items are read through ``hub_item`` (indexed by hub, kind, state and id, and by start
time) joined to their stored documents, so a hub with tens of thousands of items renders
quickly. Items of another origin (linked hubs, outside feeds) are rows like any other;
a linked hub's item names the hub it came through (``linked_from``), shown on its card.

No item is shown twice: a pinned item is shown once, among the pinned, and left out of
the other sections; a weekly call is shown once, as its next occurrence; the short Note
that tells Mastodon readers an event moved or was cancelled (a *notice*, see
:mod:`node.hubs.hub.notices`) is attached to its event instead of listed as an update.
Every section lists newest publication first (``hub_item.published_at``: the object's
``published``, never after it arrived, so a link's backfilled history goes below what
is new, not on top). Updates and minutes are pages of a keyset on
``(published_at, id)`` below a cursor that carries both values (:mod:`node.keyset`):
a page stays the same while new items arrive (no OFFSET), and the next one is right
even when the item it stopped at was deleted meanwhile.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select

from node.activitypub.models import Follow, Interaction, LocalActor, StoredObject
from node.hubs.hub.models import CallSeries, Hub, HubItem, HubMember
from node.hubs.hub.notices import Notice, notice_target, notices_of
from node.hubs.hub.times import is_open as poll_is_open
from node.keyset import TimeKey

_item = HubItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]
_member = HubMember.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
_interaction = Interaction.__table__  # type: ignore[attr-defined]
_series = CallSeries.__table__  # type: ignore[attr-defined]

TIMED = ("event", "call")
UPDATES = ("update", "feed")
MINUTES = ("minutes",)
WRITTEN = (*UPDATES, *MINUTES)
ONGOING = timedelta(hours=3)  # an event without an end stays "upcoming" this long
LONGEST = timedelta(days=31)  # an event that began longer ago is not "next up", even ongoing
POLLS_SCANNED = 40  # newest polls read to fill both poll sections
PINNED, NEXT_UP, OPEN_POLLS, RESULTS = 4, 4, 3, 2
PAGE = 4  # updates, and minutes, on the hub page; their own pages show more
MEMBERS_SHOWN = 8


@dataclass(frozen=True)
class Item:
    """One published, live item of the hub with its document."""

    uri: str
    kind: str
    document: dict[str, Any]
    starts_at: datetime | None
    ends_at: datetime | None
    published: datetime | None
    id: int = 0
    author: str = ""
    pinned: bool = False
    series_id: int | None = None
    linked_from: str = ""  # the linked hub it came through (origin ``linked``)
    sort_at: datetime | None = None  # ``hub_item.published_at``: the lists' order


@dataclass(frozen=True)
class Series:
    """A call series an upcoming occurrence belongs to: its rule and its Event."""

    uri: str
    rrule: str
    timezone: str


@dataclass(frozen=True)
class Page:
    """Items newest first, and the cursor of the next (older) page, if there is one."""

    items: list[Item]
    before: TimeKey | None


@dataclass(frozen=True)
class Dashboard:
    pinned: list[Item]
    upcoming: list[Item]
    polls: list[Item]
    results: list[Item]  # closed polls, newest first: they stay on the dashboard
    updates: Page
    minutes: Page
    members: list[tuple[str, str]]
    member_count: int
    followers: int
    likes: dict[str, int]
    series: dict[int, Series] = field(default_factory=dict)
    notices: dict[str, Notice] = field(default_factory=dict)  # by event URI

    @property
    def shown(self) -> list[Item]:
        return [*self.pinned, *self.upcoming, *self.polls, *self.results,
                *self.updates.items, *self.minutes.items]


def items_query(hub_id: int) -> Select[Any]:
    return (
        select(_item.c.id, _item.c.object_uri, _item.c.kind, _item.c.starts_at,
               _item.c.ends_at, _item.c.pinned, _item.c.series_id, _object.c.document,
               _object.c.published, _object.c.attributed_to, _item.c.linked_from,
               _item.c.published_at)
        .join(_object, _object.c.uri == _item.c.object_uri)
        .where(_item.c.hub_id == hub_id, _item.c.state == "published",
               _object.c.deleted_at.is_(None))
    )


def rows(conn: Connection, query: Select[Any]) -> list[Item]:
    return [Item(uri=r.object_uri, kind=r.kind, document=r.document or {},
                 starts_at=r.starts_at, ends_at=r.ends_at, published=r.published, id=r.id,
                 author=r.attributed_to or "", pinned=bool(r.pinned), series_id=r.series_id,
                 linked_from=getattr(r, "linked_from", None) or "",
                 sort_at=getattr(r, "published_at", None))
            for r in conn.execute(query)]


def page_of(conn: Connection, hub_id: int, kinds: Collection[str], *,
            before: TimeKey | None, limit: int, skip_pinned: bool = False) -> Page:
    """One keyset page of ``kinds`` below ``before`` (newest first), notices left out.

    Reads a few rows more than it shows, so a page full of notices still fills; the
    cursor is the publication time and id of the last row read for the page, so the
    next page starts there.
    """
    shown: list[Item] = []
    cursor = before
    for _ in range(8):  # bounded: at most 8 reads of a page's worth of rows
        batch = _newest(conn, hub_id, kinds, cursor, limit * 2 + 1, skip_pinned)
        targets = notice_target(conn, hub_id, batch)
        for item in batch:
            if len(shown) == limit:
                return Page(shown, cursor)
            cursor = key_of(item)
            if item.uri not in targets:
                shown.append(item)
        if len(batch) < limit * 2 + 1:
            return Page(shown, None)
    return Page(shown, cursor)


def item_key(conn: Connection, hub_id: int, kinds: Collection[str],
             item_id: int) -> TimeKey | None:
    """Where a former ``?before=<id>`` link points: that item's publication time and
    id, if it is still one of the hub's ``kinds``; None (the first page) otherwise."""
    at = conn.execute(select(_item.c.published_at).where(
        _item.c.id == item_id, _item.c.hub_id == hub_id, _item.c.kind.in_(kinds))).scalar()
    return TimeKey(at, item_id) if at is not None else None


def key_of(item: Item) -> TimeKey:
    """Where a list stopped: the item's publication time and id."""
    assert item.sort_at is not None
    return TimeKey(item.sort_at, item.id)


def newest_first(query: Select[Any], before: TimeKey | None) -> Select[Any]:
    """``query`` newest publication first (ties: newest row), below ``before``."""
    if before is not None:
        query = query.where(or_(_item.c.published_at < before.at,
                                and_(_item.c.published_at == before.at,
                                     _item.c.id < before.id)))
    return query.order_by(_item.c.published_at.desc(), _item.c.id.desc())


def _newest(conn: Connection, hub_id: int, kinds: Collection[str], before: TimeKey | None,
            limit: int, skip_pinned: bool) -> list[Item]:
    """The newest ``limit`` items of ``kinds`` below ``before``: one query a kind, each a
    backwards walk of ``ix_hub_item_published`` (one query for several kinds would sort
    every item of those kinds, documents and all: 50 ms for 4,000 updates)."""
    found: list[Item] = []
    for kind in kinds:
        query = items_query(hub_id).where(_item.c.kind == kind)
        if skip_pinned:
            query = query.where(_item.c.pinned.is_(False))
        found += rows(conn, newest_first(query, before).limit(limit))
    return sorted(found, key=lambda item: (key_of(item).at, item.id), reverse=True)[:limit]


def _upcoming(conn: Connection, base: Select[Any], now: datetime) -> list[Item]:
    """The next calls and events, each call series once (its soonest occurrence)."""
    found = rows(conn, base.where(
        _item.c.kind.in_(TIMED), _item.c.pinned.is_(False),
        _item.c.starts_at >= now - LONGEST,  # lets ix_hub_item_start seek, not scan
        func.coalesce(_item.c.ends_at, _item.c.starts_at) >= now - ONGOING,
    ).order_by(_item.c.starts_at, _item.c.id).limit(NEXT_UP * 5))
    seen: set[int] = set()
    upcoming = []
    for item in found:
        if item.series_id is not None:
            if item.series_id in seen:
                continue
            seen.add(item.series_id)
        upcoming.append(item)
    return upcoming[:NEXT_UP]


def _series_of(conn: Connection, items: list[Item]) -> dict[int, Series]:
    ids = {item.series_id for item in items if item.series_id is not None}
    if not ids:
        return {}
    found = conn.execute(select(_series.c.id, _series.c.object_uri, _series.c.rrule,
                                _series.c.timezone).where(_series.c.id.in_(ids)))
    return {r.id: Series(uri=r.object_uri, rrule=r.rrule, timezone=r.timezone) for r in found}


def build_dashboard(conn: Connection, hub: Hub, actor: LocalActor, now: datetime) -> Dashboard:
    """Everything the hub page shows, in a handful of bounded, indexed queries."""
    assert hub.id is not None
    base = items_query(hub.id)
    pinned = rows(conn, newest_first(base.where(_item.c.pinned.is_(True)), None)
                  .limit(PINNED))
    upcoming = _upcoming(conn, base, now)
    scanned = rows(conn, newest_first(base.where(_item.c.kind == "poll",
                                                  _item.c.pinned.is_(False)), None)
                   .limit(POLLS_SCANNED))
    polls = [p for p in scanned if poll_is_open(p.document, now)][:OPEN_POLLS]
    results = [p for p in scanned if not poll_is_open(p.document, now)][:RESULTS]
    updates = page_of(conn, hub.id, UPDATES, before=None, limit=PAGE, skip_pinned=True)
    minutes = page_of(conn, hub.id, MINUTES, before=None, limit=PAGE, skip_pinned=True)
    members, count = _members(conn, hub.id)
    board = Dashboard(pinned=pinned, upcoming=upcoming, polls=polls, results=results,
                      updates=updates, minutes=minutes, members=members, member_count=count,
                      followers=_followers(conn, actor.uri), likes={})
    timed = [item for item in [*pinned, *upcoming] if item.kind in TIMED]
    return Dashboard(**{**board.__dict__, "likes": _likes(conn, {i.uri for i in board.shown}),
                        "series": _series_of(conn, upcoming),
                        "notices": notices_of(conn, hub.id, [i.uri for i in timed])})


def _likes(conn: Connection, uris: set[str]) -> dict[str, int]:
    """Likes ("twinkle fingers") of the shown items, one grouped query."""
    if not uris:
        return {}
    found = conn.execute(
        select(_interaction.c.object_uri, func.count())
        .where(_interaction.c.type == "Like", _interaction.c.object_uri.in_(uris))
        .group_by(_interaction.c.object_uri))
    return {uri: int(count) for uri, count in found}


def _members(conn: Connection, hub_id: int) -> tuple[list[tuple[str, str]], int]:
    """The first few members, admins and moderators first, and how many there are."""
    order = {"admin": 0, "moderator": 1, "member": 2}
    found = conn.execute(select(_member.c.actor_uri, _member.c.role)
                         .where(_member.c.hub_id == hub_id).limit(500)).all()
    listed = sorted(((r.actor_uri, r.role) for r in found),
                    key=lambda m: (order.get(m[1], 9), m[0]))
    count = len(listed) if len(listed) < 500 else int(conn.execute(
        select(func.count()).select_from(_member).where(_member.c.hub_id == hub_id)
    ).scalar_one())
    return listed[:MEMBERS_SHOWN], count


def _followers(conn: Connection, uri: str) -> int:
    return int(conn.execute(select(func.count()).select_from(_follow).where(
        _follow.c.following == uri, _follow.c.state == "accepted")).scalar_one())
