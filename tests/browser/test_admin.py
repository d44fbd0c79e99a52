"""The node's operator at work: renames the node, invites someone, and the invitee signs
up from the link in a browser of their own and lands on their account page."""

from __future__ import annotations

import itertools

from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import ORGANIZER, Site, assert_accessible, sign_in

NEW_PASSWORD = "a long new password"
_serial = itertools.count(1)


def test_admin_renames_the_node_and_invites_someone_who_signs_up(
    site: Site, page: Page, browser: Browser
) -> None:
    serial = next(_serial)
    name, invitee = f"Harbour Node {serial}", f"rosa{serial}"
    sign_in(page, site.url, ORGANIZER)  # the node's first account: its admin
    page.get_by_role("navigation").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Node admin")
    assert_accessible(page)

    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Description").fill("The harbour's general assembly.")
    page.get_by_role("button", name="Save the node's settings").click()
    expect(page.get_by_role("status")).to_have_text("The node's settings are saved.")
    expect(page.locator("header.site .site-name")).to_have_text(name)

    page.get_by_role("button", name="Make an invitation link").click()
    link = page.get_by_label("Send this link to the person you invite.").input_value()
    assert link.startswith(f"{site.url}/invite/")
    assert_accessible(page)

    context = browser.new_context()  # the invitee's own browser: no cookies
    try:
        guest = context.new_page()
        guest.goto(link)
        expect(guest.get_by_role("heading", level=1)).to_have_text(f"Join {name}")
        assert_accessible(guest)
        guest.get_by_label("Username").fill(invitee)
        guest.get_by_label("Display name").fill("Rosa P")
        guest.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
        guest.get_by_label("Password again").fill("not the same password")
        guest.get_by_role("button", name="Create my account").click()
        expect(guest.get_by_role("alert")).to_have_text("The two passwords differ.")
        expect(guest.get_by_label("Username")).to_have_value(invitee)  # kept
        assert_accessible(guest)
        guest.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
        guest.get_by_label("Password again").fill(NEW_PASSWORD)
        guest.get_by_role("button", name="Create my account").click()
        expect(guest.get_by_role("heading", level=1)).to_have_text("Rosa P")
        expect(guest.get_by_text(f"@{invitee}@")).to_be_visible()
        expect(guest.get_by_role("heading", name="Your hubs")).to_be_visible()
        assert_accessible(guest)
        guest.goto(link)  # used once: the link is dead now
        expect(guest.get_by_role("alert")).to_contain_text("expired or was already used")
    finally:
        context.close()
