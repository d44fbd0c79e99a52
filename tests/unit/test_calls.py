"""Call series (RFC 5545 RRULE) in an IANA timezone, and wall times at DST changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from node.hubs.events.recurrence import MAX_OCCURRENCES, Recurrence, ScheduleError, parse_rrule
from node.zones import ZoneError, parse_local, when_text, zone

NY = "America/New_York"


def weekly(rule: str = "FREQ=WEEKLY;BYDAY=MO;COUNT=10", start: str = "2026-10-26 19:00",
           tz: str = NY) -> Recurrence:
    return parse_rrule(rule, parse_local(start, tz), tz)


def test_weekly_call_keeps_its_wall_time_across_the_autumn_change() -> None:
    # Given "every Monday 7 PM America/New_York" from Mon 26 Oct 2026, when the clocks go
    # back on Sun 1 Nov, then the calls stay at 7 PM local: 23:00 UTC, then 00:00 UTC.
    starts = weekly().starts(limit=3)
    assert [(s.hour, s.tzname()) for s in starts] == [(19, "EDT"), (19, "EST"), (19, "EST")]
    assert [s.astimezone(UTC) for s in starts] == [
        datetime(2026, 10, 26, 23, tzinfo=UTC), datetime(2026, 11, 3, 0, tzinfo=UTC),
        datetime(2026, 11, 10, 0, tzinfo=UTC)]


def test_the_spring_change_and_a_zone_on_the_other_side_of_the_world() -> None:
    spring = weekly(start="2027-03-08 19:00").starts(limit=2)
    assert [s.astimezone(UTC).hour for s in spring] == [0, 23]  # Mar 9 00:00Z, Mar 15 23:00Z
    # Sydney's clocks go forward on Sun 4 Oct 2026: a Sunday 10:00 call stays at 10:00.
    sydney = weekly("FREQ=WEEKLY;COUNT=3", "2026-09-27 10:00", "Australia/Sydney").starts()
    assert [(s.hour, s.utcoffset().total_seconds() / 3600) for s in sydney] == [  # type: ignore[union-attr]
        (10, 10.0), (10, 11.0), (10, 11.0)]


def test_starts_after_a_moment_and_up_to_a_limit() -> None:
    series = weekly()
    later = series.starts(after=datetime(2026, 11, 21, 12, tzinfo=UTC), limit=2)
    assert [s.date().isoformat() for s in later] == ["2026-11-23", "2026-11-30"]
    assert len(series.starts()) == 10


def test_until_is_kept_in_utc_and_inclusive_of_its_day() -> None:
    series = weekly("RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20261116")
    assert series.rule == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20261117T045959Z"
    assert [s.day for s in series.starts()] == [26, 2, 9, 16]


def test_series_in_words() -> None:
    assert weekly().describe() == ("every Monday at 7:00 PM (America/New_York), 10 times from "
                                   "Mon 26 Oct 2026")
    monthly = weekly("FREQ=MONTHLY;BYDAY=1MO;UNTIL=20270601", "2026-11-02 19:00")
    assert monthly.describe() == ("every month on the first Monday at 7:00 PM "
                                  "(America/New_York), from Mon 2 Nov 2026 until Tue 1 Jun 2027")
    fortnightly = weekly("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=4")
    assert fortnightly.describe().startswith("every 2 weeks on Monday and Thursday at 7:00 PM")
    odd = weekly("FREQ=YEARLY;BYMONTH=10;BYDAY=-1MO;COUNT=2")
    assert odd.describe().endswith("(RRULE FREQ=YEARLY;BYMONTH=10;BYDAY=-1MO;COUNT=2)")


@pytest.mark.parametrize(("rule", "message"), [
    ("FREQ=WEEKLY;BYDAY=MO", "an RRULE that never ends is refused: add COUNT=n or UNTIL"),
    ("FREQ=MINUTELY;COUNT=5", "a call repeats DAILY, WEEKLY, MONTHLY or YEARLY, not 'MINUTELY'"),
    ("FREQ=SECONDLY;COUNT=5", "not 'SECONDLY'"),
    ("FREQ=HOURLY;COUNT=5", "not 'HOURLY'"),
    ("FREQ=DAILY;BYHOUR=9,17;COUNT=4", "the time of day comes from the start"),
    ("FREQ=DAILY;COUNT=3;UNTIL=20270101", "give COUNT or UNTIL, not both"),
    ("FREQ=DAILY;COUNT=501", f"COUNT must be a number from 1 to {MAX_OCCURRENCES}"),
    ("FREQ=DAILY;COUNT=\u00b2", "COUNT must be a number"),  # isdigit, yet int() refuses it
    ("FREQ=DAILY;UNTIL=20300101", f"more than {MAX_OCCURRENCES} occurrences"),
    ("FREQ=WEEKLY;BYDAY=TU;COUNT=3", "must be the first occurrence of the RRULE"),
    ("FREQ=WEEKLY;BYDAY=XX;COUNT=3", "cannot read the RRULE"),
    ("FREQ=WEEKLY;UNTIL=soon", "cannot read UNTIL=SOON"),
    ("FREQ=WEEKLY;COUNT=3\nRDATE:20261212", "give one RRULE"),
    ("FREQ=WEEKLY;FREQ=DAILY;COUNT=3", "cannot read"),
    ("", "give one RRULE"),
])
def test_bad_rrules_are_refused_with_a_message(rule: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=re.escape(message)):
        weekly(rule)


@pytest.mark.parametrize(("text", "message"), [
    ("2026-03-08 02:30", "2026-03-08 02:30 does not exist in America/New_York"),
    ("2026-11-01 01:30", "2026-11-01 01:30 happens twice in America/New_York"),
    ("next tuesday", "cannot read the time 'next tuesday'"),
])
def test_times_the_clocks_skip_or_repeat_are_refused(text: str, message: str) -> None:
    with pytest.raises(ZoneError, match=re.escape(message)):
        parse_local(text, NY)


def test_local_times_and_their_words() -> None:
    moment = parse_local("2026-12-12T19:00", "America/Los_Angeles")
    assert moment.astimezone(UTC) == datetime(2026, 12, 13, 3, tzinfo=UTC)
    assert parse_local("2026-12-13T03:00:00Z", "America/Los_Angeles") == moment
    assert when_text(moment, moment.replace(hour=21), "America/Los_Angeles") == (
        "Sat 12 Dec 2026, 7:00 PM to 9:00 PM PST (America/Los_Angeles)")
    # An event spanning the autumn change shows both abbreviations.
    night = parse_local("2026-11-01 00:30", NY)
    assert when_text(night, parse_local("2026-11-01 03:00", NY), NY) == (
        "Sun 1 Nov 2026, 12:30 AM EDT to 3:00 AM EST (America/New_York)")


@pytest.mark.parametrize("name", ["Mars/Olympus", "../../etc/passwd", "", "america/new_york"])
def test_unknown_timezones_are_refused(name: str) -> None:
    with pytest.raises(ZoneError, match="unknown timezone"):
        zone(name)
