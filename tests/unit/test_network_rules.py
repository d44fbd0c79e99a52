"""What the node relays and how it addresses it (node/network/rules.py), and how an
operator names a node (node/network/follows.py ``site_url``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from node.activitypub.vocab import PUBLIC
from node.network.follows import site_url
from node.network.rules import follows_public, relay_announce, relay_follow, should_relay

HUB = "https://philly.example/hubs/portshutdown"
NOW = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)


def hub_activity(kind: str = "Announce", **extra: object) -> dict[str, object]:
    return {"id": "https://philly.example/activities/1", "type": kind, "actor": HUB,
            "object": "https://philly.example/objects/1", "to": [PUBLIC],
            "cc": [f"{HUB}/followers"], **extra}


@pytest.mark.parametrize("kind", ["Announce", "Create", "Update", "Delete", "Undo"])
def test_every_public_hub_activity_is_relayed(kind: str) -> None:
    assert should_relay(hub_activity(kind), "group")


@pytest.mark.parametrize("kind", ["Follow", "Accept", "Reject", "Block", "Flag"])
def test_follow_bookkeeping_is_never_relayed(kind: str) -> None:
    assert not should_relay(hub_activity(kind), "group")


@pytest.mark.parametrize("actor_kind", ["person", "node", "service"])
def test_only_hubs_activity_is_relayed(actor_kind: str) -> None:
    """An author's own Create may be held for moderation; the node's own would loop."""
    assert not should_relay(hub_activity("Create"), actor_kind)


def test_a_hub_activity_that_is_not_public_is_not_relayed() -> None:
    assert not should_relay(hub_activity(to=[f"{HUB}/followers"], cc=[]), "group")
    assert should_relay(hub_activity(to=[], cc=["as:Public"]), "group")


def test_the_relayed_announce_embeds_the_hub_activity_whole() -> None:
    shared = {**hub_activity(), "@context": ["https://www.w3.org/ns/activitystreams"],
              "proof": {"type": "DataIntegrityProof"}}
    announce = relay_announce(shared, announce_id="https://philly.example/activities/2",
                              node_uri="https://philly.example/actor", now=NOW)
    assert announce["object"] == shared  # its proof covers it as it is, @context included
    assert announce["actor"] == "https://philly.example/actor"
    assert announce["to"] == [PUBLIC]
    assert announce["cc"] == ["https://philly.example/actor/followers"]
    assert announce["published"] == "2026-12-04T17:00:00Z"


def test_a_relay_subscription_follows_public() -> None:
    follow = relay_follow(follow_id="https://philly.example/activities/3",
                          node_uri="https://philly.example/actor",
                          relay_uri="https://relay.example/actor")
    assert follow["object"] == PUBLIC and follow["to"] == ["https://relay.example/actor"]
    assert follows_public(follow)
    assert follows_public({**follow, "object": "as:Public"})
    assert not follows_public({**follow, "object": "https://philly.example/actor"})


@pytest.mark.parametrize(("target", "site"), [
    ("https://Oakland.example", "https://oakland.example"),
    ("https://oakland.example/", "https://oakland.example"),
    ("http://127.0.0.1:8401", "http://127.0.0.1:8401"),
    ("https://oakland.example/actor", None),
    ("@ionode@oakland.example", None),
    ("https://", None),
])
def test_a_site_url_names_a_node(target: str, site: str | None) -> None:
    assert site_url(target) == site
