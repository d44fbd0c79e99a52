"""A remote ionode-like node for the network tests: its node actor (an Application at
``/actor``) and a hub (a Group) publishing signed activities the way ionode does."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from node.activitypub.proofs import create_proof
from node.activitypub.vocab import PUBLIC, activity, isoformat
from node.network.follows import find_peer, follow_peer
from tests.fakes.remote import FakeActor, FakeFediverse
from tests.node.harness import Harness

PEER = "oakland.example"


@dataclass
class FakeNodeActor(FakeActor):
    """A node actor: ``https://host/actor``, an Application (or a LitePub relay's)."""

    @property
    def uri(self) -> str:
        return f"https://{self.host}/actor"

    def document(self) -> dict[str, Any]:
        return {**super().document(), "type": "Application"}


@dataclass
class FakeGroup(FakeActor):
    @property
    def uri(self) -> str:
        return f"https://{self.host}/hubs/{self.username}"

    def document(self) -> dict[str, Any]:
        return {**super().document(), "type": "Group"}


def add_node_actor(remote: FakeFediverse, host: str = PEER) -> FakeNodeActor:
    actor = FakeNodeActor(host, "ionode")
    remote.actors[actor.uri] = actor
    return actor


def add_group(remote: FakeFediverse, host: str, name: str) -> FakeGroup:
    actor = FakeGroup(host, name)
    remote.actors[actor.uri] = actor
    return actor


def signed(actor: FakeActor, document: dict[str, Any], now: datetime) -> dict[str, Any]:
    return create_proof(document, actor.proof_key, actor.proof_method, now)


def note(author: FakeActor, n: int, text: str, now: datetime,
         hub: FakeActor | None = None) -> dict[str, Any]:
    """A public Note by ``author`` (signed), posted into ``hub``."""
    to = [PUBLIC] + ([hub.uri] if hub else [])
    doc = {"@context": ["https://www.w3.org/ns/activitystreams",
                        "https://w3id.org/security/data-integrity/v1"],
           "id": f"https://{author.host}/objects/{n}", "type": "Note",
           "attributedTo": author.uri, "content": f"<p>{text}</p>", "to": to,
           "published": isoformat(now)}
    if hub is not None:
        doc["audience"] = hub.uri
    return signed(author, doc, now)


def hub_announce(hub: FakeActor, author: FakeActor, obj: dict[str, Any], n: int,
                 now: datetime) -> dict[str, Any]:
    """The hub's ``Announce{Create{Note}}``, every layer signed as ionode signs it."""
    create = signed(author, activity("Create", id=f"https://{author.host}/activities/c{n}",
                                     actor=author.uri, object=obj, to=[PUBLIC]), now)
    return signed(hub, activity("Announce", id=f"https://{hub.host}/activities/a{n}",
                                actor=hub.uri, object=create, to=[PUBLIC],
                                cc=[f"{hub.uri}/followers"]), now)


def node_announce(node: FakeActor, shared: dict[str, Any] | str, n: int,
                  now: datetime) -> dict[str, Any]:
    """The node actor relays ``shared`` (ionode's relay: Announce of the hub activity)."""
    return signed(node, activity("Announce", id=f"{node.uri}/relayed/{n}", actor=node.uri,
                                 object=shared, to=[PUBLIC], cc=[f"{node.uri}/followers"]),
                  now)


def subscribe(h: Harness, target: str, *, relay: bool = False) -> dict[str, Any]:
    """Our node actor follows ``target``; the Follow sent is returned (not yet accepted)."""
    peer = asyncio.run(find_peer(h.node, target, relay=relay))
    with h.node.engine.begin() as conn:
        follow_peer(h.node, conn, peer, relay=relay)
    h.drain()
    (sent,) = [orjson.loads(r.content) for r in h.remote.received
               if r.method == "POST" and b'"Follow"' in r.content]
    return dict(sent)


def accepted_by(h: Harness, peer: FakeActor, follow: dict[str, Any]) -> None:
    accept = {"id": f"{peer.uri}/accepts/1", "type": "Accept", "actor": peer.uri,
              "object": follow}
    assert h.post_activity(peer, accept).status_code == 202
    h.drain()
