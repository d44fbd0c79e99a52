"""A new hub's timezone is chosen when it is made: an organizer who made a hub and then
posted their Oakland march saw it on the hub's page as "10:00 PM UTC", the node's zone,
since nothing on the form said the hub had one."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import OUTSIDER, Site, assert_accessible, sign_in

HUB, TITLE = "oaklandcommune", "Oakland Commune Assembly"


def test_the_create_form_sets_the_hubs_timezone(site: Site, page: Page) -> None:
    sign_in(page, site.url, OUTSIDER)
    page.goto(f"{site.url}/hubs/new")
    page.get_by_label("Name").fill(HUB)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Timezone").select_option("America/Los_Angeles")
    assert_accessible(page)
    page.get_by_role("button", name="Create the hub").click()
    expect(page.get_by_role("status")).to_contain_text("Hub created")
    expect(page.get_by_label("Timezone")).to_have_value("America/Los_Angeles")
    site.cli(
        "event",
        "create",
        "--as",
        OUTSIDER,
        "--hub",
        HUB,
        "--title",
        "March to the port",
        "--start",
        "2031-05-01 14:00",
        "--end",
        "2031-05-01 16:00",
        "--timezone",
        "America/Los_Angeles",
        "--place",
        "Oscar Grant Plaza",
    )
    page.goto(f"{site.url}/hubs/{HUB}")
    card = page.locator("article", has_text="March to the port")
    expect(card.locator(".when")).to_contain_text("2:00")
    expect(card.locator(".when")).to_contain_text("PDT")
