"""Sources a node follows (issue 9 item 3): a Mobilizon group, a Gancio instance, a Lemmy
community and a Mastodon account, as fake actors with real keys, and the activities
each sends, built around the recorded documents in ``tests/fixtures/remote/<host>/``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson

from node.activitypub.vocab import PUBLIC, activity
from node.network.sources import find_source, follow_source
from tests.fakes.remote import FakeActor, FakeFediverse
from tests.fixtures.remote.fakes import load
from tests.node.harness import Harness

MOBILIZON_EVENT = "mobilizon.example/event-rent-strike.json"
GANCIO_EVENT = "gancio.example/event-bike-repair.json"


@dataclass
class PathActor(FakeActor):
    """An actor at ``https://host/<path>`` of any type (Group, Application...)."""

    path: str = ""
    kind: str = "Person"

    @property
    def uri(self) -> str:
        return f"https://{self.host}/{self.path}"

    def document(self) -> dict[str, Any]:
        return {**super().document(), "type": self.kind}


def add(remote: FakeFediverse, host: str, path: str, kind: str = "Person") -> PathActor:
    actor = PathActor(host, path.rsplit("/", 1)[-1].lstrip("@"), path=path, kind=kind)
    remote.actors[actor.uri] = actor
    return actor


def follow_and_accept(h: Harness, source: FakeActor) -> dict[str, Any]:
    """Our node follows ``source`` (named by its actor URL), which accepts."""
    target = asyncio.run(find_source(h.node, source.uri))
    with h.node.engine.begin() as conn:
        follow_source(h.node, conn, target)
    h.drain()
    (follow,) = [sent for sent in (orjson.loads(r.content) for r in h.remote.received
                                   if r.method == "POST" and b'"Follow"' in r.content
                                   and source.uri.encode() in r.content)
                 if sent["actor"] == f"{h.node.settings.url}/actor"]  # not a hub's
    accept = {"id": f"{source.uri}#accepts/1", "type": "Accept", "actor": source.uri,
              "object": follow}
    assert h.post_activity(source, accept).status_code == 202
    h.drain()
    return dict(follow)


def mobilizon_announce(group: FakeActor, organizer: FakeActor, event: dict[str, Any]
                       ) -> dict[str, Any]:
    """A Mobilizon group shares a member's event: ``Announce{Create{Event}}`` (no proofs:
    Mobilizon signs requests, not objects, so the Event is refetched from its URL)."""
    create = activity("Create", id=f"{event['id']}/activity", actor=organizer.uri,
                      object=event, to=[PUBLIC], cc=[f"{group.uri}/followers"])
    return activity("Announce", id=f"{group.uri}/announces/{event['uuid']}", actor=group.uri,
                    object=create, to=[PUBLIC], cc=[f"{group.uri}/followers"])


def gancio_create(event: dict[str, Any]) -> dict[str, Any]:
    """Gancio's ``Create{Event}`` by the instance actor, the Event embedded."""
    create = load("gancio.example/create-bike-repair.json")
    create["object"] = event
    return create


def lemmy_tenants(remote: FakeFediverse) -> PathActor:
    """Lemmy's community ``!tenants@lemmy.example``, beside a user of the same name:
    WebFinger answers the name with both (the recorded shape)."""
    community = add(remote, "lemmy.example", "c/tenants", "Group")
    add(remote, "lemmy.example", "u/tenants")
    remote.webfinger["acct:tenants@lemmy.example"] = load("lemmy.example/webfinger-tenants.json")
    return community
