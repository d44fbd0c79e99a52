"""The axe-core gate itself, and the pages in the dark colour scheme.

The other browser tests check every page they visit in the light scheme; a dark-scheme
reader gets other colours (style.css ``prefers-color-scheme: dark``), so contrast is
checked there too.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import (
    HUB,
    ORGANIZER,
    Site,
    assert_accessible,
    open_manage,
    sign_in,
    violations,
)


def test_the_gate_fails_on_a_page_with_serious_violations(page: Page) -> None:
    """A check that can never fail proves nothing: a bad page must be caught."""
    page.set_content('<html><body><main><img src="x.png">'
                     '<input type="text"></main></body></html>')
    found = {v["id"] for v in violations(page)}
    assert {"image-alt", "label", "html-has-lang"} <= found
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)


def test_pages_pass_axe_in_the_dark_colour_scheme(site: Site, browser: Browser) -> None:
    context = browser.new_context(color_scheme="dark", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, site.url, ORGANIZER)
        assert_accessible(page)
        open_manage(page, site.url)
        page.get_by_role("link", name="Straw poll", exact=True).click()
        assert_accessible(page)
        page.get_by_label("Question").fill("Lunch first?")
        page.get_by_label("Options", exact=True).fill("only one option")
        page.get_by_role("button", name="Post", exact=True).click()
        expect(page.get_by_role("alert")).to_be_visible()  # the error colours, too
        assert_accessible(page)
        page.goto(f"{site.url}/hubs/{HUB}")
        assert_accessible(page)
    finally:
        context.close()
