"""The followed side: who may follow the node, and what its node actor relays to them.

A node actor (``/actor``) follows ours; every public activity of our hubs then reaches
it as ``Announce{hub activity}`` through the delivery table (shared inboxes merged);
``Undo{Follow}`` stops it. A LitePub relay subscribing with ``Follow{as:Public}`` gets
the hubs' activities forwarded as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from node.activitypub.models import Delivery, Follow, LocalActor, OutboxActivity
from node.activitypub.vocab import PUBLIC
from node.clock import Clock
from node.hubs.updates.service import post_update
from node.network.follows import answer_request, pending_requests
from node.network.policy import follow_policy, set_follow_policy
from node.network.status import followers, status_lines
from node.settings import Settings
from tests.fakes.remote import FakeActor
from tests.node.harness import Harness, rows
from tests.node.hub_harness import HUB, hub_node
from tests.node.network_support import PEER, FakeNodeActor, add_node_actor

_follow = Follow.__table__  # type: ignore[attr-defined]
_delivery = Delivery.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_actor = LocalActor.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def follow_node(h: Harness, peer: FakeActor, n: int = 1, obj: str | None = None) -> dict[str, Any]:
    document = {"@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{peer.uri}/follows/{n}", "type": "Follow", "actor": peer.uri,
                "object": obj or f"{h.node.settings.url}/actor"}
    assert h.post_activity(peer, document).status_code == 202
    h.drain()
    return document


def post(h: Harness, text: str) -> str:
    with h.node.engine.begin() as conn:
        return str(post_update(h.node, conn, "nate", text, [HUB]).note["id"])


def relayed_to(h: Harness, inbox: str) -> list[dict[str, Any]]:
    """What was POSTed to any inbox on ``inbox``'s host (an Accept goes to the
    follower's own inbox, the relayed activity to its shared inbox)."""
    host = inbox.split("/")[2]
    return [orjson.loads(r.content) for r in h.remote.received
            if r.method == "POST" and r.url.host == host]


def test_an_open_node_accepts_a_follower_node_at_once(h: Harness) -> None:
    peer = add_node_actor(h.remote)
    follow = follow_node(h, peer)
    (accept,) = [a for a in relayed_to(h, f"https://{PEER}/inbox") if a["type"] == "Accept"]
    assert accept["actor"] == f"{h.node.settings.url}/actor"
    assert accept["object"]["id"] == follow["id"]
    with h.node.engine.connect() as conn:
        assert [(r.actor, r.state) for r in followers(conn)] == [(peer.uri, "accepted")]


