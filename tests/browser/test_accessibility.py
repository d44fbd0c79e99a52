"""The axe-core gate itself, and the pages in the dark colour scheme on a narrow screen.

The other browser tests check every page they visit in the light scheme at desktop
width; a dark-scheme reader gets other colours (style.css ``prefers-color-scheme:
dark``), so contrast is checked there too, and at 320 CSS pixels wide nothing may need
sideways scrolling (WCAG 2.2 SC 1.4.10 Reflow, which axe-core does not test).
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


def assert_reflows(page: Page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways at 320 px: {widths}"


def test_pages_pass_axe_and_reflow_in_the_dark_on_a_narrow_screen(
        site: Site, browser: Browser) -> None:
    context = browser.new_context(color_scheme="dark", viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        sign_in(page, site.url, ORGANIZER)
        assert_accessible(page)
        assert_reflows(page)
        open_manage(page, site.url)
        assert_reflows(page)
        page.get_by_role("link", name="Straw poll", exact=True).click()
        assert_accessible(page)
        page.get_by_label("Question").fill("Lunch first?")
        page.get_by_label("Options", exact=True).fill("only one option")
        page.get_by_role("button", name="Post", exact=True).click()
        expect(page.get_by_role("alert")).to_be_visible()  # the error colours, too
        assert_accessible(page)
        assert_reflows(page)
        page.goto(f"{site.url}/hubs/{HUB}")
        assert_accessible(page)
        assert_reflows(page)
    finally:
        context.close()
