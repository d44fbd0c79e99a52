"""The /account compose form picks hubs from the directory, as the hub compose forms
do: "Find a hub in the directory", "Post here" on a hub found, and back on /account
with that hub ticked; the post goes into it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import ORGANIZER, Site, assert_accessible, sign_in

PICKED = "acctpick_ferrylanding"
PICKED_TITLE = "Acctpick Ferry Landing Assembly"


def test_the_account_form_ticks_a_hub_found_in_the_directory(site: Site, page: Page) -> None:
    site.cli("hub", "create", PICKED, "--title", PICKED_TITLE)
    site.cli("hub", "set", PICKED, "--posting-policy", "open")
    sign_in(page, site.url, ORGANIZER)
    page.goto(f"{site.url}/account")
    expect(page.get_by_role("checkbox", name=PICKED, exact=False)).not_to_be_checked()
    page.get_by_role("link", name="Find a hub in the directory").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hub directory")
    expect(page.locator(".directory-posting")).to_contain_text("your account page")
    page.get_by_label("Search", exact=True).fill("acctpick ferry")
    page.get_by_role("button", name="Search", exact=True).click()  # keeps the form in mind
    page.locator("li.directory-hub").first.get_by_role(
        "link", name=f"Post in {PICKED_TITLE}"
    ).click()
    expect(page).to_have_url(f"{site.url}/account?to={PICKED}#post-heading")
    expect(page.get_by_role("checkbox", name=PICKED, exact=False)).to_be_checked()
    assert_accessible(page)
    page.get_by_label("Text").fill("From my account into the ferry landing assembly")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Posted.")
    page.goto(f"{site.url}/hubs/{PICKED}")
    expect(page.get_by_text("From my account into the ferry landing assembly")).to_be_visible()
