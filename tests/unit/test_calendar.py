"""iCalendar export (RFC 5545): series, overrides, EXDATE, VTIMEZONE, stable UIDs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dateutil.rrule import rruleset, rrulestr
from icalendar import Calendar

from node.hubs.events.calendar import SeriesEntry, feed, single
from node.hubs.events.recurrence import parse_rrule
from node.hubs.events.rules import CallDetails, EventSpec, Online, Place, check, event_document
from node.zones import parse_local

NY = "America/New_York"
BASE = "https://philly.example"
PUBLISHED = datetime(2026, 10, 1, 12, tzinfo=UTC)


def doc(spec: EventSpec, key: str, updated: datetime | None = None) -> dict[str, Any]:
    return event_document(check(spec), id=f"{BASE}/objects/{key}", author=f"{BASE}/users/nate",
                          hubs=[f"{BASE}/hubs/portshutdown"], published=PUBLISHED,
                          updated=updated)


def weekly_call(rule: str = "FREQ=WEEKLY;BYDAY=MO;COUNT=10",
                start: str = "2026-10-26 19:00") -> tuple[EventSpec, list[datetime]]:
    begin = parse_local(start, NY)
    series = parse_rrule(rule, begin, NY)
    call = CallDetails(call_url="https://meet.example/c", dial_in="+1 555 0100")
    spec = EventSpec(title="Coordination call", start=begin, end=begin + timedelta(hours=1),
                     timezone=NY, call=call, location=Online(call.call_url), rrule=series.rule)
    return spec, series.starts()


def occurrence(spec: EventSpec, slot: datetime, key: str, **changes: Any) -> dict[str, Any]:
    base = replace(spec, start=slot, end=slot + timedelta(hours=1), rrule=None,
                   series=f"{BASE}/objects/series", recurrence_id=slot.astimezone(UTC))
    return doc(replace(base, **changes), key, updated=PUBLISHED + timedelta(days=1))


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def expand(master: Any) -> list[datetime]:
    """What a calendar client shows: the RRULE from DTSTART, minus the EXDATEs."""
    dates = rruleset()
    dates.rrule(rrulestr(master["rrule"].to_ical().decode(), dtstart=master.decoded("dtstart")))
    exdates = master.get("exdate", [])
    for line in exdates if isinstance(exdates, list) else [exdates]:
        for value in line.dts:
            dates.exdate(value.dt)
    return list(dates)


def test_a_recurring_call_reads_back_with_its_next_three_across_dst() -> None:
    # The acceptance test: the icalendar parser reads the export back, and the
    # RRULE gives Mon 26 Oct (EDT), Mon 2 Nov and Mon 9 Nov (EST), all at 7 PM local.
    spec, _ = weekly_call()
    cal = parse(feed("Port Shutdown", [], [SeriesEntry(doc(spec, "series"))]))
    (master,) = cal.walk("VEVENT")
    assert str(master["dtstart"].params["TZID"]) == NY
    nxt = expand(master)[:3]
    assert [d.astimezone(UTC) for d in nxt] == [
        datetime(2026, 10, 26, 23, tzinfo=UTC), datetime(2026, 11, 3, 0, tzinfo=UTC),
        datetime(2026, 11, 10, 0, tzinfo=UTC)]
    assert {(d.hour, d.minute) for d in nxt} == {(19, 0)}
    (vtimezone,) = cal.walk("VTIMEZONE")
    assert str(vtimezone["tzid"]) == NY
    assert {str(c["tzname"]) for c in vtimezone.walk() if c.name in ("STANDARD", "DAYLIGHT")} \
        == {"EST", "EDT"}


def test_moved_occurrence_is_an_override_and_a_cancelled_one_an_exdate() -> None:
    spec, starts = weekly_call()
    moved = occurrence(spec, starts[1], "o2", start=starts[1] + timedelta(hours=2),
                       end=starts[1] + timedelta(hours=3))
    cancelled = occurrence(spec, starts[2], "o3", cancelled=True)
    untouched = occurrence(spec, starts[3], "o4")
    entry = SeriesEntry(doc(spec, "series"), [moved, cancelled, untouched])
    master, override = parse(feed("Hub", [], [entry])).walk("VEVENT")
    assert str(override["uid"]) == str(master["uid"]) == f"{BASE}/objects/series"
    assert override.decoded("recurrence-id") == starts[1]
    assert str(override["recurrence-id"].params["TZID"]) == NY
    assert override.decoded("dtstart").hour == 21
    shown = expand(master)
    assert starts[2] not in shown and starts[1] in shown and starts[3] in shown
    assert len(shown) == 9


def test_uid_is_stable_across_an_edit_and_dtstamp_follows_updated() -> None:
    spec = EventSpec(title="Rally", start=parse_local("2026-12-12 19:00", "America/Los_Angeles"),
                     end=parse_local("2026-12-12 21:00", "America/Los_Angeles"),
                     timezone="America/Los_Angeles", location=Place("Oakland Plaza"))
    before = parse(single(doc(spec, "e1"))).walk("VEVENT")[0]
    edited = doc(replace(spec, title="Rally!"), "e1", updated=PUBLISHED + timedelta(hours=5))
    after = parse(single(edited)).walk("VEVENT")[0]
    assert str(before["uid"]) == str(after["uid"]) == f"{BASE}/objects/e1"
    assert after.decoded("dtstamp") == PUBLISHED + timedelta(hours=5) > before.decoded("dtstamp")
    assert str(after["summary"]) == "Rally!" and str(after["location"]) == "Oakland Plaza"


def test_feed_has_the_calendar_properties_and_a_vtimezone_per_tzid() -> None:
    spec, _ = weekly_call()
    rally = EventSpec(title="Rally", start=parse_local("2026-12-12 19:00", "America/Los_Angeles"),
                      end=parse_local("2026-12-12 21:00", "America/Los_Angeles"),
                      timezone="America/Los_Angeles", cancelled=True,
                      description="Bring *signs*")
    body = feed("Port Shutdown", [doc(rally, "e1")], [SeriesEntry(doc(spec, "series"))])
    assert body.startswith(b"BEGIN:VCALENDAR\r\n")
    cal = parse(body)
    assert str(cal["prodid"]) == "-//ionode//hub calendars//EN" and str(cal["version"]) == "2.0"
    assert str(cal["x-wr-calname"]) == "Port Shutdown" and str(cal["method"]) == "PUBLISH"
    assert sorted(str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")) == [
        "America/Los_Angeles", NY]
    lone = next(e for e in cal.walk("VEVENT") if str(e["uid"]).endswith("/e1"))
    assert str(lone["status"]) == "CANCELLED"
    description = str(lone["description"])
    assert "Bring *signs*" in description and "Sat 12 Dec 2026, 7:00 PM" in description
    assert str(lone["url"]) == f"{BASE}/objects/e1"


def test_an_empty_feed_is_still_a_calendar() -> None:
    cal = parse(feed("Quiet hub", [], []))
    assert cal.walk("VEVENT") == [] and cal.walk("VTIMEZONE") == []


def test_vtimezone_covers_the_whole_series() -> None:
    # A series running into 2030 needs the zone's rules up to 2030, not just its first year.
    spec, _ = weekly_call("FREQ=MONTHLY;BYDAY=1MO;COUNT=40", "2026-11-02 19:00")
    body = feed("Hub", [], [SeriesEntry(doc(spec, "series"))])
    assert b"2030" in body.split(b"BEGIN:VEVENT")[0]


def test_an_add_to_calendar_file_is_one_event_not_a_calendar_to_subscribe_to() -> None:
    """A calendar name (NAME, X-WR-CALNAME) and a refresh interval describe a subscribed
    calendar (RFC 7986 sections 5.1 and 5.7): in a one-event file they make Outlook and
    Apple Calendar offer to open it as a new calendar of its own instead of adding the
    event to the reader's calendar. The event, its DTSTAMP, UID and VTIMEZONE stay."""
    spec = EventSpec(title="Rally", start=parse_local("2026-12-12 19:00", "America/Los_Angeles"),
                     end=parse_local("2026-12-12 21:00", "America/Los_Angeles"),
                     timezone="America/Los_Angeles", location=Place("Oakland Plaza"))
    cal = parse(single(doc(spec, "e1")))
    for subscription in ("name", "x-wr-calname", "refresh-interval", "x-published-ttl"):
        assert subscription not in cal, subscription
    assert str(cal["method"]) == "PUBLISH" and str(cal["version"]) == "2.0"
    (event,) = cal.walk("VEVENT")
    assert str(event["uid"]) == f"{BASE}/objects/e1" and "dtstamp" in event
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["America/Los_Angeles"]
