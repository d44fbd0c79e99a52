"""The hub dashboard's data: mission, pinned items, next calls and events, open polls
and the results of closed ones, recent updates and minutes, members — each one indexed
query (issue "Hubs", item 4).

Items are read through ``hub_item`` (indexed by hub, kind, state and start time) joined
to their stored documents, so a hub with tens of thousands of items renders quickly.
Items of another origin (linked hubs, outside feeds) are rows like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, func, select

from node.activitypub.models import Follow, Interaction, LocalActor, StoredObject
from node.hubs.hub.models import Hub, HubItem, HubMember
from node.hubs.polls.rules import is_open as poll_is_open

_item = HubItem.__table__  # type: ignore[attr-defined]
_object = StoredObject.__table__  # type: ignore[attr-defined]
_member = HubMember.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
_interaction = Interaction.__table__  # type: ignore[attr-defined]

TIMED = ("event", "call")
WRITTEN = ("update", "minutes", "feed")
ONGOING = timedelta(hours=3)  # an event without an end stays "upcoming" this long
POLLS_SCANNED = 40  # newest polls read to fill both poll sections
OPEN_POLLS, RESULTS = 10, 5


@dataclass(frozen=True)
class Item:
    """One published, live item of the hub with its document."""

    uri: str
    kind: str
    document: dict[str, Any]
    starts_at: datetime | None
    ends_at: datetime | None
    published: datetime | None


@dataclass(frozen=True)
class Dashboard:
    pinned: list[Item]
    upcoming: list[Item]
    polls: list[Item]
    results: list[Item]  # closed polls, newest first: they stay on the dashboard
    recent: list[Item]
    members: list[tuple[str, str]]
    followers: int
    likes: dict[str, int]


def _items(hub_id: int) -> Select[Any]:
    return (
        select(_item.c.object_uri, _item.c.kind, _item.c.starts_at, _item.c.ends_at,
               _object.c.document, _object.c.published)
        .join(_object, _object.c.uri == _item.c.object_uri)
        .where(_item.c.hub_id == hub_id, _item.c.state == "published",
               _object.c.deleted_at.is_(None))
    )


def _rows(conn: Connection, query: Select[Any]) -> list[Item]:
    return [Item(uri=r.object_uri, kind=r.kind, document=r.document or {},
                 starts_at=r.starts_at, ends_at=r.ends_at, published=r.published)
            for r in conn.execute(query)]


def build_dashboard(conn: Connection, hub: Hub, actor: LocalActor, now: datetime,
                    *, recent_limit: int = 20) -> Dashboard:
    """Everything the hub page shows, in a handful of indexed queries."""
    assert hub.id is not None
    base = _items(hub.id)
    pinned = _rows(conn, base.where(_item.c.pinned.is_(True)).order_by(_item.c.id.desc())
                   .limit(10))
    upcoming = _rows(conn, base.where(
        _item.c.kind.in_(TIMED),
        func.coalesce(_item.c.ends_at, _item.c.starts_at) >= now - ONGOING,
    ).order_by(_item.c.starts_at).limit(10))
    scanned = _rows(conn, base.where(_item.c.kind == "poll").order_by(_item.c.id.desc())
                    .limit(POLLS_SCANNED))
    polls = [p for p in scanned if poll_is_open(p.document, now)][:OPEN_POLLS]
    results = [p for p in scanned if not poll_is_open(p.document, now)][:RESULTS]
    recent = _rows(conn, base.where(_item.c.kind.in_(WRITTEN))
                   .order_by(_item.c.id.desc()).limit(recent_limit))
    shown = {item.uri for items in (pinned, upcoming, polls, results, recent) for item in items}
    return Dashboard(pinned=pinned, upcoming=upcoming, polls=polls, results=results,
                     recent=recent,
                     members=_members(conn, hub.id), followers=_followers(conn, actor.uri),
                     likes=_likes(conn, shown))


def _likes(conn: Connection, uris: set[str]) -> dict[str, int]:
    """Likes ("twinkle fingers") of the shown items, one grouped query."""
    if not uris:
        return {}
    rows = conn.execute(
        select(_interaction.c.object_uri, func.count())
        .where(_interaction.c.type == "Like", _interaction.c.object_uri.in_(uris))
        .group_by(_interaction.c.object_uri))
    return {uri: int(count) for uri, count in rows}


def _members(conn: Connection, hub_id: int) -> list[tuple[str, str]]:
    order = {"admin": 0, "moderator": 1, "member": 2}
    rows = conn.execute(select(_member.c.actor_uri, _member.c.role)
                        .where(_member.c.hub_id == hub_id).limit(500)).all()
    return sorted(((r.actor_uri, r.role) for r in rows), key=lambda m: (order.get(m[1], 9), m[0]))


def _followers(conn: Connection, uri: str) -> int:
    return int(conn.execute(select(func.count()).select_from(_follow).where(
        _follow.c.following == uri, _follow.c.state == "accepted")).scalar_one())

