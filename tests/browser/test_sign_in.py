"""Signing in and out, as a person does it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import HUB_TITLE, ORGANIZER, Site, assert_accessible, sign_in


def test_sign_in_reaches_the_hub_and_sign_out_ends_the_session(site: Site, page: Page) -> None:
    sign_in(page, site.url, ORGANIZER)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"{site.url}/")
    page.get_by_role("link", name=HUB_TITLE).click()
    assert_accessible(page)
    page.get_by_role("link", name="Manage this hub").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Manage {HUB_TITLE}")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("navigation").get_by_role("link", name="Sign in")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{site.url}/account")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_wrong_password_is_refused_with_a_message(site: Site, page: Page) -> None:
    page.goto(f"{site.url}/login")
    page.get_by_label("Username").fill(ORGANIZER)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
