"""The node actor relays its hubs' public activity to the nodes and relays following it.

Installed as an outbox publish hook (:meth:`node.activitypub.outbox.Outbox.add_hook`):
every activity a local actor publishes passes by, inside its publishing transaction, so
the node's relayed copy and its delivery rows commit or roll back with it. Follower
nodes get ``Announce{hub activity}`` from the node actor; follower LitePub relays get
the hub's activity itself, forwarded unchanged (activityrelay Announces the object id
of an ``Announce``/``Create`` to its other subscribers and forwards ``Update`` and
``Delete``; it would not understand a nested ``Announce``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from node.activitypub.delivery import enqueue
from node.activitypub.local_actors import find_by_kind
from node.activitypub.models import Follow, LocalActor
from node.activitypub.outbox import Outbox
from node.network.models import NetworkPeer
from node.network.rules import relay_announce, should_relay

_follow = Follow.__table__  # type: ignore[attr-defined]
_peer = NetworkPeer.__table__  # type: ignore[attr-defined]


def follower_inboxes(conn: Connection, node_uri: str) -> tuple[list[str], list[str]]:
    """(inboxes of follower nodes, inboxes of follower relays), shared inboxes merged."""
    relays = set(conn.execute(select(_peer.c.actor_uri).where(_peer.c.kind == "relay"))
                 .scalars())
    nodes: dict[str, None] = {}
    relay_inboxes: dict[str, None] = {}
    rows = conn.execute(select(_follow.c.follower, _follow.c.inbox, _follow.c.shared_inbox)
                        .where(_follow.c.following == node_uri, _follow.c.state == "accepted")
                        .order_by(_follow.c.id))
    for follower, inbox, shared in rows:
        target = shared or inbox
        if target:
            (relay_inboxes if follower in relays else nodes)[target] = None
    return list(nodes), list(relay_inboxes)


@dataclass
class NodeRelay:
    """The publish hook: share each public hub activity with the node's followers."""

    _node: LocalActor | None = field(default=None)

    def node_actor(self, conn: Connection) -> LocalActor | None:
        if self._node is None:
            self._node = find_by_kind(conn, "node")
        return self._node

    def __call__(self, outbox: Outbox, conn: Connection, actor: LocalActor,
                 signed: Mapping[str, Any], row_id: int, now: datetime) -> None:
        if not should_relay(signed, actor.kind):
            return
        node = self.node_actor(conn)
        if node is None or node.id is None:
            return
        nodes, relays = follower_inboxes(conn, node.uri)
        if relays and actor.id is not None:  # the hub's own signed bytes, forwarded
            enqueue(conn, activity_row_id=row_id, sender_id=actor.id, inboxes=relays, now=now)
        if nodes:
            announce = relay_announce(signed, announce_id=outbox.new_id("activities"),
                                      node_uri=node.uri, now=now)
            outbox.publish(conn, actor=node, activity=announce, now=now, to_followers=False,
                           inboxes=nodes)
