"""A followed node (oakland.example) whose ``featured`` lists a hub with a three-page
outbox, for the backfill tests: ionode-shaped, every layer signed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from node.network.follows import find_peer, follow_peer
from tests.fakes.remote import FakeActor, FakeFediverse
from tests.node.harness import Harness
from tests.node.network_support import PEER, FakeGroup, FakeNodeActor, hub_announce, note

HUB = f"https://{PEER}/hubs/portshutdown"
PAGES = 3
PER_PAGE = 2


@dataclass
class ListingNode(FakeNodeActor):
    """A node actor whose ``featured`` collection lists its hubs (what ionode serves)."""

    def document(self) -> dict[str, Any]:
        return {**super().document(), "featured": f"{self.uri}/collections/featured"}


def outbox_items(hub: FakeActor, author: FakeActor, now: datetime, page: int,
                 forged: int | None) -> list[dict[str, Any]]:
    """Page ``page``'s Announces, newest first: items numbered from the newest (1)."""
    found = []
    for n in range((page - 1) * PER_PAGE + 1, page * PER_PAGE + 1):
        when = now - timedelta(days=n)
        shared = hub_announce(hub, author, note(author, n, f"Item {n}", when, hub), n, when)
        if n == forged:  # the hub's proof stays, the Note inside is changed
            shared["object"]["object"]["content"] = "<p>forged</p>"
        found.append(shared)
    return found


def publish_history(remote: FakeFediverse, now: datetime, *, forged: int | None = None,
                    ) -> tuple[ListingNode, FakeGroup]:
    """The node, its hub and the hub's outbox of :data:`PAGES` pages on ``remote``."""
    node = ListingNode(PEER, "ionode")
    remote.actors[node.uri] = node
    hub = FakeGroup(PEER, "portshutdown")
    remote.actors[hub.uri] = hub
    author = remote.add_actor(PEER, "joan")
    remote.objects[f"{node.uri}/collections/featured"] = {
        "id": f"{node.uri}/collections/featured", "type": "OrderedCollection",
        "totalItems": 1, "orderedItems": [hub.uri]}
    remote.objects[f"{node.uri}/outbox"] = {  # a node relays only once followed
        "id": f"{node.uri}/outbox", "type": "OrderedCollection", "totalItems": 0,
        "orderedItems": []}
    remote.objects[f"{hub.uri}/followers"] = {
        "id": f"{hub.uri}/followers", "type": "OrderedCollection", "totalItems": 7}
    outbox = f"{hub.uri}/outbox"
    remote.objects[outbox] = {"id": outbox, "type": "OrderedCollection",
                              "totalItems": PAGES * PER_PAGE, "first": f"{outbox}?page=1"}
    for page in range(1, PAGES + 1):
        url = f"{outbox}?page={page}"
        doc: dict[str, Any] = {"id": url, "type": "OrderedCollectionPage", "partOf": outbox,
                               "orderedItems": outbox_items(hub, author, now, page, forged)}
        if page < PAGES:
            doc["next"] = f"{outbox}?page={page + 1}"
        remote.objects[url] = doc
    return node, hub


def follow_accepted(h: Harness, peer: FakeActor) -> None:
    """Our node actor follows ``peer`` and ``peer`` accepts (the backfill is queued)."""
    target = asyncio.run(find_peer(h.node, peer.uri, relay=False))
    with h.node.engine.begin() as conn:
        follow_peer(h.node, conn, target, relay=False)
    h.drain()
    (sent,) = [orjson.loads(r.content) for r in h.remote.received
               if r.method == "POST" and b'"Follow"' in r.content]
    accept = {"id": f"{peer.uri}/accepts/1", "type": "Accept", "actor": peer.uri,
              "object": sent}
    assert h.post_activity(peer, accept).status_code == 202
    h.drain()
