"""The following side: what a followed node or relay sends is authenticated, stored once
with its origin, and a tampered copy is refused and logged with nothing stored."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from node.activitypub.models import Follow, InboxItem, OutboxActivity, StoredObject
from node.activitypub.vocab import PUBLIC
from node.clock import Clock
from node.network.follows import find_peer, known_peer, unfollow_peer
from node.network.models import NetworkItem
from node.network.status import following, received_items, status_lines
from node.settings import Settings
from tests.fakes.remote import FakeActor
from tests.node.harness import Harness, rows, running_node
from tests.node.network_support import (
    PEER,
    accepted_by,
    add_group,
    add_node_actor,
    hub_announce,
    node_announce,
    note,
    signed,
    subscribe,
)

_follow = Follow.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_items = NetworkItem.__table__  # type: ignore[attr-defined]
_inbox = InboxItem.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        yield harness






@pytest.fixture
def peer(h: Harness) -> FakeActor:
    """Our node follows the node at oakland.example, which accepted."""
    actor = add_node_actor(h.remote)
    follow = subscribe(h, actor.uri)
    assert follow["object"] == actor.uri and follow["actor"] == f"{h.node.settings.url}/actor"
    accepted_by(h, actor, follow)
    return actor


def relay_post(h: Harness, peer: FakeActor, n: int, text: str,
               tamper: bool = False) -> dict[str, Any]:
    author = h.remote.actors.get(f"https://{PEER}/users/joan") or h.remote.add_actor(PEER, "joan")
    hub = h.remote.actors.get(f"https://{PEER}/hubs/portshutdown") or add_group(
        h.remote, PEER, "portshutdown")
    shared = hub_announce(hub, author, note(author, n, text, h.now, hub), n, h.now)
    if tamper:  # the hub's proof stays, the Note inside is changed
        shared["object"]["object"]["content"] = "<p>Stay home, the action is off</p>"
    announce = node_announce(peer, shared, n, h.now)
    assert h.post_activity(peer, announce).status_code == 202
    h.drain()
    return shared


def test_following_a_node_is_pending_then_accepted(h: Harness, peer: FakeActor) -> None:
    with h.node.engine.connect() as conn:
        (relation,) = following(conn)
        assert (relation.actor, relation.kind, relation.state) == (peer.uri, "node", "accepted")
        assert relation.last_received_at is None


def test_a_relayed_hub_post_is_stored_once_with_its_origin(h: Harness,
                                                          peer: FakeActor) -> None:
    relay_post(h, peer, 1, "Picket at berth 5 at dawn")
    relay_post(h, peer, 1, "Picket at berth 5 at dawn")  # the same Announce again
    shared = relay_post(h, peer, 2, "Second call")
    object_id = shared["object"]["object"]["id"]
    again = node_announce(peer, shared, 99, h.now)  # a second relay of the same object
    assert h.post_activity(peer, again).status_code == 202
    h.drain()
    with h.node.engine.connect() as conn:
        items = received_items(conn)
        assert [i.uri for i in items] == [object_id, f"https://{PEER}/objects/1"]
        assert {i.hub for i in items} == {f"https://{PEER}/hubs/portshutdown"}
        assert {i.origin_host for i in items} == {PEER}
        assert "Second call" in str(items[0].document)
        assert "items received: 2" in status_lines(conn)
        (relation,) = following(conn)
        assert relation.last_received_at is not None and relation.received == 3
    assert len(rows(h, _objects, _objects.c.uri == object_id)) == 1


def test_a_tampered_copy_is_refused_recorded_and_nothing_stored(h: Harness,
                                                                peer: FakeActor) -> None:
    relay_post(h, peer, 1, "Picket at berth 5 at dawn", tamper=True)
    assert rows(h, _objects, _objects.c.local.is_(False)) == []
    assert rows(h, _items) == []
    (item,) = rows(h, _inbox, _inbox.c.type == "Announce")
    assert item["state"] == "ignored" and "invalid proof" in item["error"]


def test_a_tampered_inner_object_under_a_sound_create_is_refused(
    h: Harness, peer: FakeActor, caplog: pytest.LogCaptureFixture,
) -> None:
    author = h.remote.add_actor(PEER, "joan")
    obj = note(author, 1, "Picket at berth 5", h.now)
    obj["content"] = "<p>forged</p>"  # its own proof no longer holds
    create = signed(author, {"id": f"https://{PEER}/activities/c1", "type": "Create",
                             "actor": author.uri, "object": obj, "to": [PUBLIC]}, h.now)
    with caplog.at_level(logging.WARNING, logger="node.network.unwrap"):
        assert h.post_activity(peer, node_announce(peer, create, 1, h.now)).status_code == 202
        h.drain()
    assert rows(h, _items) == []
    assert "tampered" in caplog.text and author.uri in caplog.text


def test_an_unproven_copy_is_refetched_from_its_origin(h: Harness, peer: FakeActor) -> None:
    author = h.remote.add_actor(PEER, "joan")
    original = note(author, 7, "What the author wrote", h.now)
    h.remote.objects[original["id"]] = original
    copy = {k: v for k, v in original.items() if k != "proof"}
    copy["content"] = "<p>What a middleman says</p>"
    assert h.post_activity(peer, node_announce(peer, copy, 7, h.now)).status_code == 202
    h.drain()
    (item,) = rows(h, _objects, _objects.c.uri == original["id"])
    assert "What the author wrote" in item["document"]["content"]


def test_an_announce_by_a_node_we_do_not_follow_is_not_taken(h: Harness) -> None:
    stranger = add_node_actor(h.remote, "stranger.example")
    author = h.remote.add_actor("stranger.example", "eve")
    shared = signed(author, {"id": "https://stranger.example/activities/c1", "type": "Create",
                             "actor": author.uri, "to": [PUBLIC],
                             "object": note(author, 1, "spam", h.now)}, h.now)
    assert h.post_activity(stranger, node_announce(stranger, shared, 1, h.now)).status_code == 202
    h.drain()
    assert rows(h, _items) == [] and rows(h, _objects, _objects.c.local.is_(False)) == []


def test_a_relayed_delete_tombstones_the_item(h: Harness, peer: FakeActor) -> None:
    shared = relay_post(h, peer, 1, "Picket at berth 5")
    author = h.remote.actors[f"https://{PEER}/users/joan"]
    object_id = shared["object"]["object"]["id"]
    delete = signed(author, {"id": f"https://{PEER}/activities/d1", "type": "Delete",
                             "actor": author.uri, "to": [PUBLIC],
                             "object": {"id": object_id, "type": "Tombstone"}}, h.now)
    assert h.post_activity(peer, node_announce(peer, delete, 2, h.now)).status_code == 202
    h.drain()
    with h.node.engine.connect() as conn:
        assert received_items(conn) == []
    (row,) = rows(h, _objects, _objects.c.uri == object_id)
    assert row["deleted_at"] is not None


def test_unfollow_sends_undo_and_later_announces_are_not_taken(h: Harness,
                                                               peer: FakeActor) -> None:
    target = asyncio.run(find_peer(h.node, peer.uri, relay=False))
    with h.node.engine.begin() as conn:
        unfollow_peer(h.node, conn, target)
    h.drain()
    undo = [orjson.loads(r.content) for r in h.remote.received if b'"Undo"' in r.content]
    assert undo[0]["object"]["type"] == "Follow" and undo[0]["object"]["object"] == peer.uri
    relay_post(h, peer, 1, "After the unfollow")
    assert rows(h, _items) == []


def test_subscribing_to_a_litepub_relay(h: Harness) -> None:
    """activityrelay's shapes (relay/misc.py: Message.new_response, new_announce)."""
    relay = add_node_actor(h.remote, "relay.example")
    follow = subscribe(h, relay.uri, relay=True)
    assert follow["object"] == PUBLIC and follow["to"] == [relay.uri]
    accept = {"@context": "https://www.w3.org/ns/activitystreams",
              "id": "https://relay.example/activities/1", "type": "Accept",
              "to": [f"{h.node.settings.url}/actor"], "actor": relay.uri,
              "object": {"id": follow["id"], "type": "Follow", "object": relay.uri,
                         "actor": f"{h.node.settings.url}/actor"}}
    assert h.post_activity(relay, accept).status_code == 202
    h.drain()
    with h.node.engine.connect() as conn:
        assert [(r.kind, r.state) for r in following(conn)] == [("relay", "accepted")]
    author = h.remote.add_actor("mastodon.example", "ana")
    status = note(author, 3, "Solidarity from the port", h.now)
    h.remote.objects[status["id"]] = status
    announce = {"@context": "https://www.w3.org/ns/activitystreams",
                "id": "https://relay.example/activities/2", "type": "Announce",
                "to": ["https://relay.example/followers"], "actor": relay.uri,
                "object": status["id"]}
    assert h.post_activity(relay, announce).status_code == 202
    h.drain()
    with h.node.engine.connect() as conn:
        (item,) = received_items(conn)
    assert (item.uri, item.origin_host, item.hub) == (status["id"], "mastodon.example", None)


