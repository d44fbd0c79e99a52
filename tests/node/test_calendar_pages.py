"""The calendar pages: month grid and agenda of a hub and of the node (issue 8, item 4)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import update

from node.clock import Clock
from node.hubs.calls.service import cancel_call, create_call, move_occurrence
from node.hubs.events.service import cancel_event, create_event
from node.hubs.hub.members import set_member
from node.hubs.hub.models import Hub
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.settings import Settings
from node.web import calendar_pages
from tests.node.calendar_support import Page, read_page
from tests.node.harness import Harness
from tests.node.hub_support import LA, call_spec, hub_node, post_rally, rally, stored
from tests.node.remote_events_support import event as remote_event
from tests.node.remote_events_support import send

HUB = "/hubs/portshutdown"
HTML = {"Accept": "text/html"}
_hub = Hub.__table__  # type: ignore[attr-defined]


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        with harness.node.engine.begin() as conn:  # the hub shows times in Los Angeles
            conn.execute(update(_hub).values(timezone=LA))
        yield harness


def get(h: Harness, path: str, status: int = 200, **headers: str) -> tuple[str, Page]:
    response = h.client.get(path, headers=HTML | headers)
    assert response.status_code == status, response.text[:500]
    return response.text, read_page(response.text)


def series(h: Harness, start: str = "2026-11-23 19:00", count: int = 10) -> Any:
    with h.node.engine.begin() as conn:
        return create_call(h.node, conn, author="nate", hub="portshutdown",
                           spec=call_spec(start), rrule=f"FREQ=WEEKLY;BYDAY=MO;COUNT={count}")


def vevents(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_the_month_grid_is_a_table_with_weekdays_and_local_times(h: Harness) -> None:
    # The rally is at 7 PM on Saturday 12 December in Los Angeles, the hub's zone.
    post_rally(h)
    html, page = get(h, f"{HUB}/calendar?month=2026-12")
    assert page.caption == "December 2026 (times in America/Los_Angeles)"
    assert page.headers == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert html.count('<th scope="col">') == 7
    assert page.on("2026-12-12").entries == ["7:00 PM Port shutdown rally"]
    assert "outside" in page.on("2026-11-30").classes  # the grid's Monday before the 1st
    assert "outside" not in page.on("2026-12-01").classes
    assert 'aria-current="date"' not in html  # "today" (21 Nov) is not in December
    assert page.links["← November 2026"] == f"{HUB}/calendar?month=2026-11"
    assert page.links["January 2027 →"] == f"{HUB}/calendar?month=2027-01"
    _, november = get(h, f"{HUB}/calendar")  # the default: this month, today marked
    assert "today" in november.on("2026-11-21").classes


def test_the_tz_parameter_shows_another_zone_and_keeps_it_in_the_links(h: Harness) -> None:
    post_rally(h)
    _, page = get(h, f"{HUB}/calendar?month=2026-12&tz=Europe/Madrid")
    assert page.on("2026-12-13").entries == ["4:00 AM Port shutdown rally"]
    assert page.on("2026-12-12").entries == []
    assert page.links["January 2027 →"] == f"{HUB}/calendar?month=2027-01&tz=Europe%2FMadrid"


@pytest.mark.parametrize("query", ["tz=Mars/Olympus", "tz=posix/Europe/Madrid",
                                   "tz=%3Cscript%3E", "month=2026-13", "month=2026-12&tz=x"])
def test_an_unreadable_zone_or_month_is_said_on_the_page(h: Harness, query: str) -> None:
    post_rally(h)
    html, page = get(h, f"{HUB}/calendar?{query}", status=400)
    assert 'class="error" role="alert"' in html and "<script>" not in html
    assert ("is not a timezone" in html) == ("tz=" in query)
    assert ("is not a month" in html) == ("month=2026-13" in query)
    assert "America/Los_Angeles" in page.caption  # shown in the hub's zone instead


def test_spanish_readers_get_spanish_months_and_weekdays(h: Harness) -> None:
    _, page = get(h, f"{HUB}/calendar?month=2026-12", **{"Accept-Language": "es-MX"})
    assert page.caption.startswith("diciembre de 2026")
    assert page.headers[0] == "dom"  # Mexico starts weeks on Sunday


def test_cancelled_events_are_struck_and_say_so(h: Harness) -> None:
    event = post_rally(h)
    with h.node.engine.begin() as conn:
        cancel_event(h.node, conn, actor="nate", uri=event["id"])
    html, page = get(h, f"{HUB}/calendar?month=2026-12")
    cell = page.on("2026-12-12")
    assert cell.entries == ["7:00 PM Port shutdown rally (cancelled)"]
    assert "<s>Port shutdown rally</s> <span class=\"status\">(cancelled)</span>" in html
    assert cell.struck == ["Port shutdown rally"]


def test_a_series_shows_every_occurrence_moved_cancelled_and_not_yet_published(
        h: Harness) -> None:
    # Weekly on Mondays at 7 PM New York (4 PM in the hub's Los Angeles) from 23 Nov, ten
    # times: only the first few are published yet; the grid shows all of them.
    made = series(h)
    first, second = sorted(made.occurrences, key=lambda u: stored(h, u)["startTime"])[:2]
    with h.node.engine.begin() as conn:
        move_occurrence(h.node, conn, actor="nate", uri=first, start="2026-11-24 18:00")
        cancel_call(h.node, conn, actor="nate", uri=second)
    _, november = get(h, f"{HUB}/calendar?month=2026-11")
    assert november.on("2026-11-24").entries == ["3:00 PM Coordination call"]  # moved
    assert november.on("2026-11-23").entries == []
    assert november.on("2026-11-30").entries == ["4:00 PM Coordination call (cancelled)"]
    _, january = get(h, f"{HUB}/calendar?month=2027-01")
    assert [d for d, _ in january.entries()] == [  # 28 Dec: the grid's first row
        "2026-12-28", "2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25"]
    assert set(january.on("2027-01-04").pages) == {made.event["id"]}  # not published yet
    _, february = get(h, f"{HUB}/calendar?month=2027-02")
    assert february.entries() == []  # ten occurrences: the last is on 25 January
    with h.node.engine.begin() as conn:
        cancel_call(h.node, conn, actor="nate", uri=made.event["id"])
    _, january = get(h, f"{HUB}/calendar?month=2027-01")
    assert all(text.endswith("(cancelled)") for _, text in january.entries())


def test_add_to_calendar_files_are_the_feeds_vevents(h: Harness) -> None:
    event = post_rally(h)
    made = series(h)
    _, page = get(h, f"{HUB}/calendar?month=2026-12")
    feed = {str(e["uid"]): e for e in vevents(h.client.get(f"{HUB}/calendar.ics").content)}
    rally_file = page.on("2026-12-12").files[0]
    assert rally_file == f"/events/{event['id'].rsplit('/', 1)[1]}.ics"
    call_files = {f for c in page.cells for f in c.files} - {rally_file}
    assert len(call_files) == 1  # every occurrence offers its series' one VEVENT
    for path, uid in ((rally_file, event["id"]), (call_files.pop(), made.event["id"])):
        response = h.client.get(path)
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        (single,) = vevents(response.content)
        assert single.to_ical() == feed[uid].to_ical()


def test_a_remote_members_event_has_an_add_to_calendar_file_too(h: Harness) -> None:
    send(h, "Create", remote_event(1))
    _, page = get(h, f"{HUB}/calendar?month=2026-12&tz=America/Chicago")
    cell = page.on("2026-12-12")
    assert cell.entries == ["6:15 PM Rally 1"]
    response = h.client.get(cell.files[0])
    assert response.status_code == 200
    feed = {str(e["uid"]): e for e in vevents(h.client.get(f"{HUB}/calendar.ics").content)}
    (single,) = vevents(response.content)
    assert single.to_ical() == feed["https://mobilizon.example/events/1"].to_ical()
    assert h.client.get("/calendar/event.ics?id=https://elsewhere.example/e/1"
                        ).status_code == 404


def test_each_calendar_page_links_its_feed_by_webcal_and_plain_address(h: Harness) -> None:
    for path, feed in ((f"{HUB}/calendar", f"philly.example{HUB}/calendar.ics"),
                       (f"{HUB}/agenda", f"philly.example{HUB}/calendar.ics"),
                       ("/calendar", "philly.example/calendar.ics"),
                       ("/agenda", "philly.example/calendar.ics")):
        html, page = get(h, path)
        assert page.links["Subscribe"] == f"webcal://{feed}"
        assert f'readonly value="https://{feed}"' in html
        assert h.client.get(f"https://{feed}").status_code == 200


def test_the_node_calendar_lists_every_hub_once_in_the_node_zone(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        create_hub(conn, base_url=h.node.settings.url, name="foreclosures",
                   title="Foreclosure Defence", now=h.node.clock())
        set_member(conn, load_hub(conn, "foreclosures"), h.local("nate").uri, "member",
                   h.node.clock())
        create_event(h.node, conn, author="nate", hubs=["portshutdown", "foreclosures"],
                     spec=rally("2026-12-05 10:00", "2026-12-05 12:00"))
    post_rally(h)
    html, page = get(h, "/calendar?month=2026-12")
    assert "Calendar of Philly GA" in html and "(times in UTC)" in page.caption
    assert page.entries() == [("2026-12-05", "6:00 PM Port shutdown rally"),
                              ("2026-12-13", "3:00 AM Port shutdown rally")]
    _, hub = get(h, "/hubs/foreclosures/calendar?month=2026-12")
    assert hub.entries() == [("2026-12-05", "6:00 PM Port shutdown rally")]


def test_the_agenda_lists_upcoming_items_by_day_a_page_at_a_time(
        h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar_pages, "AGENDA_PAGE", 3)
    with h.node.engine.begin() as conn:
        create_event(h.node, conn, author="nate", hubs=["portshutdown"],
                     spec=rally("2026-11-10 19:00", "2026-11-10 21:00"), past=True)  # ended
    post_rally(h)
    series(h, count=5)
    seen: list[tuple[str, str]] = []
    path = f"{HUB}/agenda"
    for _ in range(5):
        _, page = get(h, path)
        seen += page.entries()
        if "Later" not in page.links:
            break
        path = page.links["Later"]
    assert seen == [("2026-11-23", "4:00 PM Coordination call"),
                    ("2026-11-30", "4:00 PM Coordination call"),
                    ("2026-12-07", "4:00 PM Coordination call"),
                    ("2026-12-12", "7:00 PM Port shutdown rally"),
                    ("2026-12-14", "4:00 PM Coordination call"),
                    ("2026-12-21", "4:00 PM Coordination call")]
    _, later = get(h, page.links["Back to the start"])
    assert later.entries() == seen[:3]


@pytest.mark.parametrize("path", ["/hubs/nobody/calendar", "/hubs/nate/agenda",
                                  "/hubs/Not-A-Name/calendar"])
def test_unknown_hubs_have_no_calendar(h: Harness, path: str) -> None:
    assert h.client.get(path, headers=HTML).status_code == 404


def test_the_hub_and_home_pages_link_the_calendars(h: Harness) -> None:
    _, hub = get(h, HUB)
    assert hub.links["Calendar"] == f"{HUB}/calendar"
    _, home = get(h, "/")
    assert home.links["Calendar of calls and events"] == "/calendar"
    assert home.links["Agenda"] == "/agenda"


def test_the_agenda_pages_on_past_a_start_with_a_fraction_of_a_second(
        h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another server's startTime may carry milliseconds; a cursor cut to the second put
    the last item of a page at the top of the next one again."""
    monkeypatch.setattr(calendar_pages, "AGENDA_PAGE", 1)
    send(h, "Create", remote_event(1, startTime="2026-12-12T18:15:00.250-06:00"))
    send(h, "Create", remote_event(2, startTime="2026-12-13T18:15:00.250-06:00",
                                   endTime="2026-12-13T20:00:00-06:00"), n=2)
    seen: list[tuple[str, str]] = []
    path = f"{HUB}/agenda?tz=America/Chicago"
    for _ in range(4):
        _, page = get(h, path)
        seen += page.entries()
        if "Later" not in page.links:
            break
        path = page.links["Later"]
    assert seen == [("2026-12-12", "6:15 PM Rally 1"), ("2026-12-13", "6:15 PM Rally 2")]


