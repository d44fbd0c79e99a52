"""The axe-core gate itself, and the pages in the dark colour scheme on a narrow screen.

The other browser tests check every page they visit in the light scheme at desktop
width; a dark-scheme reader gets other colours (style.css ``prefers-color-scheme:
dark``), so contrast is checked there too, and at 320 CSS pixels wide nothing may need
sideways scrolling (WCAG 2.2 SC 1.4.10 Reflow, which axe-core does not test).
"""

from __future__ import annotations

from typing import Literal

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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_keyboard_focus_is_a_ring_of_the_text_colour(
        site: Site, browser: Browser, scheme: Literal["light", "dark"]) -> None:
    # Chromium's default ring, thin and blue-black, nearly vanished on the dark red buttons
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(f"{site.url}/login")
        page.get_by_label("Username").focus()
        for _ in range(3):  # to the password, then the button, by keyboard as a person does
            if page.evaluate("document.activeElement.tagName") == "BUTTON":
                break
            page.keyboard.press("Tab")
        ring = page.evaluate("""() => {
            const s = getComputedStyle(document.activeElement);
            return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth,
                    s.outlineColor, getComputedStyle(document.body).color];
        }""")
        assert ring[:3] == ["BUTTON", "solid", "3px"] and ring[3] == ring[4]
    finally:
        context.close()


def test_a_field_a_refusal_names_is_marked_where_it_is(site: Site, page: Page) -> None:
    # the manage page's "Move" form came back marked aria-invalid, but looked like the
    # others: the only sign was the message at the top, out of view on a phone
    page.goto(f"{site.url}/login")
    field = page.get_by_label("Username")
    plain = field.evaluate("e => getComputedStyle(e).borderTopWidth")
    field.evaluate("e => e.setAttribute('aria-invalid', 'true')")
    marked = field.evaluate("e => [getComputedStyle(e).borderTopWidth, "
                            "getComputedStyle(e).borderTopColor]")
    assert plain == "1px" and marked == ["2px", "rgb(138, 28, 28)"]  # --accent, light
