"""Remote Events in hubs: optional fields, Updates, UTC storage, and calendars that never
fail because of one odd item (issue 7, items 1.1, 1.2 and 2.2)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select, update

from node.activitypub.vocab import PUBLIC
from node.clock import Clock, as_utc
from node.hubs.events.service import create_event
from node.settings import Settings
from tests.node.harness import Harness
from tests.node.hub_harness import FANS, HUB, fan, hub, hub_node, rows, sent
from tests.node.hub_support import rally
from tests.node.remote_events_support import (
    AS,
    BASE,
    HUB_URI,
    MOBILIZON,
    _item,
    _objects,
    calendar,
    event,
    organizer,
    page,
    send,
    starts,
)


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def test_a_remote_start_with_an_offset_is_stored_as_its_utc_instant(h: Harness) -> None:
    # 18:15 in Chicago (-06:00) is 00:15 UTC the next day: after an event at 19:00 UTC.
    send(h, "Create", event(1))
    send(h, "Create", event(2, startTime="2026-12-12T19:00:00Z", endTime=None))
    assert starts(h)[f"https://{MOBILIZON}/events/1"] == datetime(2026, 12, 13, 0, 15,
                                                                  tzinfo=UTC)
    with h.node.engine.connect() as conn:
        ordered = conn.execute(select(_item.c.object_uri).order_by(_item.c.starts_at)
                               ).scalars().all()
        later = conn.execute(select(_item.c.object_uri).where(
            _item.c.starts_at > datetime(2026, 12, 12, 23, tzinfo=UTC))).scalars().all()
    assert ordered == [f"https://{MOBILIZON}/events/2", f"https://{MOBILIZON}/events/1"]
    assert later == [f"https://{MOBILIZON}/events/1"]
    text = page(h)
    assert text.index("Rally 2") < text.index("Rally 1")  # soonest first on the dashboard


OPTIONAL = ["endTime", "name", "timezone", "location", "url", "content", "published"]


@pytest.mark.parametrize("missing", OPTIONAL)
def test_a_remote_event_missing_an_optional_field_is_shown_and_exported(
        h: Harness, missing: str) -> None:
    doc = event(1, **{missing: None})
    send(h, "Create", doc)
    assert len(rows(h, _item)) == 1
    for path in (f"/hubs/{HUB}/calendar.ics", "/calendar.ics"):
        vevent = calendar(h, path)[doc["id"]]
        assert vevent.decoded("dtstart").astimezone(UTC) == datetime(2026, 12, 13, 0, 15,
                                                                     tzinfo=UTC)
        assert str(vevent["summary"]) == doc.get("name", "(untitled event)")
        assert ("DTEND" in vevent) == (missing != "endTime")
    text = page(h)
    when = "Sun, Dec 13, 12:15\u202fAM"  # the same instant, shown in the hub's zone (UTC)
    assert when in text and doc.get("name", "(untitled event)") in text


def test_odd_locations_are_read_as_optional(h: Harness) -> None:
    send(h, "Create", event(1, location=[{"type": "VirtualLocation", "url": "https://meet.example/x"}]))
    send(h, "Create", event(2, location="not a url"))
    send(h, "Create", event(3, location={"type": "Place", "address": "2 Side St"}))
    cal = calendar(h)
    assert str(cal[f"https://{MOBILIZON}/events/1"]["location"]) == "https://meet.example/x"
    assert "LOCATION" not in cal[f"https://{MOBILIZON}/events/2"]
    assert str(cal[f"https://{MOBILIZON}/events/3"]["location"]) == "2 Side St"


def test_one_broken_stored_item_is_skipped_and_logged(h: Harness,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    send(h, "Create", event(1))
    send(h, "Create", event(2))
    broken = f"https://{MOBILIZON}/events/2"
    with h.node.engine.begin() as conn:  # a stored Event no start can be read from
        conn.execute(update(_objects).where(_objects.c.uri == broken).values(
            document={"id": broken, "type": "Event", "startTime": "soon"}))
    with caplog.at_level(logging.WARNING, logger="node.hubs.events.calendar_views"):
        for path in (f"/hubs/{HUB}/calendar.ics", "/calendar.ics"):
            assert list(calendar(h, path)) == [f"https://{MOBILIZON}/events/1"]
    assert any(broken in r.getMessage() for r in caplog.records)
    assert "Rally 1" in page(h)


def test_a_legacy_feed_note_filed_as_an_event_does_not_break_calendars(h: Harness) -> None:
    # Before issue 7 a hub republished an iCalendar entry as a Note filed as kind="event".
    send(h, "Create", event(1))
    note = f"{BASE}/objects/legacy"
    with h.node.engine.begin() as conn:
        target = hub(conn)
        conn.execute(insert(_objects).values(
            uri=note, type="Note", attributed_to=HUB_URI, local=True, received_at=h.now,
            published=h.now, document={"id": note, "type": "Note", "content": "<p>x</p>"}))
        conn.execute(insert(_item).values(
            hub_id=target.hub.id, object_uri=note, kind="event", author_uri=HUB_URI,
            origin="feed", state="published", pinned=False, created_at=h.now,
            updated_at=h.now, starts_at=datetime(2026, 12, 1, tzinfo=UTC)))
    assert list(calendar(h)) == [f"https://{MOBILIZON}/events/1"]
    assert list(calendar(h, "/calendar.ics")) == [f"https://{MOBILIZON}/events/1"]
    assert "Tue, Dec 1, 12:00\u202fAM UTC" in page(h)  # its card still shows its start


def test_an_update_moves_the_event_everywhere_and_the_hub_announces_it(h: Harness) -> None:
    fan(h)
    doc = event(1)
    create = send(h, "Create", doc)
    assert [a["object"] for a in sent(h, FANS, "Announce")] == [doc["id"], create["id"]]
    before = calendar(h)[doc["id"]]  # fills the block cache with the old time
    assert before.decoded("dtstart").astimezone(UTC).hour == 0
    assert "Sun, Dec 13, 12:15\u202fAM" in page(h)
    moved = event(1, name="Rally moved", startTime="2026-12-14T17:00:00-06:00",
                  endTime="2026-12-14T19:00:00-06:00", updated="2026-11-21T11:00:00Z",
                  location={"type": "Place", "name": "City Hall"})
    update_activity = send(h, "Update", moved)
    assert starts(h)[doc["id"]] == datetime(2026, 12, 14, 23, tzinfo=UTC)
    (item,) = rows(h, _item)
    assert as_utc(item["ends_at"]) == datetime(2026, 12, 15, 1, tzinfo=UTC)
    for path in (f"/hubs/{HUB}/calendar.ics", "/calendar.ics"):
        after = calendar(h, path)[doc["id"]]
        assert after.decoded("dtstart").astimezone(UTC) == datetime(2026, 12, 14, 23,
                                                                    tzinfo=UTC)
        assert (str(after["summary"]), str(after["location"])) == ("Rally moved", "City Hall")
    text = page(h)
    assert ("Mon, Dec 14, 11:00\u202fPM \u2013 Tue, Dec 15, 1:00\u202fAM UTC" in text
            and "City Hall" in text)
    assert "Dec 13" not in text
    announced = [a["object"] for a in sent(h, FANS, "Announce")]
    assert announced == [doc["id"], create["id"], update_activity["id"]]


def test_a_stale_update_changes_nothing_and_is_not_announced(h: Harness) -> None:
    fan(h)
    doc = event(1, updated="2026-11-21T11:00:00Z")
    send(h, "Create", doc)
    send(h, "Update", event(1, startTime="2026-12-20T10:00:00Z",
                           updated="2026-11-21T11:00:00Z"))
    assert starts(h)[doc["id"]] == datetime(2026, 12, 13, 0, 15, tzinfo=UTC)
    assert len(sent(h, FANS, "Announce")) == 2  # the Create's two, no more


def test_an_update_by_someone_else_is_refused(h: Harness) -> None:
    fan(h)
    doc = event(1)
    send(h, "Create", doc)
    mallory = h.remote.add_actor(MOBILIZON, "mallory")
    forged = {"@context": AS, "id": f"{mallory.uri}/updates/1", "type": "Update",
              "actor": mallory.uri, "object": event(1, startTime="2027-01-01T00:00:00Z",
                                                   attributedTo=mallory.uri,
                                                   updated="2026-11-21T11:00:00Z")}
    assert h.post_activity(mallory, forged).status_code == 202
    h.drain()
    assert starts(h)[doc["id"]] == datetime(2026, 12, 13, 0, 15, tzinfo=UTC)
    assert len(sent(h, FANS, "Announce")) == 2


def test_an_update_of_a_remote_note_in_a_hub_is_announced(h: Harness) -> None:
    fan(h)
    author = organizer(h)
    note = {"id": f"https://{MOBILIZON}/notes/1", "type": "Note", "attributedTo": author.uri,
            "content": "<p>first</p>", "published": "2026-11-20T10:00:00Z",
            "to": [PUBLIC, HUB_URI], "cc": [], "audience": HUB_URI}
    send(h, "Create", note)
    update_activity = send(h, "Update", {**note, "content": "<p>second</p>",
                                         "updated": "2026-11-21T11:00:00Z"})
    stored = rows(h, _objects, _objects.c.uri == note["id"])[0]["document"]
    assert stored["content"] == "<p>second</p>"
    assert sent(h, FANS, "Announce")[-1]["object"] == update_activity["id"]


def test_every_event_card_shows_its_start_remote_or_local(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        create_event(h.node, conn, author="nate", hubs=[HUB], spec=rally())
    send(h, "Create", event(1, summary="<p>no time in here</p>"))
    text = page(h)
    # each in the hub's zone (the node's, UTC, here), whatever zone it was written in
    assert ('<p class="when"><time datetime="2026-12-13T00:15:00+00:00">'
            "Sun, Dec 13, 12:15\u202fAM \u2013 2:00\u202fAM UTC</time></p>") in text
    assert ('<p class="when"><time datetime="2026-12-13T03:00:00+00:00">'
            "Sun, Dec 13, 3:00\u202fAM \u2013 5:00\u202fAM UTC</time></p>") in text
