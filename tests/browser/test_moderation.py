"""The moderation queue: an outsider's post into a moderated hub waits until an organizer
publishes it from the manage page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import (
    ORGANIZER,
    OUTSIDER,
    Site,
    assert_accessible,
    open_manage,
    sign_in,
)

HUB = "dockers"
TITLE = "Dockers Moderated Forum"


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert_accessible(page)


def test_a_held_post_is_published_from_the_manage_page(site: Site, page: Page) -> None:
    site.cli("hub", "create", HUB, "--title", TITLE, "--admin", ORGANIZER)
    site.cli("hub", "set", HUB, "--posting-policy", "moderated")
    text = "Outsider report: the crane operators join the strike on Monday"

    sign_in(page, site.url, OUTSIDER)
    page.get_by_role("navigation").get_by_role("link", name=OUTSIDER).click()
    assert_accessible(page)
    page.get_by_label("Text").fill(text)
    page.get_by_label(TITLE).check()
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.get_by_role("status")).to_have_text("Posted.")
    page.goto(f"{site.url}/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_text(text)).to_have_count(0)
    sign_out(page)

    sign_in(page, site.url, ORGANIZER)
    open_manage(page, site.url, TITLE)
    queue = page.get_by_role("region", name="Waiting for a moderator")
    held = queue.get_by_role("article").filter(has_text=text)
    expect(held).to_contain_text(f"update by @{OUTSIDER}@")
    held.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.get_by_role("status")).to_have_text(
        "Published: the hub shared it with its followers.")
    expect(queue.get_by_text("Nothing waiting.")).to_be_visible()

    page.get_by_role("link", name="public page").click()
    assert_accessible(page)
    expect(page.get_by_text(text)).to_be_visible()
    sign_out(page)
