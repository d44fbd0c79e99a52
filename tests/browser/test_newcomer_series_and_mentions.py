"""What a newcomer's tryout found, in a browser: a weekly call is one row of the manage
page whose occurrences open in place (no JavaScript needed: ``<details>``); a mention
written with a port (``@olga@127.0.0.1:PORT``) is a link that leads to the organizer's
page; the hub's steward sees "Manage this hub" once."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.browser.harness import ORGANIZER, Site, assert_accessible, sign_in

_serial = itertools.count(1)


def new_hub(site: Site) -> str:
    name = f"newcomer{next(_serial)}"
    site.cli("hub", "create", name, "--title", f"Newcomer {name}", "--admin", ORGANIZER)
    return name


def test_a_weekly_call_is_one_row_whose_occurrences_open_in_place(
        site: Site, page: Page) -> None:
    hub = new_hub(site)
    start = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d 19:00")
    site.cli("call", "create", "--as", ORGANIZER, "--hub", hub, "--title", "Weekly check-in",
             "--start", start, "--duration", "60", "--timezone", "UTC",
             "--rrule", "FREQ=WEEKLY;COUNT=3", "--call-url", "https://meet.example/w")
    sign_in(page, site.url, ORGANIZER)
    page.goto(f"{site.url}/hubs/{hub}/manage")
    upcoming = page.get_by_role("region", name="Upcoming calls and events")
    expect(upcoming.locator("article")).to_have_count(1)
    row = upcoming.locator("article")
    expect(row).to_contain_text("Call series · next:")
    expect(row).to_contain_text("3 upcoming occurrences")
    occurrences = row.locator("details.occurrences li")
    expect(occurrences.first).to_be_hidden()
    row.get_by_text("Show the 3 upcoming occurrences").click()
    expect(occurrences).to_have_count(3)
    expect(occurrences.first).to_be_visible()
    expect(occurrences.first.get_by_role("button", name="Move")).to_be_visible()
    recent = page.get_by_role("region", name="Recent items")
    expect(recent.locator("article")).to_have_count(1)
    expect(recent).to_contain_text("and 3 occurrences of this series")
    assert_accessible(page)


def test_a_mention_with_a_port_leads_to_the_organizer(site: Site, page: Page) -> None:
    hub = new_hub(site)
    host = site.url.split("://", 1)[1]
    site.cli("post", "--as", ORGANIZER, "--hub", hub,
             f"Thanks @{ORGANIZER}@{host} for the minutes!")
    sign_in(page, site.url, ORGANIZER)
    page.goto(f"{site.url}/hubs/{hub}")
    expect(page.get_by_role("link", name="Manage this hub")).to_have_count(1)
    mention = page.get_by_role("region", name="Updates").get_by_role(
        "link", name=f"@{ORGANIZER}@{host}", exact=True)
    expect(mention).to_have_attribute("href", f"{site.url}/@{ORGANIZER}")
    mention.click()
    expect(page).to_have_url(f"{site.url}/users/{ORGANIZER}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ORGANIZER)
