"""Reports in a browser: a visitor with no account reports an item from its page and
keeps the private tracking link; the node admin dismisses the report from the reports
queue; the tracking page and the public moderation log say so. Every page passes axe."""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import HUB, ORGANIZER, Site, assert_accessible, sign_in

_serial = itertools.count(1)
_OBJECT = re.compile(r"https?://\S+/objects/[A-Za-z0-9]+")


def test_a_visitor_reports_an_item_a_moderator_dismisses_it(
    site: Site, page: Page, browser: Browser
) -> None:
    text = f"Cheap watches, visit our shop {next(_serial)}"
    found = _OBJECT.search(site.cli("post", "--as", ORGANIZER, "--hub", HUB, text))
    assert found is not None
    context = browser.new_context()  # the visitor: no account, no cookies
    try:
        visitor = context.new_page()
        visitor.goto(found.group(0))
        visitor.get_by_role("link", name="Report", exact=True).click()
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Report to the moderators")
        expect(visitor.get_by_text(text)).to_be_visible()
        assert_accessible(visitor)
        visitor.get_by_label("Spam or advertising").check()
        visitor.get_by_label("What should the moderators know?").fill("Looks like an advert")
        visitor.get_by_role("button", name="Send the report").click()
        expect(visitor.get_by_role("status")).to_contain_text("waiting for a moderator")
        link = visitor.get_by_label("Your private link").input_value()
        assert link.startswith(f"{site.url}/report/track/")
        assert_accessible(visitor)

        sign_in(page, site.url, ORGANIZER)  # the node's admin moderates
        page.goto(f"{site.url}/news/reports")
        expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
        assert_accessible(page)
        report = page.get_by_role("article").filter(has_text="Looks like an advert")
        expect(report).to_contain_text("reported anonymously")
        report.get_by_label("Public note").fill("A local shop's notice, allowed here")
        report.get_by_role("button", name="Dismiss").click()
        expect(page.get_by_role("status")).to_contain_text("The report is dismissed")

        visitor.goto(link)
        expect(visitor.get_by_text("Dismissed: the moderators found nothing")).to_be_visible()
        visitor.get_by_role("link", name="moderation log").click()
        entry = visitor.get_by_role("listitem").filter(has_text=text)
        expect(entry).to_contain_text("report dismissed")
        expect(entry).to_contain_text("A local shop's notice, allowed here")
        expect(entry).to_contain_text("a node admin")
        expect(visitor.get_by_text("Looks like an advert")).to_have_count(0)
        assert_accessible(visitor)
    finally:
        context.close()
