"""An in-process node with a fake fediverse around it, drained deterministically."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from starlette.testclient import TestClient

from node.activitypub.models import LocalActor
from node.app import create_app
from node.clock import Clock
from node.runtime import Node
from node.settings import Settings
from node.workers import drain
from tests.fakes.remote import FakeActor, FakeFediverse, signed_headers

MASTO = "mastodon.example"


@dataclass
class Harness:
    client: TestClient
    node: Node
    remote: FakeFediverse
    now: datetime

    def drain(self) -> int:
        assert self.client.portal is not None
        return int(self.client.portal.call(drain, self.node))

    def post_activity(self, actor: FakeActor, activity: dict[str, Any], path: str = "/inbox",
                      scheme: str = "cavage", body: bytes | None = None,
                      content_type: str | None = "application/activity+json") -> Any:
        raw = body if body is not None else orjson.dumps(activity)
        url = f"{self.node.settings.url}{path}"
        headers = signed_headers(actor, url, raw, self.now, scheme, content_type)
        return self.client.post(path, content=raw, headers=headers)

    def local(self, username: str) -> LocalActor:
        table = LocalActor.__table__  # type: ignore[attr-defined]
        with self.node.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.username == username)).one()
        return LocalActor(**row._mapping)


@contextmanager
def running_node(settings: Settings, clock: Clock) -> Iterator[Harness]:
    remote = FakeFediverse()
    app = create_app(settings, transport=remote.transport(), clock=clock, start_workers=False)
    with TestClient(app, base_url=settings.url) as client:
        yield Harness(client=client, node=app.state.node, remote=remote, now=clock())


def rows(h: Harness, table: Any, *where: Any) -> list[dict[str, Any]]:
    """The rows of ``table`` (matching every ``where`` condition) as plain dicts."""
    query = select(table)
    for condition in where:
        query = query.where(condition)
    with h.node.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def follow_hub(h: Harness, username: str = "ana") -> dict[str, object]:
    """A Mastodon user ``username`` follows hub ``portshutdown``; the inbox is drained."""
    ana = h.remote.add_actor(MASTO, username)
    hub = h.local("portshutdown")
    follow: dict[str, object] = {"@context": "https://www.w3.org/ns/activitystreams",
                                 "id": f"{ana.uri}#follows/1", "type": "Follow",
                                 "actor": ana.uri, "object": hub.uri}
    assert h.post_activity(ana, follow).status_code == 202
    h.drain()
    return follow
