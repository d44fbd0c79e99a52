"""Cross-posting in the browser: an organizer posts one update into their hub and a
second hub, and sees where it stands in each (issue 9 item 6)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import (
    HUB,
    ORGANIZER,
    Site,
    assert_accessible,
    compose,
    open_manage,
    sign_in,
    submit,
)

OTHER = "crossings"
OTHER_TITLE = "Crossings Moderated Forum"


def test_an_organizer_posts_into_two_hubs_and_sees_each_status(site: Site, page: Page) -> None:
    site.cli("hub", "create", OTHER, "--title", OTHER_TITLE)
    site.cli("hub", "set", OTHER, "--posting-policy", "moderated")
    text = "Cross-posted: the harbour pilots vote on Thursday"

    sign_in(page, site.url, ORGANIZER)
    open_manage(page, site.url)
    compose(page, "Update")
    page.get_by_label("Text").fill(text)
    page.get_by_label("Also post in").fill(OTHER)
    submit(page)

    # the targets page: published in the organizer's hub, held in the other one
    expect(page.get_by_role("heading", name="Where it was posted")).to_be_visible()
    rows = page.get_by_role("table")
    expect(rows.get_by_role("row").filter(has_text=HUB)).to_contain_text("Published")
    expect(rows.get_by_role("row").filter(has_text=OTHER)).to_contain_text(
        "Held for moderation")
    # live: the script re-reads the table while a hub has not answered, and can be stopped
    page.get_by_role("button", name="Stop updating").click()
    expect(page.get_by_role("button", name="Stop updating")).to_have_count(0)

    # the item's page links back to it, for its author
    page.get_by_role("link", name=text).click()
    assert_accessible(page)
    page.get_by_role("link", name="Where it was posted").click()
    assert_accessible(page)
    expect(page.get_by_role("heading", name="Where it was posted")).to_be_visible()
