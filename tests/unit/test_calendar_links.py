"""Where the calendar pages point: feeds, webcal, per-item files; the agenda's cursor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from node.hubs.events.schedule import Cursor, parse_cursor
from node.web.calendar_view import Links


def test_a_hub_calendar_links_its_feed_by_https_and_webcal() -> None:
    links = Links("/hubs/port", "https://philly.example")
    assert (links.month, links.agenda) == ("/hubs/port/calendar", "/hubs/port/agenda")
    assert links.feed == "https://philly.example/hubs/port/calendar.ics"
    assert links.webcal == "webcal://philly.example/hubs/port/calendar.ics"
    node = Links("", "http://localhost:8000")
    assert node.webcal == "webcal://localhost:8000/calendar.ics"


@pytest.mark.parametrize(("uri", "file"), [
    ("https://philly.example/objects/abc123", "/events/abc123.ics"),
    ("https://mobilizon.example/events/1",
     "/calendar/event.ics?id=https%3A%2F%2Fmobilizon.example%2Fevents%2F1"),
    ("https://philly.example/objects/a/b",
     "/calendar/event.ics?id=https%3A%2F%2Fphilly.example%2Fobjects%2Fa%2Fb"),
])
def test_each_item_gets_its_add_to_calendar_file(uri: str, file: str) -> None:
    assert Links("/hubs/port", "https://philly.example").file(uri) == file


def test_the_agenda_cursor_reads_back_and_garbage_starts_over() -> None:
    cursor = Cursor(datetime(2026, 12, 13, 3, tzinfo=UTC), "https://philly.example/objects/x~y")
    assert str(cursor) == "20261213T030000Z~https://philly.example/objects/x~y"
    assert parse_cursor(str(cursor)) == cursor
    exact = Cursor(datetime(2026, 12, 13, 3, 0, 0, 250000, tzinfo=UTC), "x")  # milliseconds
    assert str(exact) == "20261213T030000.250000Z~x" and parse_cursor(str(exact)) == exact
    for bad in ("", "20261213T030000Z", "20261213T030000Z~", "yesterday~x", "2026-12-13~x"):
        assert parse_cursor(bad) is None