def test_our_own_object_relayed_back_is_not_fetched_or_stored(h: Harness) -> None:
    relay = add_node_actor(h.remote, "relay.example")
    follow = subscribe(h, relay.uri, relay=True)
    accepted_by(h, relay, follow)
    ours = f"{h.node.settings.url}/objects/1"
    announce = {"id": "https://relay.example/activities/9", "type": "Announce",
                "actor": relay.uri, "object": ours, "to": ["https://relay.example/followers"]}
    assert h.post_activity(relay, announce).status_code == 202
    h.drain()
    assert rows(h, _items) == []
    assert not [r for r in h.remote.received if str(r.url) == ours]
    (item,) = rows(h, _inbox, _inbox.c.type == "Announce")
    assert item["state"] == "ignored" and "our own object" in item["error"]


def test_a_hubs_undo_announce_takes_the_item_out(h: Harness, peer: FakeActor) -> None:
    shared = relay_post(h, peer, 1, "Picket at berth 5")
    hub = h.remote.actors[f"https://{PEER}/hubs/portshutdown"]
    announce = {k: v for k, v in shared.items() if k not in ("@context", "proof")}
    undo = signed(hub, {"id": f"https://{PEER}/activities/u1", "type": "Undo",
                        "actor": hub.uri, "object": announce, "to": [PUBLIC]}, h.now)
    assert h.post_activity(peer, node_announce(peer, undo, 2, h.now)).status_code == 202
    h.drain()
    with h.node.engine.connect() as conn:
        assert received_items(conn) == []


