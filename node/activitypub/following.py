"""Local actors following and unfollowing remote (or local) actors.

ActivityPub section 7.5: a Follow is pending until the Accept arrives; until then
nothing followers-only is delivered on its strength. Undo{Follow} embeds the Follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from node.activitypub.actors import LookupFailed
from node.activitypub.local_actors import ActorError, find_by_username
from node.activitypub.models import Follow, LocalActor
from node.activitypub.resolve import ResolveFailed, resolve_account
from node.activitypub.vocab import activity
from node.runtime import Node

_follow = Follow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class FollowTarget:
    uri: str
    inbox: str


async def find_target(node: Node, target: str) -> FollowTarget:
    """Resolve ``acct:``/``@user@host``/URL to an actor and its inbox, or ActorError."""
    resolved = await resolve_account(node.services.fetcher, target)
    if isinstance(resolved, ResolveFailed):
        raise ActorError(f"cannot find {target}: {resolved.reason}")
    info = await node.services.actors.actor(resolved)
    if isinstance(info, LookupFailed):
        raise ActorError(f"cannot fetch {resolved}: {info.reason}")
    return FollowTarget(uri=info.uri, inbox=info.inbox)


def local_follower(conn: Connection, username: str) -> LocalActor:
    actor = find_by_username(conn, username)
    if actor is None or actor.deleted_at is not None:
        raise ActorError(f"no local actor named {username!r}")
    return actor


def follow(node: Node, conn: Connection, username: str, target: FollowTarget) -> str:
    """Record a pending Follow and queue the Follow activity; returns its id."""
    actor = local_follower(conn, username)
    now = node.clock()
    outbox = node.services.outbox
    follow_id = outbox.new_id("activities")
    existing = conn.execute(select(_follow.c.id).where(
        _follow.c.follower == actor.uri, _follow.c.following == target.uri)).first()
    values: dict[str, Any] = {"activity_id": follow_id, "state": "pending", "updated_at": now}
    if existing is None:
        conn.execute(insert(_follow).values(follower=actor.uri, following=target.uri,
                                            created_at=now, **values))
    else:
        conn.execute(update(_follow).where(_follow.c.id == existing.id).values(**values))
    document = activity("Follow", id=follow_id, actor=actor.uri, object=target.uri,
                        to=[target.uri])
    outbox.publish(conn, actor=actor, activity=document, now=now, to_followers=False,
                   inboxes=[target.inbox])
    return follow_id


def unfollow(node: Node, conn: Connection, username: str, target: FollowTarget) -> str:
    """Delete the Follow and queue Undo{Follow}; ActorError when there is none."""
    actor = local_follower(conn, username)
    row = conn.execute(select(_follow).where(
        _follow.c.follower == actor.uri, _follow.c.following == target.uri)).first()
    if row is None:
        raise ActorError(f"{username} does not follow {target.uri}")
    conn.execute(delete(_follow).where(_follow.c.id == row.id))
    outbox = node.services.outbox
    undone = activity("Follow", id=row.activity_id, actor=actor.uri, object=target.uri)
    undone.pop("@context")
    undo = activity("Undo", id=outbox.new_id("activities"), actor=actor.uri, object=undone,
                    to=[target.uri])
    outbox.publish(conn, actor=actor, activity=undo, now=node.clock(), to_followers=False,
                   inboxes=[target.inbox])
    return str(undo["id"])
