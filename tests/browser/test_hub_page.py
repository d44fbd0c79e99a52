"""The hub page of a busy hub, as a person reads it (issue 8, item 3).

25 items of every kind (updates, minutes, events moved and cancelled, a weekly call,
open and closed polls, a pinned update) must fit in about two screens of a 1280 px
desktop; the page passes axe-core; a signed-in organizer votes from the hub page itself
and reads older updates on their own page.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import ORGANIZER, Site, assert_accessible, sign_in
from tests.browser.hub_page_support import BUSY, BUSY_TITLE, fill_busy_hub

SCREEN = 900  # the browser tier's viewport height (conftest.py)
TWO_SCREENS = 2 * SCREEN + 200  # "about two screens": before this page, 7,400 px


def test_a_busy_hub_fits_two_screens_and_takes_a_vote_inline(site: Site, page: Page) -> None:
    poll = fill_busy_hub(site)
    sign_in(page, site.url, ORGANIZER)
    page.goto(f"{site.url}/hubs/{BUSY}")
    expect(page.get_by_role("heading", level=1)).to_have_text(BUSY_TITLE)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= TWO_SCREENS, f"the hub page is {height} px high"
    assert_accessible(page)
    next_up = page.get_by_role("region", name="Next up")
    expect(next_up.get_by_role("link", name="Monday coordination call")).to_have_count(1)
    expect(next_up.get_by_text("Cancelled: Action 1")).to_be_visible()  # the notice, on its card
    expect(page.get_by_role("region", name="Updates").get_by_text("Cancelled:")).to_have_count(0)
    # olga stewards the hub: her header button manages it, Follow is for everyone else
    expect(page.get_by_role("link", name="Follow", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Manage this hub")).to_have_attribute(
        "href", f"/hubs/{BUSY}/manage")

    card = page.get_by_role("region", name="Open polls").locator("article").filter(
        has=page.locator(f'form[action="{poll.removeprefix(site.url)}/vote"]'))
    card.get_by_label("yes").check()
    card.get_by_role("button", name="Vote").click()
    expect(page.get_by_role("status")).to_have_text("Your vote was counted.")
    assert_accessible(page)

    page.goto(f"{site.url}/hubs/{BUSY}")
    page.get_by_role("link", name="Older updates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Updates")
    expect(page.get_by_text("Update 3: picket at berth 3")).to_be_visible()
    assert_accessible(page)
