"""Linked hubs in the node tier: our hub ``portshutdown`` (philly.example) and the hub
``dockers`` on oakland.example (a fake ionode: a Group and its member Joan), signing
what they send as ionode does."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import orjson
import pytest

from node.activitypub.vocab import PUBLIC, activity, isoformat
from node.hubs.hub.links import find_hub, link
from node.hubs.hub.publish import load_hub
from tests.fakes.remote import FakeActor
from tests.node.harness import Harness
from tests.node.network_support import FakeGroup, add_group, signed

OAKLAND = "oakland.example"
HUB = "portshutdown"


def oakland(h: Harness) -> tuple[FakeGroup, FakeActor]:
    """The remote hub and its member (served by the fake fediverse)."""
    return add_group(h.remote, OAKLAND, "dockers"), h.remote.add_actor(OAKLAND, "joan")


def ask_link(h: Harness, other: FakeGroup) -> dict[str, Any]:
    """Our hub asks to link ``other``; the Follow it sent (drained)."""
    target = asyncio.run(find_hub(h.node, other.uri))
    with h.node.engine.begin() as conn:
        link(h.node, conn, load_hub(conn, HUB), target)
    h.drain()
    (sent,) = [orjson.loads(r.content) for r in h.remote.received
               if r.method == "POST" and b'"Follow"' in r.content]
    return dict(sent)


def accept(h: Harness, other: FakeGroup, follow: dict[str, Any]) -> None:
    answer = {"@context": "https://www.w3.org/ns/activitystreams",
              "id": f"{other.uri}/accepts/1", "type": "Accept", "actor": other.uri,
              "object": follow}
    assert h.post_activity(other, answer).status_code == 202
    h.drain()


def event(author: FakeActor, hub: FakeActor, n: int, now: datetime,
          start: str = "2026-12-12T07:00:00-08:00", **extra: Any) -> dict[str, Any]:
    """A public Event by ``author`` posted into ``hub``, signed."""
    doc = {"@context": ["https://www.w3.org/ns/activitystreams",
                        "https://w3id.org/security/data-integrity/v1"],
           "id": f"https://{author.host}/objects/e{n}", "type": "Event",
           "name": "Blockade at berth 5", "attributedTo": author.uri,
           "startTime": start, "endTime": "2026-12-12T11:00:00-08:00",
           "timezone": "America/Los_Angeles",
           "location": {"type": "Place", "name": "Berth 5, Port of Oakland"},
           "to": [PUBLIC, hub.uri], "audience": hub.uri, "published": isoformat(now), **extra}
    return signed(author, doc, now)


def announce_create(hub: FakeGroup, author: FakeActor, obj: dict[str, Any], n: int,
                    now: datetime, kind: str = "Create") -> dict[str, Any]:
    """FEP-1b12 ``Announce{Create|Update{...}}`` by the hub, every layer signed."""
    inner = signed(author, activity(kind, id=f"https://{author.host}/activities/{kind}{n}",
                                    actor=author.uri, object=obj, to=[PUBLIC]), now)
    return signed(hub, activity("Announce", id=f"{hub.uri}/announces/{kind}{n}",
                                actor=hub.uri, object=inner, to=[PUBLIC],
                                cc=[f"{hub.uri}/followers"]), now)


def announce_id(hub: FakeGroup, uri: str, n: int) -> dict[str, Any]:
    """``Announce{object id}`` as Mastodon reads it (unsigned: refetched from origin)."""
    return activity("Announce", id=f"{hub.uri}/announces/id{n}", actor=hub.uri, object=uri,
                    to=[PUBLIC], cc=[f"{hub.uri}/followers"])


def share(h: Harness, hub: FakeGroup, document: dict[str, Any]) -> None:
    assert h.post_activity(hub, document).status_code == 202
    h.drain()


@pytest.fixture
def linked(h: Harness) -> FakeGroup:
    """portshutdown linked oakland's dockers (a fake ionode node), which accepted; the
    test module using it provides ``h``."""
    dockers, _ = oakland(h)
    accept(h, dockers, ask_link(h, dockers))
    return dockers
