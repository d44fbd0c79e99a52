"""Calendar routes: hub and node feeds, "add to calendar" files, and the ``/ns`` context."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from dateutil.rrule import rruleset, rrulestr
from icalendar import Calendar

from node.clock import Clock
from node.hubs.calls.service import cancel_call, create_call, move_occurrence
from node.hubs.events.service import create_event, move_event
from node.hubs.hub.members import set_member
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.hubs.hub.vocab import NAMESPACE
from node.settings import Settings
from tests.node.harness import Harness
from tests.node.hub_support import call_spec, hub_node, post_rally, rally, stored


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def ics(h: Harness, path: str) -> tuple[Any, Calendar]:
    response = h.client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return response, Calendar.from_ical(response.content)


def vevents(cal: Calendar) -> list[Any]:
    return list(cal.walk("VEVENT"))


def series(h: Harness, start: str, rrule: str = "FREQ=WEEKLY;BYDAY=MO;COUNT=6") -> Any:
    with h.node.engine.begin() as conn:
        return create_call(h.node, conn, author="nate", hub="portshutdown",
                           spec=call_spec(start), rrule=rrule)


def test_hub_feed_exports_a_series_whose_next_three_cross_daylight_saving(h: Harness) -> None:
    # Acceptance (issue "Hubs"): a recurring call exports to iCalendar that the icalendar
    # parser reads back with the right next three occurrences across a DST change (US
    # clocks spring forward on Sun 14 Mar 2027).
    made = series(h, "2027-03-01 19:00")
    _, cal = ics(h, "/hubs/portshutdown/calendar.ics")
    assert str(cal["version"]) == "2.0" and "ionode" in str(cal["prodid"])
    (master,) = [e for e in vevents(cal) if "RRULE" in e]
    assert str(master["uid"]) == made.event["id"]
    start = master.decoded("dtstart")
    rule = rrulestr(master["rrule"].to_ical().decode(), dtstart=start)
    assert [d.astimezone(UTC) for d in list(rule)[:3]] == [
        datetime(2027, 3, 2, 0, tzinfo=UTC), datetime(2027, 3, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 15, 23, tzinfo=UTC)]
    assert [d.hour for d in list(rule)[:3]] == [19, 19, 19]
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    assert len(vevents(cal)) == 1  # the materialised occurrence is not listed twice


def test_moved_and_cancelled_occurrences_and_a_lone_event(h: Harness) -> None:
    # Given the weekly series from Mon 23 Nov, when the 23 Nov call moves to Tue 24 Nov
    # 6 PM and the 30 Nov call is cancelled, then the feed has a RECURRENCE-ID override
    # and an EXDATE, and the RRULE expansion skips 30 Nov.
    made = series(h, "2026-11-23 19:00")
    moved, cancelled = sorted(made.occurrences, key=lambda u: stored(h, u)["startTime"])[:2]
    with h.node.engine.begin() as conn:
        move_occurrence(h.node, conn, actor="nate", uri=moved, start="2026-11-24 18:00")
        cancel_call(h.node, conn, actor="nate", uri=cancelled)
    event = post_rally(h)
    _, cal = ics(h, "/hubs/portshutdown/calendar.ics")
    (master,) = [e for e in vevents(cal) if "RRULE" in e]
    (override,) = [e for e in vevents(cal) if "RECURRENCE-ID" in e]
    assert str(override["uid"]) == str(master["uid"])
    assert override.decoded("recurrence-id").astimezone(UTC) == datetime(2026, 11, 24, 0,
                                                                        tzinfo=UTC)
    assert override.decoded("dtstart").hour == 18
    (exdate,) = master["exdate"].dts
    assert exdate.dt.astimezone(UTC) == datetime(2026, 12, 1, 0, tzinfo=UTC)
    dates = rruleset()
    dates.rrule(rrulestr(master["rrule"].to_ical().decode(), dtstart=master.decoded("dtstart")))
    dates.exdate(exdate.dt)
    assert datetime(2026, 12, 1, 0, tzinfo=UTC) not in [d.astimezone(UTC) for d in dates]
    (lone,) = [e for e in vevents(cal) if str(e["uid"]) == event["id"]]
    assert "Oakland Plaza" in str(lone["location"]) and str(lone["status"]) == "CONFIRMED"
    assert sorted(str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")) == [
        "America/Los_Angeles", "America/New_York"]


def test_node_feed_lists_every_hub_and_a_cross_posted_event_once(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        create_hub(conn, base_url=h.node.settings.url, name="foreclosures",
                   title="Foreclosure Defence", now=h.node.clock())
        set_member(conn, load_hub(conn, "foreclosures"), h.local("nate").uri, "member",
                   h.node.clock())
        both = create_event(h.node, conn, author="nate", hubs=["portshutdown", "foreclosures"],
                            spec=rally()).object
    only = post_rally(h)
    _, cal = ics(h, "/calendar.ics")
    assert sorted(str(e["uid"]) for e in vevents(cal)) == sorted([both["id"], only["id"]])
    _, hub = ics(h, "/hubs/foreclosures/calendar.ics")
    assert [str(e["uid"]) for e in vevents(hub)] == [both["id"]]
    assert str(hub["x-wr-calname"]) == "Foreclosure Defence"


def test_add_to_calendar_file_is_an_attachment(h: Harness) -> None:
    event = post_rally(h)
    key = event["id"].rsplit("/", 1)[1]
    response, cal = ics(h, f"/events/{key}.ics")
    assert response.headers["content-disposition"] == f'attachment; filename="{key}.ics"'
    (vevent,) = vevents(cal)
    assert str(vevent["uid"]) == event["id"] and str(vevent["summary"]) == "Port shutdown rally"
    assert vevent.decoded("dtstart") == datetime(2026, 12, 13, 3, tzinfo=UTC)
    assert str(vevent["dtstart"].params["TZID"]) == "America/Los_Angeles"
    made = series(h, "2026-11-23 19:00")
    _, cal = ics(h, f"/events/{made.event['id'].rsplit('/', 1)[1]}.ics")
    assert ["RRULE" in e for e in vevents(cal)] == [True]


@pytest.mark.parametrize("path", ["/hubs/nobody/calendar.ics", "/hubs/nate/calendar.ics",
                                  "/events/missing.ics", "/events/a.b.ics"])
def test_unknown_calendars_are_404(h: Harness, path: str) -> None:
    assert h.client.get(path).status_code == 404


def test_ns_serves_the_extension_context(h: Harness) -> None:
    response = h.client.get("/ns")
    assert response.headers["content-type"] == "application/ld+json"
    context = response.json()["@context"]
    assert context["ionode"] == NAMESPACE
    assert {"callUrl", "dialIn", "accessCode", "facilitator", "agenda", "breakoutRooms",
            "rrule", "itemKind"} <= set(context)


def test_a_cached_feed_shows_edits_and_cancellations(h: Harness) -> None:
    # Given a feed already rendered (its blocks cached), when the event moves and a call
    # occurrence is cancelled, then the next render shows both.
    event = post_rally(h)
    made = series(h, "2026-11-23 19:00")
    _, before = ics(h, "/hubs/portshutdown/calendar.ics")
    with h.node.engine.begin() as conn:
        move_event(h.node, conn, actor="nate", uri=event["id"], start="2026-12-13 18:00")
        cancel_call(h.node, conn, actor="nate", uri=made.occurrences[0])
    _, after = ics(h, "/hubs/portshutdown/calendar.ics")

    def lone_start(cal: Calendar) -> Any:
        (lone,) = [e for e in vevents(cal) if str(e["uid"]) == event["id"]]
        return lone.decoded("dtstart")

    assert lone_start(before).day == 12 and lone_start(after).day == 13
    (old,) = [e for e in vevents(before) if "RRULE" in e]
    (new,) = [e for e in vevents(after) if "RRULE" in e]
    assert "EXDATE" not in old and "EXDATE" in new
