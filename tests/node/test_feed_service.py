"""A hub republishing its group's website feeds: once each, conditional GET, backoff,
the SSRF guard and the size cap, unsubscribe. Feeds are served by an in-test site
behind the same MockTransport as a fake fediverse with a Mastodon-shaped follower."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from node.activitypub.models import LocalActor
from node.hubs.feeds.service import (
    PollOutcome,
    list_feeds,
    poll_due_feeds,
    poll_now,
    unsubscribe,
)
from node.hubs.hub.publish import HubError
from node.settings import Settings
from tests.node.feed_support import (
    CALENDAR,
    FEED,
    FIXTURES,
    SITE,
    Page,
    World,
    _entries,
    _items,
    _subs,
    feed,
    feed_world,
)


@pytest.fixture
def w(settings: Settings) -> Iterator[World]:
    with feed_world(settings) as world:
        world.site.pages[FEED] = Page((FIXTURES / "rss2.xml").read_bytes())
        yield world


def test_subscribing_publishes_the_newest_three_once_each(w: World) -> None:
    result = w.subscribe()
    assert (result.url, result.title, result.published) == (
        FEED, "Occupy Oakland General Assembly", 3)
    creates = w.creates()
    hub = w.h.local("portshutdown").uri
    titles = ["Kitchen working group needs volunteers", "Foreclosure defence at 34th Street",
              "Port shutdown: December 12 &amp; the West Coast"]  # oldest first
    assert [c["object"]["content"].split("</strong>")[0][len("<p><strong>"):]
            for c in creates] == titles
    note = creates[2]["object"]
    assert creates[2]["actor"] == hub and note["attributedTo"] == hub
    assert note["url"] == f"{SITE}/2026/11/port-shutdown"
    assert f'Source: <a href="{SITE}/2026/11/port-shutdown"' in note["content"]
    assert "<script" not in note["content"] and "proof" in note
    assert creates[0]["object"]["url"] == creates[0]["object"]["id"]  # no link: its own id
    assert f'Source: <a href="{SITE}/"' in creates[0]["object"]["content"]  # the site
    items = w.rows(_items)
    assert [(i["kind"], i["origin"], i["state"], i["author_uri"]) for i in items] == [
        ("feed", "feed", "published", hub)] * 3
    entries = {e["entry_key"]: e["object_uri"] for e in w.rows(_entries)}
    assert len(entries) == 4 and entries["occupyoakland-post-1"] == ""  # the 2011 backlog
    (sub,) = w.rows(_subs)
    assert sub["etag"] == '"v1"' and sub["failures"] == 0
    page = w.h.client.get("/hubs/portshutdown", headers={"Accept": "text/html"}).text
    assert "Foreclosure defence at 34th Street" in page


def test_not_polled_before_due_and_a_304_publishes_nothing(w: World) -> None:
    w.subscribe()
    w.creates()
    assert w.poll() == 0 and len(w.site.requests) == 1
    w.clock.advance(minutes=31)
    assert w.poll() == 1
    assert w.site.requests[-1].headers["if-none-match"] == '"v1"'
    assert len(w.creates()) == 3
    (sub,) = w.rows(_subs)
    assert sub["next_poll_at"].replace(tzinfo=None) == (w.clock.now + timedelta(minutes=30)
                                                        ).replace(tzinfo=None)
    assert sub["last_polled_at"] is not None and sub["last_error"] is None


def test_a_changed_feed_publishes_only_its_new_entries(w: World) -> None:
    w.site.pages[FEED] = Page(feed(("a", "Old A", "Mon, 16 Nov 2026 10:00:00 +0000")))
    w.subscribe()
    w.site.pages[FEED] = Page(feed(("b", "New B", "Sat, 21 Nov 2026 10:00:00 +0000"),
                                   ("a", "Old A", "Mon, 16 Nov 2026 10:00:00 +0000")),
                              etag='"v2"')
    w.clock.advance(hours=1)
    assert w.poll() == 1
    assert [c["object"]["content"][:22] for c in w.creates()] == [
        "<p><strong>Old A</stro", "<p><strong>New B</stro"]
    w.site.pages[FEED].etag = None  # a server without validators: same body again
    w.clock.advance(hours=1)
    assert w.poll() == 1
    assert len(w.creates()) == 2 and len(w.rows(_entries)) == 2


def test_calendar_publishes_the_next_three_upcoming_events(w: World) -> None:
    # Issue 7, item 1.1: each becomes a real Event by the hub (it was a Note without
    # `name` filed as an event, which broke every calendar).
    w.site.pages[CALENDAR] = Page((FIXTURES / "calendar.ics").read_bytes(),
                                  content_type="text/calendar; charset=utf-8")
    assert w.subscribe(CALENDAR).published == 3
    creates = w.creates()
    events = [c["object"] for c in creates]
    hub = w.h.local("portshutdown").uri
    assert [e["type"] for e in events] == ["Event"] * 3
    assert [e["name"] for e in events] == [
        "General Assembly", "Teach-in on debt", "West Coast Port Shutdown"]
    assert all(c["actor"] == hub and e["attributedTo"] == hub and "proof" in e
               for c, e in zip(creates, events, strict=True))
    shutdown = events[2]
    assert (shutdown["startTime"], shutdown["endTime"], shutdown["timezone"]) == (
        "2026-12-12T05:30:00-08:00", "2026-12-12T14:00:00-08:00", "America/Los_Angeles")
    assert shutdown["location"] == {"type": "Place", "name": "Port of Oakland, Berth 5"}
    assert shutdown["summary"] == ("Sat 12 Dec 2026, 5:30 AM to 2:00 PM PST "
                                   "(America/Los_Angeles) at Port of Oakland, Berth 5.")
    assert f'Source: <a href="{SITE}/actions/port-shutdown"' in shutdown["content"]
    assert "Bring water." in shutdown["content"] and "<script" not in shutdown["content"]
    assert "Repeats weekly" in events[0]["content"]
    items = w.rows(_items)
    assert [i["kind"] for i in items] == ["event"] * 3
    assert items[2]["starts_at"].replace(tzinfo=None) == datetime(2026, 12, 12, 13, 30)
    keys = {e["entry_key"] for e in w.rows(_entries)}
    assert "past-march@occupyoakland.example" in keys  # over: recorded, never published
    assert "cancelled@occupyoakland.example" not in keys


@pytest.mark.parametrize(("url", "message"), [
    ("http://127.0.0.1/feed.xml", "loopback"), ("http://10.1.2.3/feed.xml", "private"),
    ("http://localhost:8000/feed.xml", "loopback name"), ("ftp://occupyoakland.example/f",
                                                          r"http\(s\) URL"),
    ("file:///etc/passwd", r"http\(s\) URL"), ("not a url", r"http\(s\) URL"),
])
def test_refused_urls_store_nothing_and_fetch_nothing(w: World, url: str, message: str) -> None:
    with pytest.raises(HubError, match=message):
        w.subscribe(url)
    assert w.rows(_subs) == [] and w.site.requests == []


def test_subscribe_needs_the_hub_and_refuses_duplicates(w: World) -> None:
    with pytest.raises(HubError, match="no hub named 'nohub'"):
        w.subscribe(hub="nohub")
    w.subscribe()
    for spelling in (f"{FEED}#fragment", "HTTPS://OccupyOakland.Example.:443/feed.xml"):
        with pytest.raises(HubError, match="already subscribed"):
            w.subscribe(spelling)
    assert len(w.rows(_subs)) == 1 and len(w.site.requests) == 1


@pytest.mark.parametrize(("page", "message"), [
    (Page(b"<html><body>Welcome</body></html>", content_type="text/html; charset=utf-8"),
     "serves a web page"),
    (Page(b"<item/>" * 200_000), "over the cap"),
    (Page(b"not xml at all", content_type="text/xml"), "not an RSS or Atom feed"),
    (Page(b"", status=500), "HTTP 500"),
])
def test_what_is_not_a_feed_is_refused_on_subscribe(w: World, page: Page, message: str) -> None:
    w.site.pages[FEED] = page
    with pytest.raises(HubError, match=message):
        w.subscribe()
    assert w.rows(_subs) == [] and w.rows(_entries) == [] and w.creates() == []


def test_failures_back_off_and_recover(w: World) -> None:
    w.subscribe()
    w.site.pages[FEED] = Page(b"", status=503, etag=None)
    expected = [1, 2, 4]
    for failures, hours in enumerate(expected, start=1):
        w.clock.advance(days=2)
        assert w.poll() == 1
        (sub,) = w.rows(_subs)
        assert (sub["failures"], sub["last_error"]) == (failures, "HTTP 503")
        assert sub["next_poll_at"].replace(tzinfo=None) == (
            w.clock.now + timedelta(hours=hours)).replace(tzinfo=None)
    w.site.pages[FEED] = Page((FIXTURES / "rss2.xml").read_bytes())
    w.clock.advance(days=2)
    assert w.poll() == 1
    (sub,) = w.rows(_subs)
    assert (sub["failures"], sub["last_error"]) == (0, None)
    assert len(w.creates()) == 3  # nothing published twice after the outage


def test_poll_time_refusals_are_recorded(w: World) -> None:
    w.subscribe()
    reasons = []
    for page in (Page(b"", status=302, etag=None, headers={"Location": "https://10.0.0.5/x"}),
                 Page(b"<item/>" * 200_000, etag=None),
                 Page(b"<html>site</html>", content_type="text/html", etag=None)):
        w.site.pages[FEED] = page
        w.clock.advance(days=2)
        assert w.poll() == 1
        reasons.append(w.rows(_subs)[0]["last_error"])
    assert "private" in reasons[0] and "cap" in reasons[1] and "web page" in reasons[2]
    assert [r.url.host for r in w.site.requests].count("10.0.0.5") == 0


def test_unsubscribe_stops_polling(w: World) -> None:
    w.subscribe()
    with w.h.node.engine.begin() as conn:
        assert [f.url for f in list_feeds(conn, "portshutdown")] == [FEED]
        unsubscribe(conn, "portshutdown", "https://OCCUPYOAKLAND.example/feed.xml#x",
                    now=w.clock.now)
        assert list_feeds(conn, "portshutdown") == []
    w.clock.advance(days=1)
    assert w.poll() == 0 and len(w.site.requests) == 1
    assert len(w.rows(_items)) == 3  # the hub's posts stay
    with w.h.node.engine.begin() as conn, pytest.raises(HubError, match="not subscribed"):
        unsubscribe(conn, "portshutdown", FEED, now=w.clock.now)


def test_subscribing_again_republishes_only_entries_never_seen(w: World) -> None:
    # Given a hub that published a feed's newest entries and then unsubscribed, when it
    # subscribes to the same feed again, then nothing that went out before goes out
    # again: only an entry added since is published.
    w.subscribe()
    published = {c["object"]["id"] for c in w.creates()}
    with w.h.node.engine.begin() as conn:
        unsubscribe(conn, "portshutdown", FEED, now=w.clock.now)
    w.clock.advance(days=3)
    w.site.pages[FEED] = Page(feed(("fresh-1", "Strike fund report", "Sat, 21 Nov 2026 "
                                                                      "09:00:00 GMT"))
                              + b"")
    again = w.subscribe()
    assert again.published == 1
    creates = w.creates()
    assert len(creates) == len(published) + 1
    assert "Strike fund report" in creates[-1]["object"]["content"]
    (sub,) = w.rows(_subs)
    assert sub["unsubscribed_at"] is None
    assert {e["entry_key"] for e in w.rows(_entries)} >= {"fresh-1"}


def test_poll_now_and_concurrent_pollers_take_each_feed_once(w: World) -> None:
    w.subscribe()
    outcomes: list[PollOutcome] = w.run(poll_now, "portshutdown")
    assert outcomes == [PollOutcome(FEED, not_modified=True)]
    with w.h.node.engine.begin() as conn:
        conn.execute(update(_subs).values(next_poll_at=w.clock.now))

    async def two_pollers(node: Any) -> list[int]:
        import anyio

        counts: list[int] = []
        async with anyio.create_task_group() as group:
            for _ in range(2):
                group.start_soon(lambda: _count(counts, node))
        return counts

    async def _count(counts: list[int], node: Any) -> None:
        counts.append(await poll_due_feeds(node))

    assert sorted(w.run(two_pollers)) == [0, 1]
    assert len(w.site.requests) == 3


def test_a_deleted_hub_publishes_nothing_more(w: World) -> None:
    w.subscribe()
    w.site.pages[FEED] = Page(feed(("z", "After deletion", "Sat, 21 Nov 2026 11:00:00 +0000")),
                              etag='"v9"')
    actors = LocalActor.__table__  # type: ignore[attr-defined]
    with w.h.node.engine.begin() as conn:
        conn.execute(update(actors).where(actors.c.username == "portshutdown")
                     .values(deleted_at=w.clock.now))
    w.clock.advance(hours=1)
    assert w.poll() == 1
    (sub,) = w.rows(_subs)
    assert (sub["failures"], sub["last_error"]) == (1, "the hub no longer exists")
    assert len(w.creates()) == 3
