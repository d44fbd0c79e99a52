"""Five real nodes in a mesh of node follows (issue 9, item 9), one set of processes for
three scenarios, in order:

1. a hub post on each node reaches every other node once, with its origin;
2. a node is down while the others publish, then back: every missed delivery arrives,
   none twice;
3. an edit and a delete of a hub post reach every follower node.

The delivery schedule is the production one (the first retry comes 16-20 s after a
failure, :mod:`node.activitypub.retry`); rather than wait for it, the test moves the
failed rows' ``due_at`` to now, and the end of any open circuit-breaker window for the
node's host (``host_health.open_until``) too, which is what the passing of time does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from itertools import permutations

from sqlalchemy import update

from federation_tests.nodes import MakeNode, NodeProcess, wait_for
from node.activitypub.models import Delivery, HostHealth
from node.activitypub.urls import host_of
from node.wakeups import DELIVERY, notify

PASSWORD = "correct horse battery\n"
_delivery = Delivery.__table__  # type: ignore[attr-defined]
_health = HostHealth.__table__  # type: ignore[attr-defined]


def items(node: NodeProcess, text: str) -> list[dict[str, object]]:
    """The network items of ``node`` whose stored document mentions ``text``."""
    rows = node.query("SELECT i.object_uri, i.hub_uri, i.origin_host, o.document "
                      "FROM network_item i JOIN stored_object o ON o.uri = i.object_uri")
    return [r for r in rows if text in str(r["document"])]


def everywhere(nodes: list[NodeProcess], author: NodeProcess, text: str) -> bool:
    return all(len(items(n, text)) == 1 for n in nodes if n is not author)


def post(node: NodeProcess, text: str) -> str:
    out = node.cli("post", "--as", "org", "--hub", f"hub{node.name}", text)
    return re.search(r"published (\S+)", out).group(1)  # type: ignore[union-attr]


def to_node(sender: NodeProcess, receiver: NodeProcess) -> list[dict[str, object]]:
    """``sender``'s deliveries to ``receiver`` (its shared inbox and actors' inboxes)."""
    return sender.query("SELECT d.activity_id, d.state, d.attempts, o.body FROM delivery d JOIN "
                        "outbox_activity o ON o.id = d.activity_id WHERE d.inbox LIKE :p",
                        p=f"{receiver.url}/%")


def make_due_now(node: NodeProcess, receiver: NodeProcess) -> None:
    """Retries to ``receiver`` due now, its host's breaker closed (waking the workers on
    PostgreSQL)."""
    node.query("SELECT 1")  # opens the engine
    now = datetime.now(UTC)
    with node._engine.begin() as conn:  # type: ignore[union-attr]
        conn.execute(update(_delivery).where(
            _delivery.c.state == "queued", _delivery.c.inbox.like(f"{receiver.url}/%"),
            _delivery.c.due_at > now).values(due_at=now))
        conn.execute(update(_health).where(_health.c.host == host_of(receiver.url),
                                           _health.c.open_until > now).values(open_until=now))
        notify(conn, DELIVERY)


def caught_up(node: NodeProcess, receiver: NodeProcess) -> bool:
    """All of ``node``'s deliveries to ``receiver`` sent; a retry that failed while the
    receiver was still starting is made due again."""
    make_due_now(node, receiver)
    return all(r["state"] == "sent" for r in to_node(node, receiver))


def test_a_mesh_of_five_nodes(make_node: MakeNode) -> None:
    nodes = [make_node(name, wait=False) for name in "abcde"]  # booting together
    for node in nodes:
        node.cli("user", "create", "org", "--password-stdin", stdin=PASSWORD)
        node.cli("hub", "create", f"hub{node.name}", "--title", f"Assembly {node.name}",
                 "--admin", "org")
    for node in nodes:
        node.wait_started()
    for follower, followed in permutations(nodes, 2):
        follower.cli("network", "follow", followed.url)
    wait_for(lambda: all(len(n.query("SELECT id FROM follow WHERE state = 'accepted'")) == 8
                         for n in nodes), 30, "the mesh's follows were not all accepted")

    # 1. A post on each node reaches all four others once, with its hub and node
    for node in nodes:
        post(node, f"General assembly at {node.name}")
    for node in nodes:
        text = f"General assembly at {node.name}"
        wait_for(lambda n=node, t=text: everywhere(nodes, n, t), 30,
                 f"{node.name}'s post did not reach every node")
        for other in nodes:
            if other is not node:
                (item,) = items(other, text)
                assert item["hub_uri"] == f"{node.url}/hubs/hub{node.name}"
                assert item["origin_host"] == f"127.0.0.1:{node.port}"
    assert all(len(n.query("SELECT id FROM network_item")) == 4 for n in nodes)

    # 2. E is down while the others publish; every missed delivery arrives once
    e, others = nodes[-1], nodes[:-1]
    e.stop()
    for node in others:
        post(node, f"Missed call from {node.name}")
    for node in others:
        wait_for(lambda n=node: [r for r in to_node(n, e) if b"Missed call" in bytes(r["body"])
                                 and r["state"] == "queued" and r["attempts"] >= 1], 30,
                 f"{node.name} never tried E while it was down")
    for node in others:
        text = f"Missed call from {node.name}"
        wait_for(lambda n=node, t=text: everywhere(others, n, t), 30,
                 f"{node.name}'s post did not reach the nodes that were up")
    e.start()  # the same port and database
    for node in others:
        wait_for(lambda n=node: caught_up(n, e), 30,
                 f"{node.name}'s deliveries to E did not all end as sent")
    for node in others:
        text = f"Missed call from {node.name}"
        wait_for(lambda t=text: len(items(e, t)) == 1, 30, f"E never got {node.name}'s post")
    assert len(e.query("SELECT id FROM network_item")) == 8
    bodies = [str(r["activity_id"]) for r in e.query("SELECT activity_id FROM inbox_item")]
    assert len(bodies) == len(set(bodies))  # the database's dedupe: each activity once
    for node in others:
        missed = [r for r in to_node(node, e) if b"Missed call" in bytes(r["body"])]
        activities = [r["activity_id"] for r in missed]  # the node actor's Announces of the
        assert missed and len(activities) == len(set(activities))  # Create and the hub's
        assert all(r["state"] == "sent" for r in missed)  # Announce: one row each, sent

    # 3. An edit and a delete on A reach every follower node
    a, followers = nodes[0], nodes[1:]
    uri = post(a, "March starts at noon")
    wait_for(lambda: everywhere(nodes, a, "March starts at noon"), 30, "A's post not everywhere")
    a.cli("edit", "--as", "org", uri, "March starts at two")
    for node in followers:
        (item,) = wait_for(lambda n=node: items(n, "March starts at two"), 30,
                           f"{node.name} never saw A's edit")
        assert item["object_uri"] == uri
        assert items(node, "March starts at noon") == []
    a.cli("delete", "--as", "org", uri)
    for node in followers:
        wait_for(lambda n=node: n.query("SELECT id FROM stored_object WHERE uri = :u AND "
                                        "deleted_at IS NOT NULL", u=uri), 30,
                 f"{node.name} never tombstoned A's post")
        assert items(node, "March starts") == []
        assert node.query("SELECT id FROM network_item WHERE object_uri = :u", u=uri) == []
