"""What a newcomer organizer met on the links and follow-requests pages: the hub
directory and the cross-post field name a hub of this node by its name, so the "Link a
hub" field takes that name too (it answered "not an account address" before); and the
other hub's follow-requests page says what a link request is in one sentence, without
the cross-post field's hint run into it (an English catalogue entry had both)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import OUTSIDER, Site, assert_accessible, sign_in

TENANTS, TENANTS_TITLE = "tenantsunion", "Tenants Union of the East Bay"
RENT, RENT_TITLE = "rentstrike", "Rent Strike Committee"


def test_a_hub_of_this_node_is_linked_by_its_name(site: Site, page: Page) -> None:
    site.cli("hub", "create", TENANTS, "--title", TENANTS_TITLE, "--admin", OUTSIDER)
    site.cli("hub", "create", RENT, "--title", RENT_TITLE, "--admin", OUTSIDER)

    sign_in(page, site.url, OUTSIDER)
    page.goto(f"{site.url}/hubs/{TENANTS}/links")
    page.get_by_label("The hub's address").fill(RENT)
    page.get_by_role("button", name="Ask to link").click()
    expect(page.get_by_role("status")).to_contain_text("Link requested")
    expect(page.get_by_role("row", name=RENT_TITLE)).to_contain_text("asked, waiting for an answer")
    assert_accessible(page)

    page.goto(f"{site.url}/hubs/{RENT}/requests")
    hints = page.locator("main p.hint")
    expect(hints.last).to_have_text(
        "Other hubs asking to link always wait here for an answer: accepting lets them "
        'show this hub\'s items on their page; "Accept and link back" also shows theirs '
        "on this hub's page."
    )
    expect(page.get_by_text(f"hub {TENANTS_TITLE} @", exact=False)).to_be_visible()
    assert_accessible(page)
