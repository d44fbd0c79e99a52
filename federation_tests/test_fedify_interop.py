"""Third-party software against a real node: Fedify (from npm) follows a hub on ionode.

The peer (``federation_tests/fedify/peer.mjs``, see its README) is a Fedify server.
Fedify WebFingers the hub, fetches and parses its actor, follows it with its own
signature scheme first (``firstKnock``, both schemes are parametrised), gets the Accept,
receives the Announce of a post after verifying ionode's HTTP signature (and object
proof), then unfollows. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from federation_tests.fedify_peer import (
    FIRST_KNOCKS,
    FedifyPeer,
    diagnostics_on_failure,
    ensure_installed,
)
from federation_tests.nodes import NodeProcess, wait_for

HUB = "dockworkers"
TEXT = "Rally at the union hall, pier 9, Thursday 6pm"


@pytest.fixture(scope="session")
def node_binary() -> str:
    """``node``, with the pinned Fedify installed (``npm ci`` on a fresh checkout)."""
    return ensure_installed()


@pytest.fixture
def make_peer(node_binary: str, tmp_path: Path) -> Iterator[Callable[[str], FedifyPeer]]:
    """Start Fedify peers (not yet waited for); every one is killed at teardown."""
    peers: list[FedifyPeer] = []

    def make(first_knock: str) -> FedifyPeer:
        peer = FedifyPeer(
            node=node_binary, first_knock=first_knock, log_dir=tmp_path / f"fedify-{len(peers)}"
        )
        peers.append(peer)
        peer.start()
        return peer

    yield make
    for peer in peers:
        peer.stop()


def signed_posts_to(peer: FedifyPeer, node: NodeProcess) -> list[dict[str, Any]]:
    return [r for r in peer.outgoing() if r["method"] == "POST" and r["url"].startswith(node.url)]


def accepted_follow(
    node: NodeProcess, follower: str, following: str, activity_id: str
) -> list[dict[str, Any]]:
    """The accepted follow row; fails at once if ionode refused the Follow activity."""
    rows = node.query(
        "SELECT id FROM follow WHERE follower = :f AND following = :g AND state = 'accepted'",
        f=follower,
        g=following,
    )
    if not rows:
        refused = node.query(
            "SELECT state, error FROM inbox_item WHERE activity_id = :a AND "
            "state IN ('ignored', 'failed')",
            a=activity_id,
        )
        assert not refused, f"ionode refused Fedify's Follow {activity_id}: {refused}"
    return rows


def delivery_of(peer: FedifyPeer, activity_id: str) -> dict[str, Any]:
    found = [d for d in peer.deliveries() if d["activity"] == activity_id]
    assert found, f"no inbox POST of {activity_id} recorded"
    return found[0]


def assert_verified_delivery(delivery: dict[str, Any], signer: str) -> None:
    """Fedify's own checks of one ionode POST: HTTP signature, proof, its answer."""
    assert delivery["scheme"] in FIRST_KNOCKS.values(), delivery
    assert delivery["httpSignature"]["verified"] is True, delivery
    assert str(delivery["httpSignature"]["keyId"]).startswith(f"{signer}#"), delivery
    if delivery["proof"]["present"]:
        assert delivery["proof"]["verified"] is True, delivery
    assert 200 <= delivery["status"] < 300, delivery


@pytest.mark.parametrize("first_knock", sorted(FIRST_KNOCKS))
def test_fedify_follows_hub_receives_signed_posts_and_unfollows(
    make_node: Callable[[str], NodeProcess],
    make_peer: Callable[[str], FedifyPeer],
    first_knock: str,
) -> None:
    peer = make_peer(first_knock)  # starts while the node migrates and boots
    node = make_node("a")
    node.cli("user", "create", "bob", "--password-stdin", stdin="correct horse battery\n")
    node.cli("hub", "create", HUB, "--title", "Dockworkers United", "--admin", "bob")
    hub = f"{node.url}/hubs/{HUB}"
    peer.wait_ready()

    with diagnostics_on_failure(peer, node):
        # Fedify WebFingers acct:hub@host, fetches the actor and parses it as a Group
        actor = peer.lookup(f"acct:{HUB}@127.0.0.1:{node.port}")
        assert actor["id"] == hub
        assert actor["type"] == "Group"
        assert actor["preferredUsername"] == HUB
        assert actor["name"] == "Dockworkers United"
        assert actor["inbox"] == f"{hub}/inbox"
        assert actor["sharedInbox"] == f"{node.url}/inbox"
        assert actor["outbox"] and actor["followers"]
        assert actor["publicKey"] == f"{hub}#main-key"
        assert actor["publicKeyOwner"] == hub
        assert actor["publicKeyAlgorithm"] == "RSASSA-PKCS1-v1_5"

        # Fedify follows the hub; ionode verifies Fedify's signature and Accepts
        follow = peer.follow(f"acct:{HUB}@127.0.0.1:{node.port}")
        assert follow["object"] == hub
        wait_for(
            lambda: accepted_follow(node, peer.actor, hub, follow["follow"]),
            30,
            "ionode never accepted Fedify's Follow",
        )
        (accept,) = wait_for(
            lambda: [r for r in peer.received() if r["type"] == "Accept"],
            30,
            "Fedify never received (or never verified) the Accept",
        )
        assert accept["actor"] == hub
        assert accept["object"] == follow["follow"]
        assert_verified_delivery(delivery_of(peer, accept["id"]), hub)

        # ionode took the first knock: Fedify's scheme, accepted, no fallback to the other
        (follow_post,) = signed_posts_to(peer, node)
        assert follow_post["scheme"] == FIRST_KNOCKS[first_knock], follow_post
        assert 200 <= follow_post["status"] < 300, follow_post

        # An organizer posts into the hub; Fedify verifies and receives the Announce
        node.cli("post", "--as", "bob", "--hub", HUB, TEXT)
        announces = wait_for(
            lambda: [
                r for r in peer.received() if r["type"] == "Announce" and TEXT in str(r["content"])
            ],
            30,
            "Fedify never received (or never verified) the hub's Announce of the post",
        )
        for announce in announces:
            assert announce["actor"] == hub
            assert str(announce["objectId"]).startswith(f"{node.url}/objects/"), announce
            assert announce["objectType"] == "Note", announce
            assert_verified_delivery(delivery_of(peer, announce["id"]), hub)

        # Fedify unfollows (Undo{Follow}); ionode drops the follower
        peer.unfollow(hub)
        wait_for(
            lambda: not node.query("SELECT id FROM follow WHERE follower = :p", p=peer.actor),
            30,
            "ionode kept Fedify as follower",
        )
        posts = signed_posts_to(peer, node)
        assert [p["scheme"] for p in posts] == [FIRST_KNOCKS[first_knock]] * 2, posts
        assert all(200 <= p["status"] < 300 for p in posts), posts

        # Nothing went wrong on Fedify's side (no unverified activity, no failed delivery)
        assert peer.errors() == []