def test_approval_policy_holds_requests_for_the_operator(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        set_follow_policy(conn, "approval")
        assert follow_policy(conn) == "approval"
        node_row = conn.execute(select(_actor).where(_actor.c.kind == "node")).one()
        assert node_row.manually_approves_followers  # the actor document says so
    peer, other = add_node_actor(h.remote), add_node_actor(h.remote, "nyc.example")
    follow_node(h, peer)
    follow_node(h, other)
    assert relayed_to(h, f"https://{PEER}/inbox") == []
    with h.node.engine.begin() as conn:
        assert pending_requests(conn) == [peer.uri, other.uri]
        answer_request(h.node, conn, peer.uri, accept=True)
        answer_request(h.node, conn, other.uri, accept=False)
    h.drain()
    assert [a["type"] for a in relayed_to(h, f"https://{PEER}/inbox")] == ["Accept"]
    assert [a["type"] for a in relayed_to(h, "https://nyc.example/inbox")] == ["Reject"]
    post(h, "Only for accepted nodes")
    h.drain()
    assert [a["type"] for a in relayed_to(h, "https://nyc.example/inbox")] == ["Reject"]
    assert "Announce" in [a["type"] for a in relayed_to(h, f"https://{PEER}/inbox")]


def test_a_hub_post_reaches_follower_nodes_through_the_delivery_table(h: Harness) -> None:
    peer = add_node_actor(h.remote)
    twin = FakeNodeActor(PEER, "twin")  # a second actor behind the same shared inbox
    h.remote.actors[f"https://{PEER}/users/twin"] = twin
    follow_node(h, peer)
    follow_node(h, twin, obj=f"{h.node.settings.url}/actor")
    note_id = post(h, "Picket at berth 5 at dawn")
    node_uri = f"{h.node.settings.url}/actor"
    with h.node.engine.connect() as conn:
        announces = conn.execute(select(_outbox.c.id, _outbox.c.document).join(
            _actor, _actor.c.id == _outbox.c.actor_id).where(_actor.c.kind == "node",
                                                         _outbox.c.type == "Announce")).all()
        inboxes = [conn.execute(select(_delivery.c.inbox).where(
            _delivery.c.activity_id == a.id)).scalars().all() for a in announces]
    # the hub Announces twice (the object, and the Create); the node relays both, once
    # per shared inbox
    assert len(announces) == 2
    assert inboxes == [[f"https://{PEER}/inbox"]] * 2
    for row in announces:
        relayed = row.document
        assert relayed["actor"] == node_uri and PUBLIC in relayed["to"]
        assert relayed["object"]["type"] == "Announce"
        assert relayed["object"]["actor"] == f"{h.node.settings.url}/hubs/{HUB}"
        assert "proof" in relayed["object"]
    inner = [a["object"]["object"] for a in (r.document for r in announces)]
    assert {i["type"] for i in inner} == {"Note", "Create"}
    assert note_id in {i["id"] for i in inner} | {i["object"]["id"] for i in inner
                                                  if i["type"] == "Create"}
    h.drain()
    assert sum(a["type"] == "Announce" for a in relayed_to(h, f"https://{PEER}/inbox")) == 2


def test_an_authors_post_outside_hubs_is_not_relayed(h: Harness) -> None:
    follow_node(h, add_node_actor(h.remote))
    with h.node.engine.begin() as conn:
        post_update(h.node, conn, "nate", "not in any hub")
        count = conn.execute(select(_outbox.c.id).join(_actor, _actor.c.id == _outbox.c.actor_id)
                             .where(_actor.c.kind == "node", _outbox.c.type == "Announce")).all()
    assert count == []


def test_undo_follow_stops_the_relay(h: Harness) -> None:
    peer = add_node_actor(h.remote)
    follow = follow_node(h, peer)
    undo = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{peer.uri}/undo/1",
            "type": "Undo", "actor": peer.uri, "object": {k: v for k, v in follow.items()
                                                           if k != "@context"}}
    assert h.post_activity(peer, undo).status_code == 202
    h.drain()
    assert rows(h, _follow, _follow.c.follower == peer.uri) == []
    post(h, "After the unfollow")
    h.drain()
    assert [a["type"] for a in relayed_to(h, f"https://{PEER}/inbox")] == ["Accept"]


def test_a_litepub_relay_subscribes_with_follow_public(h: Harness) -> None:
    relay = add_node_actor(h.remote, "relay.example")
    follow = follow_node(h, relay, obj=PUBLIC)
    (accept,) = relayed_to(h, "https://relay.example/inbox")
    assert accept["type"] == "Accept" and accept["object"]["object"] == PUBLIC
    with h.node.engine.connect() as conn:
        assert [(r.actor, r.kind) for r in followers(conn)] == [(relay.uri, "relay")]
        assert "  relay https://relay.example/actor accepted" in status_lines(conn)
    post(h, "For the relay")
    h.drain()
    forwarded = relayed_to(h, "https://relay.example/inbox")[1:]
    # the hub's own Announces, forwarded as they are: activityrelay Announces their
    # object ids to its other subscribers
    assert [a["type"] for a in forwarded] == ["Announce", "Announce"]
    assert {a["actor"] for a in forwarded} == {f"{h.node.settings.url}/hubs/{HUB}"}
    undo = {"id": f"{relay.uri}/undo", "type": "Undo", "actor": relay.uri,
            "object": {k: v for k, v in follow.items() if k != "@context"}}
    assert h.post_activity(relay, undo).status_code == 202
    h.drain()
    post(h, "Not for the relay any more")
    h.drain()
    assert len(relayed_to(h, "https://relay.example/inbox")) == 3
