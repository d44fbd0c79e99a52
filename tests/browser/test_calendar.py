"""A reader finds a call in the hub's calendar: the month grid, the next month, the event,
its "add to calendar" file, and the agenda; every page passes axe-core."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar
from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import HUB, HUB_TITLE, ORGANIZER, Site, assert_accessible

TITLE = "Calendar flow: assembly of the berths"


def next_month_day() -> date:
    """The 10th of next month (UTC), where the test's event is."""
    today = datetime.now(UTC).date()
    first_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_next.replace(day=10)


def post_event(site: Site) -> date:
    day = next_month_day()
    site.cli("event", "create", "--as", ORGANIZER, "--hub", HUB, "--title", TITLE,
             "--start", f"{day} 18:00", "--end", f"{day} 20:00", "--timezone", "UTC",
             "--place", "Union hall")
    return day


def test_open_the_month_go_to_the_next_open_an_item_and_download_it(
        site: Site, page: Page, tmp_path: Path) -> None:
    day = post_event(site)
    page.goto(f"{site.url}/hubs/{HUB}")
    page.get_by_role("link", name="Calendar", exact=True).click()
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Calendar of {HUB_TITLE}")
    table = page.get_by_role("table")
    expect(table.locator("caption")).to_contain_text(
        datetime.now(UTC).strftime("%B %Y"))
    expect(table.get_by_role("columnheader")).to_have_count(7)

    page.get_by_role("link", name=day.strftime("%B %Y")).click()
    assert_accessible(page)
    cell = page.locator(f'td:has(time[datetime="{day.isoformat()}"])')
    expect(cell.get_by_role("link", name=f"6:00 PM {TITLE}")).to_be_visible()
    with page.expect_download() as download:
        cell.get_by_role("link", name=f"Add to calendar: {TITLE}").click()
    saved = tmp_path / "event.ics"
    download.value.save_as(saved)
    (event,) = Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
    assert str(event["summary"]) == TITLE
    assert event.decoded("dtstart") == datetime.combine(day, datetime.min.time()).replace(
        hour=18, tzinfo=UTC)

    cell.get_by_role("link", name=f"6:00 PM {TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name="Agenda", exact=True).click()
    assert_accessible(page)
    expect(page.get_by_role("region", name=day.strftime("%A, %B %-d, %Y"))
           ).to_contain_text(TITLE)
    subscribe = page.get_by_role("link", name="Subscribe", exact=True)
    expect(subscribe).to_have_attribute("href", f"webcal://{site.url.split('://')[1]}"
                                        f"/hubs/{HUB}/calendar.ics")


def test_the_node_calendar_reads_as_a_list_on_a_phone(site: Site, browser: Browser) -> None:
    day = post_event(site)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{site.url}/calendar?month={day:%Y-%m}")
        assert_accessible(page)
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the calendar scrolls sideways on a phone: {widths}"
        expect(page.get_by_text(day.strftime("%A, %B %-d, %Y"))).to_be_visible()
        expect(page.locator("thead")).to_be_hidden()  # the list layout: no weekday row
        page.get_by_label("Timezone of the times shown").select_option("America/New_York")
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(re.compile(r"tz=America%2FNew_York"))
        expect(page.get_by_text("times in America/New_York")).to_be_visible()
        page.goto(f"{site.url}/calendar?month={day:%Y-%m}&tz=Not/AZone")  # a hand-made link
        expect(page.get_by_role("alert")).to_contain_text("is not a timezone")
        assert_accessible(page)
    finally:
        context.close()
