"""Two newswire admin flows in a browser, as a person does them, every page axe-checked:
a node admin merges a duplicate from the queue (the web side of ``ionode news merge``),
and makes an organizer a news moderator on /admin/news-moderators, who can then open
the queue until the admin removes them again."""

from __future__ import annotations

import itertools
import os

from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import ORGANIZER, PASSWORD, Site, assert_accessible, sign_in

_serial = itertools.count(1)


def _unique(stem: str) -> str:
    """A name no other browser test of this node uses (tests share one node per worker)."""
    return f"{stem}{os.getpid()}n{next(_serial)}"


def test_an_admin_merges_a_duplicate_from_the_queue(site: Site, page: Page) -> None:
    tag = _unique("")
    first, second = f"Crane drivers strike {tag}", f"Crane strike begins {tag}"
    for title in (first, second):  # two visitors sent the same news
        site.cli("news", "submit", "--title", title, "--body", "The cranes stopped at 6.")
    sign_in(page, site.url, ORGANIZER)
    page.goto(f"{site.url}/news")  # the newswire's front page leads moderators to the queue
    page.get_by_role("link", name="Moderation queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    assert_accessible(page)
    duplicate = page.get_by_role("article", name=second)
    duplicate.get_by_label("Duplicate of").select_option(label=_option(page, first))
    duplicate.get_by_role("button", name="Merge as a duplicate").click()
    expect(page.get_by_role("status")).to_contain_text("merged as a duplicate")
    assert_accessible(page)
    expect(page.get_by_role("article", name=second)).to_have_count(0)
    expect(page.get_by_role("article", name=first)).to_have_count(1)
    page.get_by_role("link", name="moderation log").first.click()
    entry = page.get_by_role("listitem").filter(has_text=second)
    expect(entry).to_contain_text("merged as a duplicate")
    expect(entry).to_contain_text(f"Merged into: {first}")
    assert_accessible(page)


def _option(page: Page, title: str) -> str:
    """The label of the queue's "Duplicate of" option naming ``title`` (it starts with
    the item's number, which the person reads off the list)."""
    options = page.get_by_role("option").filter(has_text=title)
    return str(options.first.text_content()).strip()


def test_an_admin_makes_an_organizer_a_news_moderator_and_removes_them(
    site: Site, page: Page, browser: Browser
) -> None:
    name = _unique("mod")
    site.cli("user", "create", name, "--password-stdin", stdin=PASSWORD + "\n")
    sign_in(page, site.url, ORGANIZER)
    page.goto(f"{site.url}/admin")
    page.get_by_role("link", name="News moderators").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("News moderators")
    assert_accessible(page)
    page.get_by_label("Username of an organizer of this node").fill(f"{name}x")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()  # no such organizer
    assert_accessible(page)
    page.get_by_label("Username of an organizer of this node").fill(name)
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("is now a news moderator")
    expect(page.get_by_role("listitem").filter(has_text=f"@{name}")).to_have_count(1)
    assert_accessible(page)

    context = browser.new_context()
    try:
        moderator = context.new_page()
        sign_in(moderator, site.url, name)
        moderator.goto(f"{site.url}/news")
        moderator.get_by_role("link", name="Moderation queue").click()
        expect(moderator.get_by_role("heading", level=1)).to_have_text("Moderation queue")
        assert_accessible(moderator)

        page.get_by_role("button", name=f"Remove {name} from the news moderators").click()
        expect(page.get_by_role("status")).to_contain_text("no longer a news moderator")
        expect(page.get_by_role("listitem").filter(has_text=f"@{name}")).to_have_count(0)
        assert_accessible(page)
        moderator.goto(f"{site.url}/news")
        expect(moderator.get_by_role("link", name="Moderation queue")).to_have_count(0)
        answer = moderator.goto(f"{site.url}/news/queue")
        assert answer is not None and answer.status == 403
    finally:
        context.close()
