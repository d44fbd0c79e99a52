"""Instants as people read them (node.web.dates): in a zone, in a language, with Babel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from node.web import dates

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # 19:00 in Madrid, 13:00 in New York


def test_an_instant_reads_in_the_zone_and_language_without_this_years_year() -> None:
    assert dates.instant(START, "Europe/Madrid", "en", NOW) == "Mon, Nov 23, 7:00\u202fPM CET"
    assert dates.instant(START, "Europe/Madrid", "es", NOW) == "lun, 23 nov, 19:00 CET"
    assert dates.instant(START, "Europe/Madrid", "en") == "Mon, Nov 23, 2026, 7:00\u202fPM CET"
    next_year = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    assert "2027" in dates.instant(next_year, "UTC", "en", NOW)


def test_naive_times_are_utc_and_unknown_zones_and_languages_fall_back() -> None:
    naive = START.replace(tzinfo=None)
    assert dates.instant(naive, "UTC", "en", NOW) == "Mon, Nov 23, 6:00\u202fPM UTC"
    assert dates.instant(START, "Mars/Olympus", "xx", NOW) == "Mon, Nov 23, 6:00\u202fPM UTC"


def test_a_span_names_the_end_day_only_when_it_differs() -> None:
    end = START + timedelta(hours=2)
    assert dates.span(START, end, "Europe/Madrid", "es", NOW) == (
        "lun, 23 nov, 19:00 \u2013 21:00 CET")
    overnight = dates.span(START, START + timedelta(hours=8), "Europe/Madrid", "en", NOW)
    assert overnight == "Mon, Nov 23, 7:00\u202fPM \u2013 Tue, Nov 24, 3:00\u202fAM CET"
    assert dates.span(START, None, "UTC", "en", NOW) == dates.instant(START, "UTC", "en", NOW)


def test_near_times_also_read_relative_and_far_ones_do_not() -> None:
    assert dates.shown(START, "UTC", "en", NOW).near == "in 2 days"
    assert dates.shown(NOW - timedelta(hours=3), "UTC", "es", NOW).near == "hace 3 horas"
    assert dates.shown(NOW + timedelta(days=30), "UTC", "en", NOW).near == ""
    assert dates.shown(NOW, "UTC", "en", NOW).near == ""  # not "in 0 seconds"


def test_the_readers_zone_shows_only_when_it_differs() -> None:
    other = dates.shown(START, "Europe/Madrid", "en", NOW, reader_zone="America/New_York")
    assert other.reader == "Mon, Nov 23, 1:00\u202fPM EST"
    same = dates.shown(START, "Europe/Madrid", "en", NOW, reader_zone="Europe/Paris")
    assert same.reader == ""
    assert other.iso == "2026-11-23T18:00:00+00:00"
