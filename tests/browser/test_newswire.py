"""The newswire in a browser: a visitor with no account sends news and keeps the private
tracking link; a node admin approves it from the queue; it is on the news front page,
the tracking page says so and the moderation log lists the decision. Every page passes
axe."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import ORGANIZER, Site, assert_accessible, sign_in

CONDUCT = "# Code of Conduct\n\n1. Be truthful.\n2. No harassment.\n"
_serial = itertools.count(1)


def test_a_visitor_sends_news_a_moderator_approves_it(
    site: Site, page: Page, browser: Browser, tmp_path: Path
) -> None:
    title = f"Dock workers walk out {next(_serial)}"
    conduct = tmp_path / "conduct.md"
    conduct.write_text(CONDUCT)
    site.cli("news", "conduct", "edit", "--file", str(conduct))
    context = browser.new_context()  # the visitor: no account, no cookies
    try:
        visitor = context.new_page()
        visitor.goto(site.url)  # the home page leads to the newswire
        visitor.get_by_role("link", name="newswire", exact=True).click()
        expect(visitor.get_by_role("heading", level=1)).to_contain_text("news")
        assert_accessible(visitor)
        visitor.get_by_role("link", name="Send news").click()
        assert_accessible(visitor)
        visitor.get_by_label("Title").fill(title)
        visitor.get_by_label("Text", exact=True).fill("The night shift **stopped** at 2.")
        visitor.get_by_label("Source").fill("ftp://example.org/dock")
        visitor.get_by_label("Contact e-mail").fill("dock@example.net")
        visitor.get_by_role("button", name="Send the news").click()
        expect(visitor.get_by_role("alert")).to_contain_text("The source must be a web address")
        expect(visitor.get_by_label("Title")).to_have_value(title)  # kept
        assert_accessible(visitor)
        visitor.get_by_label("Source").fill("https://example.org/dock")
        visitor.get_by_role("button", name="Send the news").click()
        expect(visitor.get_by_role("status")).to_contain_text("waiting for a moderator")
        link = visitor.get_by_label("Your private link").input_value()
        assert link.startswith(f"{site.url}/news/track/")
        assert_accessible(visitor)

        sign_in(page, site.url, ORGANIZER)  # the node's admin moderates the news
        page.goto(f"{site.url}/news/queue")
        expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
        assert_accessible(page)
        # named by its heading: another queued item's "Duplicate of" list names it too
        item = page.get_by_role("article", name=re.compile(rf"^{re.escape(title)} \("))
        expect(item).to_contain_text("dock@example.net")
        item.get_by_role("button", name="Approve and publish").click()
        expect(page.get_by_role("status")).to_contain_text("The news is published")

        visitor.goto(link)
        expect(visitor.get_by_text("Approved and published")).to_be_visible()
        visitor.get_by_role("link", name="read it on the newswire").click()
        expect(visitor.get_by_role("heading", level=1)).to_contain_text(title)
        visitor.goto(f"{site.url}/news")
        expect(visitor.get_by_role("link", name=title)).to_be_visible()
        expect(visitor.get_by_text("dock@example.net")).to_have_count(0)
        visitor.get_by_role("link", name="Moderation log").click()
        row = visitor.get_by_role("listitem").filter(has_text=title)
        expect(row).to_contain_text("approved")
        expect(row).to_contain_text("a node admin")
        assert_accessible(visitor)
        visitor.goto(f"{site.url}/news/conduct")
        expect(visitor.get_by_text("No harassment.")).to_be_visible()
        assert_accessible(visitor)
    finally:
        context.close()
