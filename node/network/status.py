"""What the operator sees of the network: follows both ways, and what arrived.

:func:`received_items` is the node-tier query a network timeline will read: remote
items that arrived through followed nodes and relays, newest first, with their origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from node.activitypub.models import Follow, StoredObject
from node.network.backfill import progress, progress_line
from node.network.follows import node_actor
from node.network.models import NetworkItem, NetworkPeer
from node.network.policy import follow_policy

_follow = Follow.__table__  # type: ignore[attr-defined]
_peer = NetworkPeer.__table__  # type: ignore[attr-defined]
_item = NetworkItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Relation:
    """A node or relay on the other end of a follow, its state and last activity."""

    actor: str
    kind: str
    state: str
    last_received_at: datetime | None = None
    received: int = 0


@dataclass(frozen=True)
class ReceivedItem:
    uri: str
    type: str
    hub: str | None
    origin_host: str
    received_at: datetime
    document: dict[str, Any] | None


def following(conn: Connection) -> list[Relation]:
    me = node_actor(conn)
    rows = conn.execute(
        select(_follow.c.following, _follow.c.state, _peer.c.kind, _peer.c.last_received_at,
               _peer.c.received)
        .outerjoin(_peer, _peer.c.actor_uri == _follow.c.following)
        .where(_follow.c.follower == me.uri).order_by(_follow.c.id))
    return [Relation(r.following, r.kind or "node", r.state, r.last_received_at,
                     r.received or 0) for r in rows]


def followers(conn: Connection) -> list[Relation]:
    me = node_actor(conn)
    rows = conn.execute(
        select(_follow.c.follower, _follow.c.state, _peer.c.kind)
        .outerjoin(_peer, _peer.c.actor_uri == _follow.c.follower)
        .where(_follow.c.following == me.uri).order_by(_follow.c.id))
    return [Relation(r.follower, r.kind if r.kind == "relay" else "node", r.state)
            for r in rows]


def received_items(conn: Connection, *, limit: int = 50) -> list[ReceivedItem]:
    """Remote items received through the network, newest first (deleted ones gone)."""
    rows = conn.execute(
        select(_item.c.object_uri, _item.c.object_type, _item.c.hub_uri, _item.c.origin_host,
               _item.c.received_at, _objects.c.document)
        .join(_objects, _objects.c.uri == _item.c.object_uri)
        .where(_objects.c.deleted_at.is_(None))
        .order_by(_item.c.received_at.desc(), _item.c.id.desc()).limit(limit))
    return [ReceivedItem(r.object_uri, r.object_type, r.hub_uri, r.origin_host,
                         r.received_at, r.document) for r in rows]


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def status_lines(conn: Connection) -> list[str]:
    """``ionode network status``: policy, follows both ways, what arrived."""
    lines = [f"follow policy: {follow_policy(conn)}"]
    mine = following(conn)
    lines.append(f"following: {len(mine)}")
    lines += [f"  {r.kind} {r.actor} {r.state}; last activity received: "
              f"{_when(r.last_received_at)} ({r.received} received)" for r in mine]
    theirs = followers(conn)
    lines.append(f"followers: {len(theirs)}")
    lines += [f"  {r.kind} {r.actor} {r.state}" for r in theirs]
    count = conn.execute(select(func.count()).select_from(_item)).scalar_one()
    lines.append(f"items received: {count}")
    lines += [progress_line(p) for p in progress(conn)]
    return lines
