"""Who may post into a hub, and whether the post goes out or waits for a moderator.

Posting policies (issue "Hubs"): ``members`` (members post, others are refused),
``followers`` (anyone following the hub posts), ``moderated`` (admins and moderators
post; everyone else's posts wait in the moderation queue), ``open`` (anyone's public post
is published at once: a campaign hub that takes cross-posts from the whole network,
issue 9 item 6). Admins and moderators always publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, select

from node.activitypub.models import Follow, LocalActor
from node.hubs.hub.models import Hub, HubMember
from node.messages import N_

POSTING_POLICIES = ("members", "followers", "moderated", "open")
FOLLOW_POLICIES = ("open", "approval")
ROLES = ("admin", "moderator", "member")
STEWARDS = frozenset({"admin", "moderator"})

_member = HubMember.__table__  # type: ignore[attr-defined]
_follow = Follow.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]

State = Literal["published", "held", "refused"]


@dataclass(frozen=True)
class Decision:
    state: State
    reason: str = ""


def member_role(conn: Connection, hub_id: int, actor_uri: str) -> str | None:
    return conn.execute(select(_member.c.role).where(
        _member.c.hub_id == hub_id, _member.c.actor_uri == actor_uri)).scalar_one_or_none()


def follows_hub(conn: Connection, actor_uri: str, hub_uri: str) -> bool:
    return conn.execute(select(_follow.c.id).where(
        _follow.c.follower == actor_uri, _follow.c.following == hub_uri,
        _follow.c.state == "accepted")).first() is not None


def decide(conn: Connection, hub: Hub, hub_uri: str, author_uri: str) -> Decision:
    """The fate of a post by ``author_uri`` into ``hub`` under its posting policy."""
    assert hub.id is not None
    role = member_role(conn, hub.id, author_uri)
    if role in STEWARDS:
        return Decision("published")
    policy = hub.posting_policy
    if policy == "open":
        return Decision("published")
    if policy == "members":
        if role is not None:
            return Decision("published")
        return Decision("refused", N_("only members may post into this hub"))
    if policy == "followers":
        if role is not None or follows_hub(conn, author_uri, hub_uri):
            return Decision("published")
        return Decision("refused", N_("only followers of this hub may post into it"))
    return Decision("held", N_("waiting for a moderator"))


def postable_hubs(conn: Connection, names: list[str], author_uri: str) -> set[str]:
    """Those of the hubs ``names`` that would take a post by ``author_uri`` (published or
    held for a moderator), for a compose form's choice of hubs: a hub that would refuse
    it is not offered, rather than offered and then refused."""
    rows = conn.execute(select(_hub, _actor.c.username, _actor.c.uri.label("hub_uri"))
                        .join(_actor, _actor.c.id == _hub.c.actor_id)
                        .where(_actor.c.username.in_(names)))
    found = set()
    for row in rows:
        hub = Hub(**{c.name: getattr(row, c.name) for c in _hub.columns})
        if decide(conn, hub, row.hub_uri, author_uri).state != "refused":
            found.add(str(row.username))
    return found
