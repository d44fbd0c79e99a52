"""WebSub for the news feed (issue 10 item 4): the feed names the hub (``<link
rel="hub">`` and ``Link`` headers), an approval queues a ping that a worker sends (never
the request), retried with backoff, and nothing at all when ``IONODE_WEBSUB_HUB`` is off."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from starlette.testclient import TestClient

from node.app import background_tasks, create_app
from node.newswire.moderation.service import approve
from node.newswire.submissions.rules import check_submission
from node.newswire.submissions.service import store_submission
from node.newswire.websub.models import WebSubPing
from node.newswire.websub.rules import MAX_ATTEMPTS, retry_delay
from node.newswire.websub.service import send_due
from node.runtime import Node
from node.settings import Settings, SettingsError
from tests.conftest import NOW
from tests.node.hub_support import MovableClock
from tests.node.newswire_support import make_moderator, write_conduct
from tests.node.web_support import add_organizer, form_token, login

HUB_URL = "https://websub.example/"
FEED = "https://philly.example/news/feed.atom"
_ping = WebSubPing.__table__  # type: ignore[attr-defined]


@dataclass
class FakeHub:
    """A WebSub hub behind ``httpx.MockTransport``: records each publish ping and answers
    with the scripted statuses (then 204)."""

    statuses: list[int] = field(default_factory=list)
    pings: list[dict[str, list[str]]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != "websub.example":
            return httpx.Response(404)
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        self.pings.append(parse_qs(request.content.decode()))
        return httpx.Response(self.statuses.pop(0) if self.statuses else 204)


@dataclass
class Site:
    client: TestClient
    node: Node
    hub: FakeHub
    clock: MovableClock

    def send(self) -> int:
        assert self.client.portal is not None
        return int(self.client.portal.call(send_due, self.node))

    def pings(self) -> list[dict[str, Any]]:
        with self.node.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(_ping.select().order_by(_ping.c.id))]

    def queue_news(self, title: str = "Port of Oakland shut down") -> int:
        submission = check_submission(title=title, body="Thousands marched.")
        with self.node.engine.begin() as conn:
            item_id, _ = store_submission(conn, submission, now=self.clock())
        return item_id

    def approve(self, item_id: int) -> None:
        with self.node.engine.begin() as conn:
            approve(self.node, conn, item_id, role="admin")


def open_site(settings: Settings, hub_url: str) -> Iterator[Site]:
    hub, clock = FakeHub(), MovableClock(NOW)
    app = create_app(settings.with_overrides(websub_hub=hub_url), clock=clock,
                     transport=httpx.MockTransport(hub.handle), start_workers=False)
    with TestClient(app, base_url=settings.url, follow_redirects=False) as client:
        yield Site(client, app.state.node, hub, clock)


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    yield from open_site(settings, HUB_URL)


@pytest.fixture
def off(settings: Settings) -> Iterator[Site]:
    yield from open_site(settings, "")


def test_the_feed_names_its_hub_in_the_document_and_the_link_headers(site: Site) -> None:
    response = site.client.get("/news/feed.atom")
    assert response.status_code == 200
    assert f'<link rel="hub" href="{HUB_URL}" />' in response.text
    assert f'<link rel="self" type="application/atom+xml" href="{FEED}" />' in response.text
    assert response.headers["link"] == f'<{HUB_URL}>; rel="hub", <{FEED}>; rel="self"'
    links = httpx.Response(200, headers={"link": response.headers["link"]}).links
    assert links["hub"]["url"] == HUB_URL and links["self"]["url"] == FEED


def test_without_a_hub_the_feed_names_none_and_nothing_is_queued(off: Site) -> None:
    response = off.client.get("/news/feed.atom")
    assert 'rel="hub"' not in response.text and "link" not in response.headers
    off.approve(off.queue_news())
    assert off.pings() == [] and off.send() == 0 and off.hub.pings == []


def test_an_approval_in_the_queue_page_pings_the_hub_from_the_worker(site: Site) -> None:
    add_organizer(site.node.engine, "mo")
    make_moderator(site.node.engine, "mo", NOW)
    write_conduct(site.node.engine, NOW)
    item_id = site.queue_news()
    login(site.client, "mo")
    token = form_token(site.client, "/news/queue")
    done = site.client.post(f"/news/queue/{item_id}/approve", data={
        "csrf_token": token, "title": "Port of Oakland shut down", "body": "Thousands marched."})
    assert done.status_code == 303
    assert site.hub.pings == []  # the request only queued it
    [queued] = site.pings()
    assert (queued["state"], queued["topic_url"], queued["hub_url"]) == ("queued", FEED, HUB_URL)
    assert site.send() == 1
    assert site.hub.pings == [{"hub.mode": ["publish"], "hub.url": [FEED]}]
    [sent] = site.pings()
    assert (sent["state"], sent["attempts"]) == ("sent", 1)
    assert "websub pings" in [task.name for task in background_tasks()]


def test_a_failing_hub_is_retried_with_backoff_and_pings_coalesce(site: Site) -> None:
    site.hub.statuses = [503]
    site.approve(site.queue_news())
    site.approve(site.queue_news("Second"))  # one ping is already waiting: enough
    assert len(site.pings()) == 1
    assert site.send() == 1
    [row] = site.pings()
    assert (row["state"], row["attempts"], row["last_error"]) == ("queued", 1, "HTTP 503")
    assert site.send() == 0  # not due yet
    site.clock.now = NOW + timedelta(seconds=31)
    assert site.send() == 1
    assert len(site.hub.pings) == 2 and site.pings()[0]["state"] == "sent"


def test_backoff_doubles_is_capped_and_gives_up() -> None:
    delays = [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert delays[0] == timedelta(seconds=30) and delays[1] == timedelta(seconds=60)
    assert all(a is not None and b is not None and a <= b for a, b in pairwise(delays))
    assert max(d for d in delays if d is not None) <= timedelta(hours=6)
    assert retry_delay(MAX_ATTEMPTS) is None


def test_the_setting_is_read_from_the_environment(settings: Settings) -> None:
    env = {"IONODE_URL": "https://philly.example", "IONODE_DATABASE": settings.database}
    assert Settings.from_env(env, data_dir=settings.data_dir).websub_hub == ""
    given = Settings.from_env({**env, "IONODE_WEBSUB_HUB": HUB_URL}, data_dir=settings.data_dir)
    assert given.websub_hub == HUB_URL
    with pytest.raises(SettingsError, match="IONODE_WEBSUB_HUB"):
        Settings.from_env({**env, "IONODE_WEBSUB_HUB": "http://hub.example/"},
                          data_dir=settings.data_dir)
