"""A remote ionode-like node for the network tests: its node actor (an Application at
``/actor``) and a hub (a Group) publishing signed activities the way ionode does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from node.activitypub.proofs import create_proof
from node.activitypub.vocab import PUBLIC, activity, isoformat
from tests.fakes.remote import FakeActor, FakeFediverse

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
