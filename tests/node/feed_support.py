"""A hub, its fake website feeds and a moving clock: the world the feed tests run in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from starlette.testclient import TestClient

from node.app import create_app
from node.hubs.feeds.service import (
    Subscribed,
    poll_due_feeds,
    subscribe,
)
from node.hubs.hub.models import FeedEntry, FeedSubscription, HubItem
from node.hubs.hub.service import create_hub
from node.settings import Settings
from tests.conftest import NOW
from tests.fakes.remote import FakeFediverse
from tests.node.harness import Harness

FIXTURES = Path(__file__).parents[1] / "fixtures" / "feeds"
SITE = "https://occupyoakland.example"
FEED = f"{SITE}/feed.xml"
CALENDAR = f"{SITE}/calendar.ics"
MASTO = "mastodon.example"
_subs = FeedSubscription.__table__  # type: ignore[attr-defined]
_entries = FeedEntry.__table__  # type: ignore[attr-defined]
_items = HubItem.__table__  # type: ignore[attr-defined]


@dataclass
class Page:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = '"v1"'
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Site:
    """The group's website: pages by URL, honouring If-None-Match; records requests."""

    pages: dict[str, Page] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        page = self.pages.get(str(request.url))
        if page is None:
            return httpx.Response(404)
        headers = {"Content-Type": page.content_type, **page.headers}
        if page.etag:
            headers["ETag"] = page.etag
            if request.headers.get("if-none-match") == page.etag:
                return httpx.Response(304, headers={"ETag": page.etag})
        return httpx.Response(page.status, headers=headers,
                              stream=httpx.ByteStream(page.body))


class MovingClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    h: Harness
    site: Site
    clock: MovingClock

    def run(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        assert self.h.client.portal is not None
        return self.h.client.portal.call(lambda: function(self.h.node, *args, **kwargs))

    def subscribe(self, url: str = FEED, hub: str = "portshutdown") -> Subscribed:
        result: Subscribed = self.run(subscribe, hub, url)
        return result

    def poll(self) -> int:
        return int(self.run(poll_due_feeds))

    def rows(self, table: Any) -> list[dict[str, Any]]:
        with self.h.node.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]

    def creates(self) -> list[dict[str, Any]]:
        """Create activities the Mastodon follower's server received so far."""
        self.h.drain()
        inboxes = (f"https://{MASTO}/inbox", f"https://{MASTO}/users/ana/inbox")
        return [a for inbox in inboxes for a in self.h.remote.deliveries(inbox)
                if a["type"] == "Create"]


def feed(*items: tuple[str, str, str]) -> bytes:
    """RSS with (guid, title, RFC 822 date) items."""
    body = "".join(f"<item><guid isPermaLink='false'>{guid}</guid><title>{title}</title>"
                   f"<link>{SITE}/posts/{guid}</link><pubDate>{date}</pubDate>"
                   f"<description>About {title}</description></item>"
                   for guid, title, date in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>GA</title>'
            f"<link>{SITE}/</link>{body}</channel></rss>").encode()


@contextmanager
def feed_world(settings: Settings) -> Iterator[World]:
    remote, site, clock = FakeFediverse(), Site(), MovingClock(NOW)

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "occupyoakland.example":
            return site.handle(request)
        return remote.handle(request)

    app = create_app(settings, transport=httpx.MockTransport(route), clock=clock,
                     start_workers=False)
    with TestClient(app, base_url=settings.url) as client:
        h = Harness(client=client, node=app.state.node, remote=remote, now=clock())
        with h.node.engine.begin() as conn:
            create_hub(conn, base_url=settings.url, name="portshutdown",
                       title="West Coast Port Shutdown", now=clock(), keys=h.node.actor_keys)
        ana = remote.add_actor(MASTO, "ana")
        follow = {"id": f"{ana.uri}#follows/1", "type": "Follow", "actor": ana.uri,
                  "object": h.local("portshutdown").uri}
        assert h.post_activity(ana, follow).status_code == 202
        h.drain()
        yield World(h=h, site=site, clock=clock)
