"""/network/calendar, /network/agenda and their iCalendar: the network's events and this
node's hubs' own, in the reader's timezone, filtered, paged, DST-correct, and never a
500 on an odd item."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import update

from node.clock import Clock
from node.network.event_index import index_event
from node.settings import Settings
from node.web import network_calendar
from tests.conftest import NOW
from tests.node.calendar_support import read_page
from tests.node.harness import Harness
from tests.node.hub_support import hub_node, post_rally
from tests.node.network_timeline_support import add_hub, add_item

OAK = "oakland.example"
HTML = {"accept": "text/html"}


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def received(h: Harness, n: int, name: str, start: str, end: str | None = None, *,
             host: str = OAK, hub: str | None = None, **extra: Any) -> str:
    """A network Event, stored and indexed as :mod:`node.network.receive` does."""
    fields = {"name": name, "startTime": start, **({"endTime": end} if end else {}), **extra}
    uri = add_item(h.node.engine, n, NOW, host=host, hub=hub, kind="Event", **fields)
    with h.node.engine.begin() as conn:
        index_event(conn, uri, {"id": uri, "type": "Event", **fields}, hub=hub,
                    origin_host=host)
    return uri


@pytest.fixture
def seeded(h: Harness) -> dict[str, str]:
    hub = add_hub(h.node.engine, OAK, "tenants", "Oakland Tenants")
    post_rally(h)  # ours: 2026-12-12 19:00 in Los Angeles
    return {
        "hub": hub,
        "strike": received(h, 1, "Rent strike assembly", "2026-12-05T18:00:00+01:00",
                           "2026-12-05T21:00:00+01:00", hub=hub, timezone="Europe/Paris",
                           tag=[{"type": "Hashtag", "name": "#Housing"}],
                           location={"type": "Place", "name": "Bourse du Travail",
                                     "address": {"addressRegion": "Île-de-France"}}),
        "camp": received(h, 2, "Climate camp", "2026-11-01T10:00:00Z", "2027-01-15T18:00:00Z",
                         host="berlin.example"),
        "off": received(h, 3, "Cancelled picket", "2026-12-08T07:00:00Z",
                        **{"ical:status": "CANCELLED"}),
        "call": received(h, 4, "Network call", "2026-12-09T19:00:00Z",
                         "2026-12-09T20:00:00Z", itemKind="call"),
        "january": received(h, 5, "New year assembly", "2027-01-09T17:00:00Z"),
    }


def month(h: Harness, query: str) -> list[tuple[str, str]]:
    response = h.client.get(f"/network/calendar?{query}", headers=HTML)
    assert response.status_code == 200, response.text[:300]
    return read_page(response.text).entries()


def titles(entries: list[tuple[str, str]]) -> set[str]:
    return {text for _, text in entries}


def test_month_holds_the_network_and_our_hubs(h: Harness, seeded: dict[str, str]) -> None:
    entries = month(h, "month=2026-12&tz=Europe/Paris")
    days = {(day, text.split(" Add to calendar")[0]) for day, text in entries}
    assert ("2026-12-05", "6:00 PM Rent strike assembly") in days
    assert ("2026-12-13", "4:00 AM Port shutdown rally") in days  # 19:00 in Los Angeles
    assert ("2026-12-09", "8:00 PM Network call") in days
    assert any(d == "2026-12-31" and "Climate camp" in t for d, t in entries)  # still on
    assert any("Cancelled picket" in t and "cancelled" in t for _, t in entries)
    assert not any("New year assembly" in t for _, t in entries)
    page = h.client.get("/network/calendar?month=2026-12").text
    assert 'href="webcal://philly.example/network/calendar.ics"' in page
    assert "/network/calendar/event.ics?id=https%3A%2F%2Foakland.example%2Fobjects%2Fitem-1" \
        in page


def test_filters_narrow_network_and_local_alike(h: Harness, seeded: dict[str, str]) -> None:
    def shown(query: str) -> list[str]:
        names = {re.sub(r"^(continued: |\d+:\d+ [AP]M )", "",
                        t.split(" Add to calendar")[0])
                 for _, t in month(h, f"month=2026-12&tz=UTC&{query}")}
        return sorted(names)

    assert shown("tag=housing") == ["Rent strike assembly"]
    assert shown("tag=%23HOUSING") == ["Rent strike assembly"]
    assert shown("region=%C3%8Ele-de-France") == ["Rent strike assembly"]
    assert shown(f"hub={seeded['hub']}") == ["Rent strike assembly"]
    assert shown("kind=call") == ["Network call"]
    assert shown("node=philly.example") == ["Port shutdown rally"]
    assert shown("node=berlin.example") == ["Climate camp"]
    assert month(h, "month=2026-12&kind=poll") == []
    assert month(h, "month=2026-12&node=%00") == []


def test_agenda_pages_on_with_what_each_source_said(h: Harness, seeded: dict[str, str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    page = h.client.get("/network/agenda?tz=Europe/Paris").text
    order = [page.index(t) for t in ("Climate camp", "Rent strike assembly", "Network call",
                                     "Port shutdown rally", "New year assembly")]
    assert order == sorted(order)
    assert "Bourse du Travail" in page and "berlin.example" in page
    monkeypatch.setattr(network_calendar, "AGENDA_PAGE", 2)
    first = h.client.get("/network/agenda?tag=&tz=UTC").text
    assert "Climate camp" in first and "Rent strike assembly" in first
    assert "Network call" not in first
    (later,) = re.findall(r'href="([^"]+)" rel="next"', first)
    later = html.unescape(later)
    second = h.client.get(later).text
    assert "Cancelled picket" in second and "Network call" in second
    assert "Climate camp" not in second


def test_the_ics_feed_and_each_event_file(h: Harness, seeded: dict[str, str]) -> None:
    response = h.client.get("/network/calendar.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/calendar")
    feed = Calendar.from_ical(response.content)
    summaries = {str(e["summary"]) for e in feed.walk("VEVENT")}
    assert {"Rent strike assembly", "Climate camp", "Network call", "Cancelled picket",
            "Port shutdown rally", "New year assembly"} <= summaries
    cancelled = [e for e in feed.walk("VEVENT") if str(e["summary"]) == "Cancelled picket"]
    assert str(cancelled[0]["status"]) == "CANCELLED"
    only = Calendar.from_ical(h.client.get("/network/calendar.ics?tag=housing").content)
    assert [str(e["summary"]) for e in only.walk("VEVENT")] == ["Rent strike assembly"]
    single = h.client.get("/network/calendar/event.ics",
                          params={"id": seeded["strike"]})
    assert single.status_code == 200
    (event,) = Calendar.from_ical(single.content).walk("VEVENT")
    assert event.decoded("dtstart").astimezone(UTC) == datetime(2026, 12, 5, 17, tzinfo=UTC)
    assert h.client.get("/network/calendar/event.ics",
                        params={"id": "https://nowhere.example/x"}).status_code == 404


def test_wall_times_across_the_dst_change(h: Harness) -> None:
    """Europe/Madrid moves to summer time on 2027-03-28: the same wall time on either
    side is one hour apart in UTC, and shows as that wall time in Madrid."""
    received(h, 1, "Before the change", "2027-03-27T10:00:00", timezone="Europe/Madrid")
    received(h, 2, "After the change", "2027-03-28T10:00:00", timezone="Europe/Madrid")
    madrid = {t.split(" Add")[0] for _, t in month(h, "month=2027-03&tz=Europe/Madrid")}
    assert madrid == {"10:00 AM Before the change", "10:00 AM After the change"}
    utc = {t.split(" Add")[0] for _, t in month(h, "month=2027-03&tz=UTC")}
    assert utc == {"9:00 AM Before the change", "8:00 AM After the change"}


def test_odd_items_never_fail_a_calendar(h: Harness) -> None:
    """Readable starts with everything else odd, and a start nothing can read."""
    received(h, 1, "Odd but dated", "2026-12-03T10:00:00Z", "not a time",
             location=42, attachment=["x", {"type": "Link"}], url=[{"href": "ftp://x"}],
             joinMode=["free"], timezone="Mars/Olympus", tag="#notalist",
             anonymousParticipationEnabled="yes", maximumAttendeeCapacity=True,
             **{"ical:status": 7, "eventStatus": {"x": 1}})
    received(h, 2, "No start", "someday")
    odd = received(h, 3, "Renamed oddly", "2026-12-04T10:00:00Z")
    with h.node.engine.begin() as conn:
        from node.activitypub.models import StoredObject

        table = StoredObject.__table__  # type: ignore[attr-defined]
        conn.execute(update(table).where(table.c.uri == odd).values(document={
            "id": odd, "type": "Event", "name": {"en": "x"}, "to": ["x"],
            "startTime": 5, "location": [None, 3]}))
    for path in ("/network/calendar?month=2026-12", "/network/agenda",
                 "/network/calendar.ics", f"/network/calendar/event.ics?id={odd}",
                 "/network?kind=Event"):
        assert h.client.get(path).status_code in (200, 404), path
    assert "Odd but dated" in h.client.get("/network/agenda").text
    assert "No start" not in h.client.get("/network/calendar?month=2026-12").text


def test_the_calendar_speaks_spanish(h: Harness, seeded: dict[str, str]) -> None:
    page = h.client.get("/network/agenda", headers={"accept-language": "es"}).text
    assert "Agenda de la red" in page and "Eventos y llamadas" in page
    assert "<dt>Lugar</dt>" in page and "Bourse du Travail" in page


def test_a_busy_day_shows_five_and_links_the_rest(h: Harness) -> None:
    for n in range(1, 8):
        received(h, n, f"Picket {n}", f"2026-12-15T{8 + n:02d}:00:00Z")
    page = h.client.get("/network/calendar?month=2026-12&tz=UTC").text
    day = read_page(page).on("2026-12-15")
    assert [e.split(" Add")[0].split(" ", 2)[-1] for e in day.entries] == [
        f"Picket {n}" for n in range(1, 6)]
    (more,) = re.findall(r'<p class="more-entries"><a href="([^"]+)">2 more</a>', page)
    agenda = h.client.get(html.unescape(more)).text
    assert "Picket 1" in agenda and "Picket 7" in agenda
