"""Every hub of the node at a glance, for ``ionode hub list``: who may follow and post,
whether the directories list it, how many items it has published and how many follow it.

Three queries for any number of hubs (the hubs, their published item counts, their
accepted followers), so the operator's overview stays quick on a busy node. Deleted
hubs are left out, as on the home page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from node.activitypub.models import Follow, LocalActor
from node.hubs.hub.models import Hub, HubItem

_hub = Hub.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class HubLine:
    """One hub in the operator's list."""

    name: str
    title: str
    follow_policy: str  # open | approval
    posting_policy: str  # members | followers | moderated
    listed: bool  # in the node's directory and ``featured`` (the actor's discoverable)
    items: int  # published items (held, refused and hidden ones are not counted)
    followers: int  # accepted follows only


def hub_lines(conn: Connection) -> list[HubLine]:
    """The node's hubs by name."""
    rows = conn.execute(
        select(_hub.c.id, _actor.c.uri, _actor.c.username, _actor.c.display_name,
               _actor.c.discoverable, _hub.c.follow_policy, _hub.c.posting_policy)
        .join(_actor, _actor.c.id == _hub.c.actor_id)
        .where(_actor.c.deleted_at.is_(None))
        .order_by(_actor.c.username)).all()
    if not rows:
        return []
    items: dict[int, int] = dict(conn.execute(
        select(_item.c.hub_id, func.count())
        .where(_item.c.hub_id.in_([row.id for row in rows]), _item.c.state == "published")
        .group_by(_item.c.hub_id)).all())
    followers: dict[str, int] = dict(conn.execute(
        select(_follow.c.following, func.count())
        .where(_follow.c.following.in_([row.uri for row in rows]),
               _follow.c.state == "accepted")
        .group_by(_follow.c.following)).all())
    return [HubLine(name=row.username, title=row.display_name or row.username,
                    follow_policy=row.follow_policy, posting_policy=row.posting_policy,
                    listed=bool(row.discoverable), items=int(items.get(row.id, 0)),
                    followers=int(followers.get(row.uri, 0)))
            for row in rows]


def describe(line: HubLine) -> str:
    """One tab-separated line, as ``ionode user list`` and the other lists print."""
    items = f"{line.items} item" + ("" if line.items == 1 else "s")
    followers = f"{line.followers} follower" + ("" if line.followers == 1 else "s")
    return "\t".join([line.name, line.title,
                      f"follow {line.follow_policy}, posting {line.posting_policy}, "
                      f"{'listed' if line.listed else 'unlisted'}", items, followers])
