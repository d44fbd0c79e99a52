"""From the hub directory to a cross-post (issue 9 items 5 and 6): an organizer finds a
hub in the directory, presses "Post here", chooses the hub they post from and what they
write, composes, and sees where it stands in each hub; the directory offers its Atom
feed and a ``webcal://`` subscription to the calls and actions of the hubs found."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from tests.browser.harness import HUB, ORGANIZER, Site, assert_accessible, sign_in, submit

TARGET = "posthere_tideway"
TARGET_TITLE = "Posthere Tideway Caucus"
FINDER = "finder_wharfside"
FINDER_TITLE = "Finder Wharfside Pickets"


def test_an_organizer_posts_into_a_hub_found_in_the_directory(site: Site, page: Page) -> None:
    site.cli("hub", "create", TARGET, "--title", TARGET_TITLE)
    site.cli("hub", "set", TARGET, "--posting-policy", "moderated", "--tag", "tideway")
    text = "Posted here from the directory: the tideway caucus meets at the lock"

    sign_in(page, site.url, ORGANIZER)
    page.goto(f"{site.url}/network/directory")
    page.get_by_label("Search", exact=True).fill("tideway caucus")
    page.get_by_role("button", name="Search", exact=True).click()
    hubs = page.locator("li.directory-hub")
    expect(hubs).to_have_count(1)
    # the feeds of this search: Atom, and the calendar to subscribe to, with the search
    feed = page.get_by_role("link", name="Atom feed")
    assert parse_qs(urlsplit(feed.get_attribute("href") or "").query) == {"q": ["tideway caucus"]}
    webcal = page.get_by_role("link", name="Subscribe to their calls and actions")
    expect(webcal).to_have_attribute(
        "href", f"webcal://{site.url.split('://', 1)[1]}/network/directory.ics?q=tideway+caucus"
    )
    expect(page.locator('link[rel="alternate"][type="application/atom+xml"]')).to_have_count(1)
    expect(page.locator('link[rel="alternate"][type="text/calendar"]')).to_have_count(1)
    assert_accessible(page)

    hubs.first.get_by_role("link", name=f"Post in {TARGET_TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Post in {TARGET_TITLE}")
    assert_accessible(page)
    page.get_by_role("radio", name=f"@{HUB}@", exact=False).check()
    page.get_by_role("radio", name="Update", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    # the compose form of the organizer's hub, the hub found ticked
    expect(page.get_by_role("checkbox", name=TARGET_TITLE, exact=False)).to_be_checked()
    assert_accessible(page)
    page.get_by_label("Text").fill(text)
    submit(page)

    expect(page.get_by_role("heading", name="Where it was posted")).to_be_visible()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows.filter(has_text=HUB)).to_contain_text("Published")
    expect(rows.filter(has_text=TARGET)).to_contain_text("Held for moderation")


def test_from_the_compose_form_to_the_directory_and_back(site: Site, page: Page) -> None:
    site.cli("hub", "create", FINDER, "--title", FINDER_TITLE)
    sign_in(page, site.url, ORGANIZER)
    page.goto(f"{site.url}/hubs/{HUB}/post/poll")
    page.get_by_role("link", name="Find a hub in the directory").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hub directory")
    page.get_by_label("Search", exact=True).fill("finder wharfside")
    page.get_by_role("button", name="Search", exact=True).click()  # keeps the form in mind
    assert_accessible(page)
    page.locator("li.directory-hub").first.get_by_role(
        "link", name=f"Post in {FINDER_TITLE}"
    ).click()
    expect(page).to_have_url(f"{site.url}/hubs/{HUB}/post/poll?to={FINDER}")
    expect(page.get_by_role("checkbox", name=FINDER_TITLE, exact=False)).to_be_checked()
    assert_accessible(page)
