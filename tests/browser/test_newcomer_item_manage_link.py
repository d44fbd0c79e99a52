"""An organizer who opens their event's page finds how to change it: a link to the
hub's manage page, where Edit, Move and Cancel are (the page offered only "Send to the
newswire" and RSVP, a dead end for someone who never uses the command line). A visitor
and an organizer who is no member of the hub see no such link."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import ORGANIZER, OUTSIDER, Site, assert_accessible, sign_in

HUB, TITLE = "eastbaytenants", "East Bay Tenants Assembly"
EVENT = "Tenant picnic at Lake Merritt"


def test_the_author_goes_from_the_event_page_to_move_it(site: Site, page: Page) -> None:
    site.cli("hub", "create", HUB, "--title", TITLE, "--admin", ORGANIZER)
    site.cli(
        "event",
        "create",
        "--as",
        ORGANIZER,
        "--hub",
        HUB,
        "--title",
        EVENT,
        "--start",
        "2031-06-07 12:00",
        "--end",
        "2031-06-07 15:00",
        "--timezone",
        "America/Los_Angeles",
        "--place",
        "Lake Merritt",
    )
    page.goto(f"{site.url}/hubs/{HUB}")
    page.get_by_role("link", name=EVENT).click()
    event_url = page.url
    link_name = "Edit, move or cancel it on the hub's manage page"
    expect(page.get_by_role("link", name=link_name)).to_have_count(0)  # a visitor
    sign_in(page, site.url, OUTSIDER)  # an organizer of the node, no member of the hub
    page.goto(event_url)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("link", name=link_name)).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, site.url, ORGANIZER)
    page.goto(event_url)
    page.get_by_role("link", name=link_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Manage {TITLE}")
    card = page.locator(".manage-item", has_text=EVENT).filter(
        has=page.get_by_role("button", name="Move")
    )
    expect(card.get_by_role("link", name="Edit")).to_be_visible()
    assert_accessible(page)
