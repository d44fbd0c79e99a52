"""A hub follows a source in the browser: the bike kitchen's steward opens the hub's
linked hubs page, has the hub follow a Gancio instance (a fake one on loopback) by its
address, sees it pending then following; the instance's event shows on the hub page
marked as the source's with its place; the steward hides it, then stops following.
(Each browser test's hub name is its own: the tier shares one node per worker.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from federation_tests.fake_peer import FakePeer
from federation_tests.gancio_support import gancio_create, gancio_event
from tests.browser.harness import ORGANIZER, Site, assert_accessible, open_manage, sign_in

KITCHEN, KITCHEN_TITLE = "bikekitchen", "Bike Kitchen Collective"


@pytest.fixture
def gancio() -> Iterator[FakePeer]:
    peer = FakePeer(people=())
    peer.start()
    yield peer
    peer.stop()


def test_a_steward_follows_a_gancio_instance_and_its_event_shows(
    site: Site, page: Page, gancio: FakePeer
) -> None:
    site.cli("hub", "create", KITCHEN, "--title", KITCHEN_TITLE, "--admin", ORGANIZER)
    sign_in(page, site.url, ORGANIZER)
    open_manage(page, site.url, KITCHEN_TITLE)
    page.get_by_role("navigation", name="Hub administration").get_by_role(
        "link", name="Linked hubs"
    ).click()
    sources = page.get_by_role("region", name="Sources")
    expect(sources).to_contain_text("This hub follows no sources yet.")
    sources.get_by_label("The source's address").fill(gancio.actor())
    sources.get_by_role("button", name="Follow this source").click()
    expect(page.get_by_role("status")).to_contain_text("Follow requested")
    assert_accessible(page)
    row = page.get_by_role("region", name="Sources").get_by_role("row").nth(1)
    expect(row).to_contain_text(gancio.actor().split("://", 1)[1].split("/", 1)[0])
    for _ in range(30):  # the instance accepts in the background
        if "following" in row.inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(row).to_contain_text("following")

    start = (datetime.now(UTC) + timedelta(days=3)).replace(
        hour=16, minute=30, second=0, microsecond=0
    )
    event = gancio_event(gancio, start)
    assert gancio.send(gancio.actor(), f"{site.url}/inbox", gancio_create(gancio, event)) == 202
    card = page.locator("article", has_text="Bike repair workshop")
    for _ in range(30):
        page.goto(f"{site.url}/hubs/{KITCHEN}")
        if card.count():
            break
        page.wait_for_timeout(500)
    expect(card.locator(".source-mark")).to_have_text("Source")
    expect(card).to_contain_text("Centro sociale La Fucina")
    expect(card.get_by_role("link", name="original")).to_have_attribute("href", event["id"])
    assert_accessible(page)
    card.get_by_role("button", name="Hide from this hub").click()
    expect(page.locator("article", has_text="Bike repair workshop")).to_have_count(0)

    page.goto(f"{site.url}/hubs/{KITCHEN}/links")
    page.get_by_role("region", name="Sources").get_by_role("button", name="Stop following").click()
    expect(page.get_by_role("status")).to_contain_text("No longer following the source")
    expect(page.get_by_role("region", name="Sources")).to_contain_text(
        "This hub follows no sources yet."
    )
    assert_accessible(page)
