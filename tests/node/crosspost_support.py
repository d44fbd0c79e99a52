"""Cross-posting tests' world: a node with two hubs (one moderated), an organizer, and
hubs on other nodes faked behind a MockTransport (one host always answers 503)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from sqlalchemy import update

from node.clock import Clock
from node.hubs.crosspost.targets import RemoteHub
from node.hubs.hub.crossposts import target_statuses
from node.hubs.hub.models import Hub
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.settings import Settings
from node.workers import drain
from tests.fakes.remote import FakeActor, FakeFediverse, signed_headers
from tests.node.hub_pages_support import Site, open_site

AS = "https://www.w3.org/ns/activitystreams"
BASE = "https://philly.example"
OAK, CLOSED, DOWN = "oakland.example", "closed.example", "down.example"
_hub = Hub.__table__  # type: ignore[attr-defined]


@dataclass
class FakeGroup(FakeActor):
    """A hub on another node: a Group actor at ``/hubs/{name}``."""

    @property
    def uri(self) -> str:
        return f"https://{self.host}/hubs/{self.username}"

    def document(self) -> dict[str, Any]:
        return {**super().document(), "type": "Group"}


@dataclass
class World:
    site: Site
    remote: FakeFediverse

    def drain(self) -> int:
        assert self.site.client.portal is not None
        return int(self.site.client.portal.call(drain, self.site.node))

    def group(self, host: str, name: str) -> FakeGroup:
        group = FakeGroup(host, name)
        self.remote.actors[group.uri] = group
        return group

    def deliver(self, actor: FakeActor, activity: dict[str, Any]) -> None:
        body = orjson.dumps(activity)
        headers = signed_headers(actor, f"{BASE}/inbox", body, self.site.node.clock())
        assert self.site.client.post("/inbox", content=body, headers=headers).status_code == 202
        self.drain()

    def sent(self, host: str, kind: str) -> list[dict[str, Any]]:
        return [a for a in self.remote.deliveries(f"https://{host}/inbox") if a["type"] == kind]

    def statuses(self, uri: str) -> list[tuple[str, str, str | None]]:
        with self.site.node.engine.connect() as conn:
            return [(s.label, s.state, s.reason) for s in target_statuses(conn, uri)]


@pytest.fixture
def world(settings: Settings, clock: Clock) -> Iterator[World]:
    remote = FakeFediverse()
    remote.inbox_status = lambda request: 503 if request.url.host == DOWN else 202
    with open_site(settings, clock, transport=remote.transport()) as site:
        with site.node.engine.begin() as conn:
            create_hub(conn, base_url=BASE, name="dockers", title="Dockers", now=clock(),
                       keys=site.node.actor_keys)
            conn.execute(update(_hub).where(_hub.c.id == load_hub(conn, "dockers").hub.id)
                         .values(posting_policy="moderated"))
        site.person("nate", "admin")
        yield World(site, remote)


def posted_in_text(page: str) -> list[str]:
    """The "posted in" lines of a page, as read (tags out, spaces collapsed)."""
    lines = re.findall(r'<p class="meta posted-in">(.*?)</p>', page, re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", "", line).split()) for line in lines]


def hub_of(group: FakeGroup) -> RemoteHub:
    return RemoteHub(uri=group.uri, handle=f"@{group.username}@{group.host}",
                     inbox=f"https://{group.host}/inbox")
