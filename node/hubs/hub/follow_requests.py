"""Follow requests of hubs whose follow policy is ``approval``.

ActivityPub §7.5 leaves acceptance to the followed actor; a hub that
``manuallyApprovesFollowers`` records an incoming Follow as ``pending``
(:func:`node.activitypub.handlers.follows.on_follow`) and nothing is delivered on its
strength (SECURITY.md "Privacy and moderation", the Pixelfed leak). A steward then
approves it (``Accept``) or rejects it (``Reject``); both embed the Follow as it was
received, which is what Mastodon matches its pending request against.

A request from another hub (a ``Group``) is a link request (:mod:`node.hubs.hub.links`):
it waits for a steward whatever the follow policy, is listed with ``link`` set, and may
be accepted with a link back (our hub asks to follow theirs, making the link mutual).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select, update

from node.activitypub.handlers.follows import send_answer
from node.activitypub.models import Follow, InboxItem, RemoteActor
from node.hubs.hub.links import LinkTarget, is_group, link
from node.hubs.hub.moderation import require_steward
from node.hubs.hub.publish import HubError, HubTarget
from node.messages import N_, Text
from node.runtime import Node

_follow = Follow.__table__  # type: ignore[attr-defined]
_inbox = InboxItem.__table__  # type: ignore[attr-defined]
_remote = RemoteActor.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class FollowRequest:
    follower: str
    activity_id: str
    requested_at: datetime
    link: bool = False  # the follower is a hub asking to link


def pending(conn: Connection, target: HubTarget) -> list[FollowRequest]:
    """The hub's pending follow and link requests, oldest first."""
    rows = conn.execute(select(_follow.c.follower, _follow.c.activity_id, _follow.c.created_at)
                        .where(_follow.c.following == target.actor.uri,
                               _follow.c.state == "pending").order_by(_follow.c.id))
    return [FollowRequest(r.follower, r.activity_id, r.created_at, is_group(conn, r.follower))
            for r in rows]


def follower_uri(conn: Connection, who: str) -> str:
    """An actor URL as is; ``@user@host`` / ``acct:user@host`` from the actor cache."""
    if "://" in who:
        return who
    user, _, host = who.removeprefix("acct:").lstrip("@").partition("@")
    uri = conn.execute(select(_remote.c.uri).where(
        _remote.c.preferred_username == user, _remote.c.host == host.lower())).scalar()
    if uri is None:
        raise HubError(Text(N_("no known account %(who)s; give the actor URL"), who=who))
    return str(uri)


def approve(node: Node, conn: Connection, target: HubTarget, follower: str,
            by: str | None = None, *, link_back: bool = False) -> None:
    """Accept a pending Follow: the follower starts receiving the hub's posts. With
    ``link_back`` (a link request) the hub also asks to follow the other hub."""
    require_steward(conn, target, by)
    row = _pending_row(conn, target, follower)
    conn.execute(update(_follow).where(_follow.c.id == row.id).values(
        state="accepted", updated_at=node.clock()))
    _answer(node, conn, target, row, "Accept")
    if link_back and _links_back(conn, target, row.follower):
        link(node, conn, target, LinkTarget(row.follower, row.shared_inbox or row.inbox),
             by)


def _links_back(conn: Connection, target: HubTarget, follower: str) -> bool:
    """A hub we do not follow yet (pending or accepted): linking back makes sense."""
    if not is_group(conn, follower):
        raise HubError(Text(N_("%(follower)s is not a hub: there is nothing to link back"),
                            follower=follower))
    state = conn.execute(select(_follow.c.state).where(
        _follow.c.follower == target.actor.uri, _follow.c.following == follower)).scalar()
    return state not in ("pending", "accepted")


def reject(node: Node, conn: Connection, target: HubTarget, follower: str,
           by: str | None = None) -> None:
    """Reject a pending Follow and forget it (the actor may ask again later)."""
    require_steward(conn, target, by)
    row = _pending_row(conn, target, follower)
    conn.execute(delete(_follow).where(_follow.c.id == row.id))
    _answer(node, conn, target, row, "Reject")


def accept_all(node: Node, conn: Connection, target: HubTarget) -> int:
    """Accept every pending request (the hub became open); how many there were."""
    requests = pending(conn, target)
    for request in requests:
        approve(node, conn, target, request.follower)
    return len(requests)


def _pending_row(conn: Connection, target: HubTarget, follower: str) -> Any:
    row = conn.execute(select(_follow).where(
        _follow.c.following == target.actor.uri, _follow.c.follower == follower,
        _follow.c.state == "pending")).first()
    if row is None:
        raise HubError(Text(
            N_("%(follower)s has no pending follow request for %(name)s"),
            follower=follower, name=target.name))
    return row


def _answer(node: Node, conn: Connection, target: HubTarget, row: Any, kind: str) -> None:
    inbox = row.inbox or row.shared_inbox
    if not inbox:
        return  # nowhere to answer; the state change stands
    send_answer(node.services.outbox, conn, kind, target.actor, received_follow(conn, row),
                inbox, node.clock())


def received_follow(conn: Connection, row: Any) -> Mapping[str, Any]:
    """The Follow exactly as received (from the inbox store), else rebuilt from the row."""
    body = conn.execute(select(_inbox.c.body).where(
        _inbox.c.activity_id == row.activity_id)).scalar()
    if body is not None:
        document = orjson.loads(body)
        if isinstance(document, dict):
            return document
    return {"id": row.activity_id, "type": "Follow", "actor": row.follower,
            "object": row.following}
