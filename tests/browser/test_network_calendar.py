"""A visitor opens the network calendar from the network timeline, sees the month, and
switches to the agenda, where a Mobilizon event shows its place, status and join mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from node.db import make_engine
from node.network.event_index import index_event
from tests.browser.harness import Site, assert_accessible
from tests.fixtures.remote.fakes import load
from tests.node.network_timeline_support import add_item

HOST = "calendar-mobilizon.example"


def seed(site: Site) -> None:
    engine = make_engine(site.node.database)
    now = datetime.now(UTC)
    event = load("mobilizon.example/event-rent-strike.json")
    start = now + timedelta(hours=1)
    fields = {k: event[k] for k in ("name", "timezone", "location", "joinMode", "category",
                                    "ical:status", "status", "anonymousParticipationEnabled",
                                    "attachment", "tag")}
    fields |= {"startTime": start.isoformat(), "endTime": (start + timedelta(hours=2))
               .isoformat(), "url": f"https://{HOST}/events/rent-strike"}
    try:
        uri = add_item(engine, 1, now, host=HOST, kind="Event", **fields)
        with engine.begin() as conn:
            index_event(conn, uri, {"id": uri, "type": "Event", **fields}, hub=None,
                        origin_host=HOST)
    finally:
        engine.dispose()


def test_visitor_opens_the_network_calendar_and_switches_to_the_agenda(site: Site,
                                                                       page: Page) -> None:
    seed(site)
    page.goto(f"{site.url}/network")
    page.get_by_role("link", name="Network calendar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Network calendar")
    expect(page.locator("table.month")).to_be_visible()
    expect(page.get_by_role("link", name="Subscribe", exact=True)).to_have_attribute(
        "href", f"webcal://{site.url.split('://', 1)[1]}/network/calendar.ics")
    assert_accessible(page)

    page.get_by_label("Node", exact=True).fill(HOST)
    page.get_by_role("button", name="Show", exact=True).click()
    page.get_by_role("navigation", name="Calendar views").get_by_role(
        "link", name="Agenda").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Network agenda")
    expect(page.get_by_label("Node", exact=True)).to_have_value(HOST)
    item = page.locator(".agenda-day li").filter(has_text="Rent strike assembly")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Bourse du Travail")
    expect(item).to_contain_text("Tentative")
    expect(item).to_contain_text("the organizers approve each participant")
    expect(item.get_by_role("link", name="the event on its own site")).to_have_attribute(
        "href", f"https://{HOST}/events/rent-strike")
    expect(item.get_by_role("link", name="Add to calendar: Rent strike assembly")
           ).to_be_visible()
    assert_accessible(page)


def test_the_kind_select_shows_its_whole_label_on_desktop_and_phone(site: Site,
                                                                    page: Page) -> None:
    """The select was narrower than its text at 1280 px ("Events and call"): it is at
    least as wide as the same select laid out alone, at both widths."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{site.url}/network/calendar")
        kind = page.get_by_label("Kind", exact=True)
        expect(kind).to_have_value("")
        expect(kind.locator("option:checked")).to_have_text("Events and calls")
        shown, natural = kind.evaluate(
            """select => {
                 const alone = select.cloneNode(true);
                 alone.removeAttribute("id");
                 alone.style.cssText = "position:absolute;visibility:hidden;max-width:none";
                 document.body.append(alone);
                 const sizes = [select.getBoundingClientRect().width,
                                alone.getBoundingClientRect().width];
                 alone.remove();
                 return sizes;
               }""")
        assert shown >= natural - 0.5, (width, shown, natural)
        box = kind.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width  # inside the page
