"""Reading Event documents with every field but ``startTime`` optional (issue 7, 2.2),
and the Event a calendar feed entry becomes (issue 7, 1.1). Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from node.hubs.events import calendar
from node.hubs.events.rules import EventError, Online, Place, event_when, spec_from_document
from node.hubs.feeds.events import DEFAULT_LENGTH, digest, entry_spec
from node.hubs.feeds.rules import Entry, Feed, parse_calendar

FULL: dict[str, Any] = {
    "id": "https://mobilizon.example/events/1", "type": "Event", "name": "Rally",
    "startTime": "2026-12-12T18:15:00-06:00", "endTime": "2026-12-12T20:00:00-06:00",
    "timezone": "America/Chicago", "published": "2026-11-20T10:00:00Z",
    "location": {"type": "Place", "name": "Union Hall", "address": "1 Main St"},
}
START = datetime(2026, 12, 13, 0, 15, tzinfo=UTC)


def without(*keys: str, **extra: Any) -> dict[str, Any]:
    return {**{k: v for k, v in FULL.items() if k not in keys}, **extra}


@pytest.mark.parametrize("missing", ["name", "endTime", "timezone", "location", "published"])
def test_each_optional_field_may_be_missing(missing: str) -> None:
    spec = spec_from_document(without(missing))
    assert spec.start == START
    assert spec.end == (START if missing == "endTime" else START + timedelta(hours=1, minutes=45))
    assert spec.title == ("(untitled event)" if missing == "name" else "Rally")
    assert spec.timezone == ("UTC" if missing == "timezone" else "America/Chicago")
    vevent = calendar.vevent(without(missing))  # and it exports
    assert vevent.decoded("dtstart") == START and ("DTEND" in vevent) == (missing != "endTime")


@pytest.mark.parametrize(("fields", "expected"), [
    ({"timezone": "Mars/Olympus"}, "UTC"),
    ({"timezone": 7}, "UTC"),
    ({"startTime": "2026-12-13T00:15:00"}, "America/Chicago"),  # no offset: its zone
])
def test_odd_zones_and_times(fields: dict[str, Any], expected: str) -> None:
    spec = spec_from_document({**FULL, **fields})
    assert spec.timezone == expected
    if "startTime" in fields:
        assert spec.start == datetime(2026, 12, 13, 0, 15, tzinfo=ZoneInfo("America/Chicago"))
    else:
        assert spec.start == START


@pytest.mark.parametrize(("location", "expected"), [
    ({"type": "Place", "name": "Hall", "address": {"type": "PostalAddress",
      "streetAddress": "1 Main St", "addressLocality": "Chicago"}},
     Place("Hall", "1 Main St, Chicago")),
    ([{"type": "VirtualLocation", "url": "https://meet.example/a"}],
     Online("https://meet.example/a")),
    ("https://meet.example/b", Online("https://meet.example/b")),
    ({"type": "Place", "address": "2 Side St"}, Place("2 Side St")),
    ({"type": "Place"}, None), ("a hall", None), (42, None),
])
def test_locations_of_every_shape(location: Any, expected: object) -> None:
    assert spec_from_document({**FULL, "location": location}).location == expected


@pytest.mark.parametrize("start", [None, "soon", 5, ""])
def test_only_an_event_without_a_readable_start_is_refused(start: object) -> None:
    with pytest.raises(EventError, match="no readable startTime"):
        spec_from_document({**FULL, "startTime": start})


def test_odd_optional_values_are_ignored() -> None:
    spec = spec_from_document({**FULL, "maximumAttendeeCapacity": "lots", "rrule": 3,
                               "source": "text", "recurrenceId": "never",
                               "endTime": "2026-12-12T10:00:00-06:00"})  # before the start
    assert (spec.capacity, spec.rrule, spec.description, spec.recurrence_id) == (
        None, None, "", None)
    assert spec.end == spec.start
    assert event_when(spec) == "Sat 12 Dec 2026, 6:15 PM CST (America/Chicago)"


ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
BEGIN:VEVENT\r
UID:a@x\r
DTSTART:20261212T180000\r
SUMMARY:Floating\r
LOCATION:https://meet.example/c\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:b@x\r
DTSTART;VALUE=DATE:20261205\r
SUMMARY:All day\r
DESCRIPTION:Line one\\nLine two\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:c@x\r
STATUS:CANCELLED\r
DTSTART:20261220T170000Z\r
SUMMARY:Off\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:d@x\r
SUMMARY:No start\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_a_calendar_lists_cancelled_keys_and_says_when_it_was_not_read_whole() -> None:
    feed = parse_calendar(ICS, url="https://x.example/cal.ics")
    assert [e.key for e in feed.entries] == ["a@x", "b@x"]
    assert feed.cancelled == ("c@x",)
    assert feed.complete is False  # "d@x" could not be read: nothing is taken as removed
    assert feed.entries[1].description == "Line one\nLine two"


def test_entries_become_event_specs() -> None:
    feed = parse_calendar(ICS, url="https://x.example/cal.ics")
    floating, all_day = (entry_spec(e, feed) for e in feed.entries)
    assert (floating.start, floating.end - floating.start, floating.timezone) == (
        datetime(2026, 12, 12, 18, tzinfo=UTC), DEFAULT_LENGTH, "UTC")
    assert floating.location == Online("https://meet.example/c")
    assert (all_day.start, all_day.end) == (datetime(2026, 12, 5, tzinfo=UTC),
                                            datetime(2026, 12, 6, tzinfo=UTC))
    assert all_day.description.endswith("Source: <https://x.example/cal.ics>")


def test_an_unknown_tzid_keeps_the_instant_in_utc_and_digests_compare_instants() -> None:
    start = datetime(2026, 12, 12, 9, tzinfo=ZoneInfo("America/Los_Angeles"))
    entry = Entry(key="k", title="T", link=None, summary="", published=None, kind="event",
                  start=start, end=start + timedelta(hours=2), timezone="Pacific Standard Time",
                  location="Hall")
    feed = Feed(kind="calendar", title="", link=None, entries=(entry,))
    spec = entry_spec(entry, feed)
    assert (spec.timezone, spec.start, spec.location) == ("UTC", start, Place("Hall"))
    same = Entry(**{**entry.__dict__, "start": start.astimezone(UTC),
                    "end": (start + timedelta(hours=2)).astimezone(UTC)})
    assert digest(entry_spec(same, feed)) == digest(spec)
    moved = Entry(**{**entry.__dict__, "start": start + timedelta(minutes=30)})
    assert digest(entry_spec(moved, feed)) != digest(spec)


def test_a_date_only_entry_is_not_an_instant_of_its_zone() -> None:
    entry = Entry(key="k", title="", link=None, summary="", published=None, kind="event",
                  start=date(2026, 12, 5))
    spec = entry_spec(entry, Feed(kind="calendar", title="", link=None, entries=(entry,)))
    assert spec.title == "(untitled event)" and spec.end - spec.start == timedelta(days=1)