def test_an_undo_for_another_hosts_hub_without_proof_is_refused(h: Harness,
                                                                peer: FakeActor) -> None:
    shared = relay_post(h, peer, 1, "Picket at berth 5")
    announce = {k: v for k, v in shared.items() if k not in ("@context", "proof")}
    forged = {"id": "https://elsewhere.example/u1", "type": "Undo", "to": [PUBLIC],
              "actor": "https://elsewhere.example/hubs/x",
              "object": {**announce, "actor": "https://elsewhere.example/hubs/x"}}
    assert h.post_activity(peer, node_announce(peer, forged, 2, h.now)).status_code == 202
    h.drain()
    with h.node.engine.connect() as conn:
        assert len(received_items(conn)) == 1


def test_a_peer_that_is_down_is_unfollowed_from_what_is_stored(h: Harness,
                                                               peer: FakeActor) -> None:
    del h.remote.actors[peer.uri]  # the peer no longer answers
    with h.node.engine.begin() as conn:
        target = known_peer(conn, peer.uri)
        assert target is not None and target.inbox == f"https://{PEER}/inbox"
        unfollow_peer(h.node, conn, target)
        assert known_peer(conn, peer.uri) is None
    assert rows(h, _follow, _follow.c.following == peer.uri) == []


def test_what_arrived_by_two_paths_is_on_the_network_timeline_once(
        h: Harness, peer: FakeActor) -> None:
    relay_post(h, peer, 1, "Picket at berth 5 at dawn")
    shared = relay_post(h, peer, 2, "Second call")
    assert h.post_activity(peer, node_announce(peer, shared, 99, h.now)).status_code == 202
    h.drain()  # the same object relayed a second time
    page = h.client.get("/network").text
    assert page.count("Second call") == 1 and page.count("Picket at berth 5") == 1
    assert page.index("Second call") < page.index("Picket at berth 5")
    assert f'href="https://{PEER}/hubs/portshutdown"' in page and f">{PEER}</a>" in page
    hub_only = h.client.get("/network", params={"hub": f"https://{PEER}/hubs/portshutdown"})
    assert "Second call" in hub_only.text
