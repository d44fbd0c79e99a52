"""``/hubs/{name}/feed.atom``: published items only, newest first, 50, conditional GET."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import feedparser
import pytest
from sqlalchemy import update

from node.clock import Clock
from node.hubs.hub.atom_views import FEED_SIZE
from node.hubs.hub.items import delete_item, edit_text
from node.hubs.hub.models import Hub, HubItem
from node.hubs.hub.settings import HubSettings, apply_settings
from node.hubs.minutes.service import post_minutes
from node.hubs.updates.service import post_update
from node.settings import Settings
from tests.node.harness import Harness
from tests.node.hub_harness import HUB, MASTO, add_member, hub, hub_node, mastodon_create

_item = HubItem.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]
BASE = "https://philly.example"
FEED = f"/hubs/{HUB}/feed.atom"


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def note(h: Harness, text: str, minutes_later: int = 0) -> str:
    with h.node.engine.begin() as conn:
        uri = str(post_update(h.node, conn, "nate", text, [HUB]).note["id"])
        conn.execute(update(_item).where(_item.c.object_uri == uri).values(
            created_at=h.now + timedelta(minutes=minutes_later)))
    return uri


def test_the_feed_lists_published_items_newest_first(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        apply_settings(h.node, conn, hub(conn), HubSettings(summary="Shut it *down*"))
    first = note(h, "First **update** & more", 1)
    with h.node.engine.begin() as conn:
        article = post_minutes(h.node, conn, "nate", [HUB], title="GA minutes",
                               markdown="# Agenda\ntext", summary="Decisions").object
        conn.execute(update(_item).where(_item.c.object_uri == article["id"]).values(
            created_at=h.now + timedelta(minutes=2)))
    response = h.client.get(FEED)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert parsed.feed.title == "West Coast Port Shutdown"
    assert parsed.feed.subtitle == "<p>Shut it <em>down</em></p>"
    assert [link.rel for link in parsed.feed.links] == ["self", "alternate"]
    assert [e.id for e in parsed.entries] == [article["id"], first]
    minutes, update_entry = parsed.entries
    assert minutes.title == "GA minutes" and minutes.summary == "Decisions"
    assert update_entry.title == "First update & more"
    assert update_entry.author == "nate"
    assert update_entry.content[0].value == "<p>First <strong>update</strong> &amp; more</p>"


def test_held_refused_deleted_and_other_hubs_items_are_left_out(h: Harness) -> None:
    kept = note(h, "kept")
    held, refused, gone = note(h, "held"), note(h, "refused"), note(h, "gone")
    with h.node.engine.begin() as conn:
        conn.execute(update(_item).where(_item.c.object_uri == held).values(state="held"))
        conn.execute(update(_item).where(_item.c.object_uri == refused).values(state="refused"))
        delete_item(h.node, conn, "nate", gone)
        post_update(h.node, conn, "nate", "not in any hub")
    parsed = feedparser.parse(h.client.get(FEED).content)
    assert [e.id for e in parsed.entries] == [kept]


def test_remote_posts_the_hub_shared_are_in_the_feed(h: Harness) -> None:
    ana = h.remote.add_actor(MASTO, "ana")
    add_member(h, ana.uri)
    create = mastodon_create(ana, f"{BASE}/hubs/{HUB}", "from Mastodon")
    assert h.post_activity(ana, create).status_code == 202
    h.drain()
    [remote_entry] = feedparser.parse(h.client.get(FEED).content).entries
    assert remote_entry.id == create["object"]["id"]
    assert remote_entry.link == create["object"]["url"]
    assert remote_entry.author == "Ana"  # the cached actor's display name


def test_at_most_fifty_entries(h: Harness) -> None:
    for i in range(FEED_SIZE + 3):
        note(h, f"n{i}", i)
    entries = feedparser.parse(h.client.get(FEED).content).entries
    assert len(entries) == FEED_SIZE and entries[0].title == f"n{FEED_SIZE + 2}"


def test_conditional_get_and_unknown_hubs(h: Harness) -> None:
    note(h, "x")
    first = h.client.get(FEED)
    etag = first.headers["etag"]
    again = h.client.get(FEED, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    note(h, "y", 5)
    assert h.client.get(FEED, headers={"If-None-Match": etag}).status_code == 200
    assert h.client.get("/hubs/nohub/feed.atom").status_code == 404
    assert h.client.get("/hubs/Bad-Name/feed.atom").status_code == 404
    assert h.client.get("/hubs/nate/feed.atom").status_code == 404  # a person, not a hub


def test_an_edited_item_keeps_its_published_date_and_gets_a_newer_updated(h: Harness) -> None:
    uri = note(h, "draft")
    with h.node.engine.begin() as conn:
        edit_text(h.node, conn, "nate", uri, "final")
    [entry] = feedparser.parse(h.client.get(FEED).content).entries
    assert (entry.published, entry.updated) == ("2026-11-21T12:00:00Z", "2026-11-21T12:00:01Z")
    assert entry.content[0].value == "<p>final</p>"
