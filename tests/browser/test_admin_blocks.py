"""A moderator at work on blocks: from /admin to /admin/blocks, blocks a domain with a
public reason (typed in a spelling of its own), finds it in the public moderation log,
keeps an allowlist, tries the archipelago mode, and leaves the shared node open."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import ORGANIZER, Site, assert_accessible, sign_in


def test_a_moderator_blocks_a_domain_and_keeps_the_allowlist(site: Site, page: Page) -> None:
    sign_in(page, site.url, ORGANIZER)  # the node's first account: its admin
    page.get_by_role("navigation").get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Blocks: blocked accounts and domains").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Blocks")
    assert_accessible(page)

    page.get_by_label("Account or domain").fill("Troll.Farm.Example.")
    page.get_by_label("Public reason").fill("Coordinated harassment of organizers")
    page.get_by_role("button", name="Block", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("The block is saved")
    blocks = page.get_by_role("region", name="Blocked accounts and domains")
    row = blocks.get_by_role("row", name="troll.farm.example")
    expect(row).to_contain_text("Coordinated harassment of organizers")

    page.get_by_label("Account or domain").fill("https://nowhere.invalid/@troll")
    page.get_by_label("Public reason").fill("Threats")
    page.get_by_role("button", name="Block", exact=True).click()  # a profile URL is looked
    expect(page.get_by_role("alert")).to_contain_text(  # up; this one cannot be
        "Cannot find the account https://nowhere.invalid/@troll")
    expect(page.get_by_label("Account or domain")).to_have_value("https://nowhere.invalid/@troll")

    page.get_by_label("Public reason").fill("")
    page.get_by_label("Account or domain").fill("farm.example")
    page.get_by_role("button", name="Block", exact=True).click()  # no reason: the browser
    expect(page.get_by_label("Public reason")).to_be_focused()  # stops it (required)

    page.get_by_label("Domain", exact=True).fill("Sister.Example")
    page.get_by_role("button", name="Add to the allowlist").click()
    expect(page.get_by_role("status")).to_have_text("The domain is on the allowlist.")
    page.get_by_label("Allowlist (archipelago)").check()
    page.get_by_role("button", name="Save the federation mode").click()
    expect(page.get_by_label("Allowlist (archipelago)")).to_be_checked()
    assert_accessible(page)

    page.get_by_label("Open: every domain that is not blocked").check()  # leave it open
    page.get_by_role("button", name="Save the federation mode").click()
    expect(page.get_by_label("Open: every domain that is not blocked")).to_be_checked()
    page.get_by_role("button", name="Remove sister.example from the allowlist").click()
    expect(page.get_by_role("status")).to_have_text("The domain is no longer on the allowlist.")

    page.get_by_role("link", name="The public moderation log").click()
    entry = page.get_by_role("listitem").filter(has_text="troll.farm.example")
    expect(entry).to_contain_text("Reason: Coordinated harassment of organizers")
    expect(entry).to_contain_text("blocked")
    page.go_back()
    page.get_by_role("button", name="Unblock troll.farm.example").click()
    expect(page.get_by_role("status")).to_have_text("The block is lifted.")
    expect(page.get_by_role("region", name="Blocked accounts and domains")).to_contain_text(
        "Nothing is blocked.")
