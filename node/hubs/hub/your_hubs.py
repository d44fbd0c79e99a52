"""The hubs an organizer belongs to, with what waits for them there (``/account``).

Moderators and admins (the stewards) see how many posts are held for moderation and
how many follow requests are pending in each of their hubs; a plain member sees only
the hub and their role. Three queries for any number of hubs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from node.activitypub.models import Follow, LocalActor
from node.hubs.hub.models import Hub, HubItem, HubMember
from node.hubs.hub.policy import STEWARDS

_hub = Hub.__table__  # type: ignore[attr-defined]
_member = HubMember.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class YourHub:
    """One hub of the organizer's, and the work waiting for them there."""

    name: str
    title: str
    role: str
    held: int = 0  # posts held for moderation (stewards only)
    requests: int = 0  # pending follow requests (stewards only)

    @property
    def steward(self) -> bool:
        return self.role in STEWARDS

    @property
    def manage_url(self) -> str:
        return f"/hubs/{self.name}/manage"

    @property
    def requests_url(self) -> str:
        return f"/hubs/{self.name}/requests"


def your_hubs(conn: Connection, actor_uri: str) -> list[YourHub]:
    """The hubs ``actor_uri`` is a member of, by name."""
    rows = conn.execute(
        select(_hub.c.id, _actor.c.uri, _actor.c.username, _actor.c.display_name,
               _member.c.role)
        .join(_hub, _hub.c.id == _member.c.hub_id)
        .join(_actor, _actor.c.id == _hub.c.actor_id)
        .where(_member.c.actor_uri == actor_uri, _actor.c.deleted_at.is_(None))
        .order_by(_actor.c.username)).all()
    stewarded = [row for row in rows if row.role in STEWARDS]
    held: dict[int, int] = {}
    pending: dict[str, int] = {}
    if stewarded:
        held = dict(conn.execute(
            select(_item.c.hub_id, func.count()).where(
                _item.c.hub_id.in_([row.id for row in stewarded]), _item.c.state == "held")
            .group_by(_item.c.hub_id)).all())
        pending = dict(conn.execute(
            select(_follow.c.following, func.count()).where(
                _follow.c.following.in_([row.uri for row in stewarded]),
                _follow.c.state == "pending")
            .group_by(_follow.c.following)).all())
    return [YourHub(name=row.username, title=row.display_name or row.username, role=row.role,
                    held=held.get(row.id, 0), requests=pending.get(row.uri, 0))
            for row in rows]
