"""A hub importing an iCalendar feed: each event becomes a real Event, shown, exported
and managed like any other, and kept in step with its source by UID (issue 7, 1.1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from icalendar import Calendar

from node.activitypub.local_actors import create_local_actor
from node.clock import as_utc
from node.hubs.events.service import cancel_event, move_event
from node.hubs.hub.members import set_member
from node.hubs.hub.models import FeedEntry, HubItem
from node.hubs.hub.publish import load_hub
from node.settings import Settings
from tests.node.feed_support import CALENDAR, FIXTURES, MASTO, Page, World, feed_world

_items = HubItem.__table__  # type: ignore[attr-defined]
_entries = FeedEntry.__table__  # type: ignore[attr-defined]
ICS = (FIXTURES / "calendar.ics").read_text()
SHUTDOWN = "port-shutdown-2026@occupyoakland.example"
SHUTDOWN_START = "DTSTART;TZID=America/Los_Angeles:20261212T053000"
SHUTDOWN_END = "DTEND;TZID=America/Los_Angeles:20261212T140000"


@pytest.fixture
def w(settings: Settings) -> Iterator[World]:
    with feed_world(settings) as world:
        world.site.pages[CALENDAR] = Page(ICS.encode(), content_type="text/calendar",
                                          etag=None)
        world.subscribe(CALENDAR)
        yield world


def received(w: World, kind: str, object_type: str | None = None) -> list[dict[str, Any]]:
    """Activities the hub's Mastodon follower received, of ``kind`` (and object type)."""
    w.h.drain()
    inboxes = (f"https://{MASTO}/inbox", f"https://{MASTO}/users/ana/inbox")
    found = [a for inbox in inboxes for a in w.h.remote.deliveries(inbox) if a["type"] == kind]
    return [a for a in found if object_type is None
            or (isinstance(a["object"], dict) and a["object"]["type"] == object_type)]


def shutdown_id(w: World) -> str:
    (event,) = [c["object"] for c in received(w, "Create", "Event")
                if c["object"]["name"] == "West Coast Port Shutdown"]
    return str(event["id"])


def serve(w: World, body: str) -> None:
    w.site.pages[CALENDAR] = Page(body.encode(), content_type="text/calendar", etag=None)
    w.clock.advance(hours=1)
    assert w.poll() == 1


