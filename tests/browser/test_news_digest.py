"""The weekly digest in a browser: a visitor subscribes from the news front page and is
told a confirmation link is on its way; the address waits, pending, and the digests page
opens. Every page passes axe."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.harness import Site, assert_accessible


def test_a_visitor_subscribes_and_the_address_waits_for_confirmation(
    site: Site, browser: Browser
) -> None:
    context = browser.new_context()  # a visitor: no account
    try:
        visitor = context.new_page()
        visitor.goto(f"{site.url}/news")
        form = visitor.get_by_role("region", name="The weekly digest by e-mail")
        form.get_by_label("Your e-mail address").fill("reader@example.org")
        assert_accessible(visitor)
        form.get_by_role("button", name="Subscribe to the weekly digest").click()
        expect(visitor.get_by_role("status")).to_contain_text("check your inbox")
        assert_accessible(visitor)
        visitor.goto(f"{site.url}/news/digests")
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Weekly digests")
        assert_accessible(visitor)
    finally:
        context.close()
    listed = site.cli("news", "subscribers", "list", "--state", "pending")
    assert "reader@example.org\tpending" in listed
