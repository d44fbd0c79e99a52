"""Linked hubs in the browser: the assembly's steward asks to link the longshore
workers' hub by its handle, their steward accepts the link request (and links back), and
the longshore hub's next update shows on the assembly's page, marked with where it comes
from. (Each browser test's hub name is its own: the tier shares one node per worker.)"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import (
    HUB,
    HUB_TITLE,
    ORGANIZER,
    OUTSIDER,
    Site,
    assert_accessible,
    open_manage,
    sign_in,
)

DOCKERS, DOCKERS_TITLE = "longshore", "Longshore Local 10"


def test_a_steward_links_a_hub_the_other_accepts_and_its_item_shows(site: Site,
                                                                   page: Page) -> None:
    site.cli("hub", "create", DOCKERS, "--title", DOCKERS_TITLE, "--admin", OUTSIDER)
    host = site.url.split("://", 1)[1]

    sign_in(page, site.url, ORGANIZER)
    open_manage(page, site.url)
    page.get_by_role("navigation", name="Hub administration").get_by_role(
        "link", name="Linked hubs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Linked hubs of {HUB_TITLE}")
    assert_accessible(page)
    page.get_by_label("The hub's address").fill(f"@{DOCKERS}@{host}")
    page.get_by_role("button", name="Ask to link").click()
    expect(page.get_by_role("status")).to_contain_text("Link requested")
    expect(page.get_by_role("row", name=DOCKERS_TITLE)).to_contain_text(
        "asked, waiting for an answer")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, site.url, OUTSIDER)
    open_manage(page, site.url, DOCKERS_TITLE)
    page.get_by_role("navigation", name="Hub administration").get_by_role(
        "link", name="Follow requests").click()
    expect(page.get_by_text(f"hub {HUB_TITLE} @ {host} asks to link")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=f"Accept and link back @{HUB}@{host}").click()
    expect(page.get_by_role("status")).to_have_text("Follow request approved.")

    site.cli("post", "--as", OUTSIDER, "--hub", DOCKERS, "Dockers vote to strike on Friday")
    page.goto(f"{site.url}/hubs/{HUB}")
    card = page.locator("article", has_text="Dockers vote to strike on Friday")
    expect(card).to_contain_text(f"from {DOCKERS_TITLE} @ {host}")
    expect(card.get_by_role("link", name=f"@{DOCKERS}@{host}")).to_be_visible()
    assert_accessible(page)
