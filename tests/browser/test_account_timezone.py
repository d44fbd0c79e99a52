"""An organizer picks their own timezone on the account page from the IANA list, as on
the hub forms, and can go back to none of their own."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import ORGANIZER, Site, assert_accessible, sign_in


def test_an_organizer_picks_a_timezone_and_goes_back_to_none(site: Site, page: Page) -> None:
    sign_in(page, site.url, ORGANIZER)
    page.goto(f"{site.url}/account")
    picker = page.get_by_label("Your timezone")
    expect(picker).to_have_value("")
    picker.select_option("Europe/Madrid")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Your settings are saved.")).to_be_visible()
    expect(page.get_by_label("Your timezone")).to_have_value("Europe/Madrid")
    assert_accessible(page)
    page.get_by_label("Your timezone").select_option(label="None of my own")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Your settings are saved.")).to_be_visible()
    expect(page.get_by_label("Your timezone")).to_have_value("")
