"""A reader follows the movement from the home page: opens the network timeline, sees
what arrived from a followed node with its hub and node, and narrows it to events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from node.db import make_engine
from tests.browser.harness import Site, assert_accessible
from tests.node.network_timeline_support import add_hub, add_item

HOST = "timeline-oakland.example"


def seed(site: Site) -> None:
    engine = make_engine(site.node.database)
    now = datetime.now(UTC)
    try:
        hub = add_hub(engine, HOST, "tenants", "Oakland Tenants Union")
        add_item(engine, 1, now - timedelta(hours=3), host=HOST, hub=hub)
        add_item(engine, 2, now - timedelta(hours=2), host=HOST, hub=hub, kind="Event",
                 name="Rent strike assembly", startTime=(now + timedelta(days=2)).isoformat())
        add_item(engine, 3, now - timedelta(hours=1), host=HOST, hub=hub, kind="Article",
                 name="Minutes of the assembly", summary="<p>We voted to strike.</p>")
    finally:
        engine.dispose()


def test_reader_opens_the_network_timeline_and_filters_by_kind(site: Site,
                                                               page: Page) -> None:
    seed(site)
    page.goto(site.url)
    page.get_by_role("link", name="Network timeline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Network timeline")
    page.get_by_label("Node", exact=True).fill(HOST)
    page.get_by_role("button", name="Show", exact=True).click()
    cards = page.locator(".network-entry")
    expect(cards).to_have_count(3)
    expect(cards.first).to_contain_text("Minutes of the assembly")
    expect(cards.first.get_by_role("link", name="Oakland Tenants Union")).to_have_attribute(
        "href", f"https://{HOST}/hubs/tenants")
    expect(cards.first.get_by_role("link", name=HOST)).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Kind").select_option(label="Event")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(cards).to_have_count(1)
    expect(cards.first.get_by_role("heading", level=2)).to_have_text("Rent strike assembly")
    expect(page.get_by_label("Kind")).to_have_value("Event")
    expect(page.get_by_label("Node", exact=True)).to_have_value(HOST)
    assert_accessible(page)

    page.get_by_role("link", name="Only this hub").first.click()
    expect(cards).to_have_count(3)
    expect(page.get_by_label("Hub", exact=True)).to_have_value(f"https://{HOST}/hubs/tenants")