def test_the_agenda_pages_on_in_code_point_order_whatever_the_databases_collation(
        h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries at one instant are ordered by their id, in Python by code point; a
    PostgreSQL cluster made with a language's collation (en_US.UTF-8, the usual default)
    ordered and compared the ids its own way ('a' before 'B'), so the page after one
    ending on '.../B' skipped '.../a'. The column is given that collation here."""
    if h.node.engine.dialect.name == "postgresql":
        with h.node.engine.begin() as conn:
            conn.exec_driver_sql('ALTER TABLE hub_item ALTER COLUMN object_uri TYPE '
                                 'varchar(1024) COLLATE "en-US-x-icu"')
    monkeypatch.setattr(calendar_pages, "AGENDA_PAGE", 1)
    for n, key in enumerate(("B", "a"), start=1):  # the same start, ids in mixed case
        uri = f"https://mobilizon.example/events/{key}"
        send(h, "Create", remote_event(n, id=uri, url=uri, name=f"Rally {key}"), n=n)
    seen: list[tuple[str, str]] = []
    path = f"{HUB}/agenda?tz=America/Chicago"
    for _ in range(4):
        _, page = get(h, path)
        seen += page.entries()
        if "Later" not in page.links:
            break
        path = page.links["Later"]
    assert seen == [("2026-12-12", "6:15 PM Rally B"), ("2026-12-12", "6:15 PM Rally a")]


def test_the_first_and_last_months_do_not_link_to_months_the_page_refuses(h: Harness) -> None:
    """1900-01 linked to 1899-12 and 9998-12 to 9999-01, which the page answers with
    "not a month" (400): a reader following the link got an error page."""
    _, first = get(h, f"{HUB}/calendar?month=1900-01")
    assert "January 1900" in first.caption
    assert not any(text.startswith("←") for text in first.links)
    assert "February 1900 →" in first.links
    _, last = get(h, f"{HUB}/calendar?month=9998-12")
    assert not any(text.endswith("→") for text in last.links)
    assert get(h, last.links["← November 9998"])[1].caption.startswith("November 9998")