def vevents(w: World, path: str = "/hubs/portshutdown/calendar.ics") -> dict[str, Any]:
    response = w.h.client.get(path)
    assert response.status_code == 200, response.text
    return {str(e["uid"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def steward(w: World) -> str:
    with w.h.node.engine.begin() as conn:
        nate = create_local_actor(conn, base_url=w.h.node.settings.url, kind="person",
                                  username="nate", now=w.clock())
        set_member(conn, load_hub(conn, "portshutdown"), nate.uri, "admin", w.clock())
    return "nate"


def test_imported_events_are_shown_and_exported_like_any_other(w: World) -> None:
    uri = shutdown_id(w)
    for path in ("/hubs/portshutdown/calendar.ics", "/calendar.ics"):
        event = vevents(w, path)[uri]
        assert str(event["summary"]) == "West Coast Port Shutdown"
        assert event["dtstart"].params["TZID"] == "America/Los_Angeles"
        assert event.decoded("dtstart").astimezone(UTC) == datetime(2026, 12, 12, 13, 30,
                                                                    tzinfo=UTC)
        assert event.decoded("dtend").astimezone(UTC) == datetime(2026, 12, 12, 22,
                                                                  tzinfo=UTC)
        assert str(event["location"]) == "Port of Oakland, Berth 5"
        assert "https://occupyoakland.example/actions/port-shutdown" in str(
            event["description"])
    page = w.h.client.get("/hubs/portshutdown", headers={"Accept": "text/html"}).text
    assert "West Coast Port Shutdown" in page
    # in the hub's zone (the node's, UTC, here), in the reader's language
    assert "Sat, Dec 12, 1:30\u202fPM \u2013 10:00\u202fPM UTC" in page
    assert w.h.client.get(f"/events/{uri.rsplit('/', 1)[1]}.ics").status_code == 200


def test_a_steward_can_move_and_cancel_an_imported_event(w: World) -> None:
    uri, who = shutdown_id(w), steward(w)
    with w.h.node.engine.begin() as conn:
        move_event(w.h.node, conn, actor=who, uri=uri, start="2026-12-13 06:00")
    with w.h.node.engine.begin() as conn:
        cancel_event(w.h.node, conn, actor=who, uri=uri)
    assert str(vevents(w)[uri]["status"]) == "CANCELLED"
    serve(w, ICS)  # the unchanged source does not undo the steward's changes
    (update_moved, update_cancelled) = received(w, "Update", "Event")
    assert update_moved["object"]["startTime"] == "2026-12-13T06:00:00-08:00"
    assert update_cancelled["object"]["eventStatus"].endswith("EventCancelled")
    assert str(vevents(w)[uri]["status"]) == "CANCELLED"


def test_a_changed_source_event_updates_the_same_event(w: World) -> None:
    uri = shutdown_id(w)
    vevents(w)  # the calendar's block cache holds the old time
    serve(w, ICS)
    assert received(w, "Update") == []  # unchanged: nothing sent
    serve(w, ICS.replace(SHUTDOWN_START, "DTSTART;TZID=America/Los_Angeles:20261214T070000")
          .replace(SHUTDOWN_END, "DTEND;TZID=America/Los_Angeles:20261214T150000")
          .replace("Berth 5", "Berth 7"))
    (update,) = received(w, "Update", "Event")
    event = update["object"]
    assert (event["id"], event["startTime"]) == (uri, "2026-12-14T07:00:00-08:00")
    assert event["location"]["name"] == "Port of Oakland, Berth 7" and "updated" in event
    (item,) = [i for i in w.rows(_items) if i["object_uri"] == uri]
    assert as_utc(item["starts_at"]) == datetime(2026, 12, 14, 15, tzinfo=UTC)
    assert vevents(w)[uri].decoded("dtstart").astimezone(UTC) == datetime(
        2026, 12, 14, 15, tzinfo=UTC)
    notes = [c["object"]["content"] for c in received(w, "Create", "Note")]
    assert len(notes) == 1 and "Moved:" in notes[0] and uri in notes[0]
    serve(w, ICS.replace(SHUTDOWN_START, "DTSTART;TZID=America/Los_Angeles:20261214T070000")
          .replace(SHUTDOWN_END, "DTEND;TZID=America/Los_Angeles:20261214T150000")
          .replace("Berth 5", "Berth 7"))
    assert len(received(w, "Update")) == 1  # the same source again: sent once


def test_a_source_event_marked_cancelled_cancels_the_event(w: World) -> None:
    uri = shutdown_id(w)
    serve(w, ICS.replace(f"UID:{SHUTDOWN}", f"UID:{SHUTDOWN}\nSTATUS:CANCELLED"))
    (update,) = received(w, "Update", "Event")
    assert update["object"]["eventStatus"].endswith("EventCancelled")
    assert update["object"]["summary"].startswith("CANCELLED: West Coast Port Shutdown")
    assert str(vevents(w)[uri]["status"]) == "CANCELLED"
    notes = [c["object"]["content"] for c in received(w, "Create", "Note")]
    assert len(notes) == 1 and "Cancelled:" in notes[0]
    serve(w, ICS)  # a cancelled Event stays cancelled
    assert len(received(w, "Update")) == 1


def test_a_source_event_that_disappears_is_cancelled(w: World) -> None:
    uri = shutdown_id(w)
    start = ICS.index(f"BEGIN:VEVENT\nUID:{SHUTDOWN}")
    end = ICS.index("END:VEVENT\n", start) + len("END:VEVENT\n")
    serve(w, ICS[:start] + ICS[end:])
    (update,) = received(w, "Update", "Event")
    assert update["object"]["id"] == uri
    assert update["object"]["eventStatus"].endswith("EventCancelled")
    others = [i for i in w.rows(_items) if i["kind"] == "event" and i["object_uri"] != uri]
    assert len(others) == 2  # the other imported events are untouched
    assert all(str(e["status"]) == "CONFIRMED" for u, e in vevents(w).items() if u != uri)


def test_each_imported_event_keeps_its_source_key_and_digest(w: World) -> None:
    uri = shutdown_id(w)
    (row,) = [e for e in w.rows(_entries) if e["entry_key"] == SHUTDOWN]
    assert row["object_uri"] == uri and row["digest"] and len(row["digest"]) == 64


def test_a_source_moves_its_event_and_the_card_says_so(w: World) -> None:
    # Given an imported event that its source moves, when a Spanish reader opens the
    # hub, then the hub's notice is on the event's card as a move, in Spanish (its kind
    # recorded where the feed made it), not lost from the page.
    uri = shutdown_id(w)
    serve(w, ICS.replace(SHUTDOWN_START, "DTSTART;TZID=America/Los_Angeles:20261214T070000")
          .replace(SHUTDOWN_END, "DTEND;TZID=America/Los_Angeles:20261214T150000"))
    (note,) = [c["object"] for c in received(w, "Create", "Note")]
    assert note["noticeKind"] == "moved" and uri in note["content"]
    assert [i["notice_kind"] for i in w.rows(_items) if i["object_uri"] == note["id"]] == [
        "moved"]
    page = w.h.client.get("/hubs/portshutdown", headers={
        "accept": "text/html", "Accept-Language": "es"}).text
    card = re.search(rf'<article class="post card[^"]*">(?:(?!</article>).)*{re.escape(uri)}'
                     r'(?:(?!</article>).)*</article>', page, re.DOTALL)
    assert card is not None
    assert re.search(r'<p class="notice-line">Movido: West Coast Port Shutdown ahora es ',
                     card.group(0))
