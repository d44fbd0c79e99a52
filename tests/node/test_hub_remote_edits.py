"""Remote edits and deletes of posts hubs hold: read like the pages read them, filtered
like a Create (SECURITY.md "Akkoma: Update skipped the moderation filters"), and deleted
by any of their authors (review of issue 7's merge)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from node.activitypub.models import InboxItem, StoredObject
from node.activitypub.vocab import PUBLIC
from node.clock import Clock
from node.hubs.hub.members import remove_member
from node.hubs.hub.models import Hub, HubItem
from node.hubs.hub.moderation import publish_held, queue
from node.settings import Settings
from tests.node.harness import Harness
from tests.node.hub_harness import FANS, fan, hub, hub_node, rows, sent
from tests.node.remote_events_support import AS, HUB_URI, MOBILIZON, event, organizer, page, send
from tests.node.remote_events_support import starts as item_starts

_item = HubItem.__table__  # type: ignore[attr-defined]
_objects = StoredObject.__table__  # type: ignore[attr-defined]
_inbox = InboxItem.__table__  # type: ignore[attr-defined]
_hub = Hub.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def note(n: int = 1, **fields: Any) -> dict[str, Any]:
    doc = {"id": f"https://{MOBILIZON}/notes/{n}", "type": "Note",
           "attributedTo": f"https://{MOBILIZON}/users/rosa", "content": "<p>first</p>",
           "published": "2026-11-20T10:00:00Z", "to": [PUBLIC, HUB_URI], "cc": [],
           "audience": HUB_URI}
    doc.update(fields)
    return doc


def question(**fields: Any) -> dict[str, Any]:
    options = [{"type": "Note", "name": name, "replies": {"type": "Collection",
                                                          "totalItems": count}}
               for name, count in (("yes", 0), ("no", 0))]
    return note(7, type="Question", content="<p>Strike?</p>", oneOf=options,
                endTime="2026-11-25T00:00:00Z", votersCount=0, **fields)


def announced(h: Harness) -> list[Any]:
    return [a["object"] for a in sent(h, FANS, "Announce")]


def undone(h: Harness) -> list[Any]:
    """The Announces the hub took back from its followers (Undo{Announce}), by id."""
    return [u["object"]["id"] for u in sent(h, FANS, "Undo")
            if u["object"].get("type") == "Announce"]


def assert_shares_undone(h: Harness) -> None:
    """Each Announce the fans got of the item is undone once (regression: an edit that
    took an item out of its hub left it boosted on every follower's timeline)."""
    shared = [a["id"] for a in sent(h, FANS, "Announce")]
    assert len(shared) == 2
    assert sorted(undone(h)) == sorted(shared)


def test_an_update_whose_updated_has_no_offset_is_applied(h: Harness) -> None:
    # Regression: parse_time returned a naive time and apply_update raised TypeError
    # comparing it with the stored (aware) one, failing the Update.
    fan(h)
    doc = event(1)
    send(h, "Create", doc)
    edit = send(h, "Update", event(1, startTime="2026-12-14T17:00:00-06:00",
                                     endTime=None, updated="2026-11-21T11:00:00"))
    assert item_starts(h)[doc["id"]] == datetime(2026, 12, 14, 23, tzinfo=UTC)
    assert announced(h)[-1] == edit["id"]
    (received,) = rows(h, _inbox, _inbox.c.activity_id == edit["id"])
    assert received["state"] == "done"


def test_an_event_time_without_offset_is_indexed_in_the_events_own_zone(h: Harness) -> None:
    # Regression: the index read 18:15 as 18:15Z while the page and calendars read it
    # in America/Chicago (18:15-06:00 is 00:15Z the next day).
    doc = event(1, startTime="2026-12-05T18:15", endTime="2026-12-05T20:00")
    send(h, "Create", doc)
    (item,) = rows(h, _item)
    assert item_starts(h)[doc["id"]] == datetime(2026, 12, 6, 0, 15, tzinfo=UTC)
    assert item["ends_at"].replace(tzinfo=UTC) == datetime(2026, 12, 6, 2, tzinfo=UTC)


def test_an_event_the_pages_cannot_read_is_still_indexed(h: Harness) -> None:
    # The fallback: a timezone no zone database knows, read as UTC.
    doc = event(1, startTime="2026-12-05T18:15", endTime=None, timezone="Mars/Olympus")
    send(h, "Create", doc)
    assert item_starts(h)[doc["id"]] == datetime(2026, 12, 5, 18, 15, tzinfo=UTC)


def test_odd_locations_show_their_place_on_the_hub_page(h: Harness) -> None:
    # Regression: the card read ``location`` raw and showed no place for a list or a
    # PostalAddress-only Place (Mobilizon), which the calendars read.
    send(h, "Create", event(1, location=[{"type": "Place", "name": "Union Hall"}]))
    send(h, "Create", event(2, location={"type": "Place", "address": {
        "type": "PostalAddress", "streetAddress": "2 Side St", "addressLocality": "Chicago"}}))
    send(h, "Create", event(3, name="  Rally\n  three ",
                            location=[{"type": "VirtualLocation",
                                       "url": "https://meet.example/x"}]))
    text = page(h)
    assert '<p class="where">Union Hall</p>' in text
    assert '<p class="where">2 Side St, Chicago</p>' in text
    assert 'href="https://meet.example/x"' in text and "Rally three" in text


def test_a_post_made_followers_only_leaves_the_hub_unannounced(h: Harness) -> None:
    fan(h)
    organizer(h)
    send(h, "Create", note())
    assert len(announced(h)) == 2
    send(h, "Update", note(content="<p>private now</p>", to=[f"{MOBILIZON}/followers"],
                           updated="2026-11-21T11:00:00Z"))
    assert rows(h, _item) == []
    assert len(announced(h)) == 2
    assert "private now" not in page(h)
    assert_shares_undone(h)


def test_a_post_that_changes_type_leaves_the_hub_unannounced(h: Harness) -> None:
    fan(h)
    organizer(h)
    send(h, "Create", note())
    send(h, "Update", question(id=note()["id"], updated="2026-11-21T11:00:00Z"))
    assert rows(h, _item) == []
    assert len(announced(h)) == 2
    assert_shares_undone(h)


def test_a_removed_members_edit_is_not_announced_nor_kept(h: Harness) -> None:
    fan(h)
    rosa = organizer(h)
    send(h, "Create", note())
    with h.node.engine.begin() as conn:
        remove_member(conn, hub(conn), rosa.uri)
    send(h, "Update", note(content="<p>buy cheap watches</p>",
                           updated="2026-11-21T11:00:00Z"))
    assert len(announced(h)) == 2
    assert rows(h, _item) == []
    assert "cheap watches" not in page(h)
    assert_shares_undone(h)


def test_an_edit_in_a_moderated_hub_goes_back_to_the_queue(h: Harness) -> None:
    fan(h)
    organizer(h)
    with h.node.engine.begin() as conn:
        conn.execute(update(_hub).values(posting_policy="moderated"))
    send(h, "Create", note())
    with h.node.engine.begin() as conn:
        publish_held(h.node, conn, hub(conn), note()["id"])
    h.drain()
    assert len(announced(h)) == 2
    send(h, "Update", note(content="<p>edited</p>", updated="2026-11-21T11:00:00Z"))
    assert len(announced(h)) == 2
    assert [i["state"] for i in rows(h, _item)] == ["held"]
    with h.node.engine.connect() as conn:
        assert [q.object_uri for q in queue(conn, hub(conn))] == [note()["id"]]
    assert_shares_undone(h)


def test_a_members_edit_is_still_announced(h: Harness) -> None:
    fan(h)
    organizer(h)
    send(h, "Create", note())
    edit = send(h, "Update", note(content="<p>second</p>", updated="2026-11-21T11:00:00Z"))
    assert announced(h)[-1] == edit["id"]
    assert [i["state"] for i in rows(h, _item)] == ["published"]
    assert undone(h) == []


def test_a_tally_refresh_of_a_remote_poll_is_not_announced(h: Harness) -> None:
    # Regression: every vote's tally Update fanned out to all hub followers.
    fan(h)
    organizer(h)
    poll = question()
    send(h, "Create", poll)
    counted = {**poll, "votersCount": 3, "oneOf": [
        {**o, "replies": {"type": "Collection", "totalItems": n}}
        for o, n in zip(poll["oneOf"], (2, 1), strict=True)]}
    send(h, "Update", counted)
    stored = rows(h, _objects, _objects.c.uri == poll["id"])[0]["document"]
    assert stored["votersCount"] == 3
    assert [o["replies"]["totalItems"] for o in stored["oneOf"]] == [2, 1]
    assert len(announced(h)) == 2  # the Create's two, no more


def test_a_co_authors_delete_takes_the_post_out_of_the_hub(h: Harness) -> None:
    # Regression: only the author the hub item names could delete it from the hub; any
    # listed author owns the object (node.activitypub.authorship.owners).
    fan(h)
    rosa = organizer(h)
    luis = h.remote.add_actor(MOBILIZON, "luis")
    doc = note(attributedTo=[rosa.uri, luis.uri])
    send(h, "Create", doc)
    delete = {"@context": AS, "id": f"{luis.uri}#delete/1", "type": "Delete",
              "actor": luis.uri, "to": [PUBLIC], "object": doc["id"]}
    assert h.post_activity(luis, delete).status_code == 202
    h.drain()
    assert rows(h, _item) == []
    assert rows(h, _objects, _objects.c.uri == doc["id"])[0]["deleted_at"] is not None
    assert announced(h)[-1] == delete["id"]
