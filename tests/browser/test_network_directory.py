"""A visitor finds hubs of the movement: from the network timeline to the hub directory,
searches it, narrows it to a tag and is offered to follow the hub found."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from node.db import make_engine
from node.network.directory import learn_group
from tests.browser.harness import Site, assert_accessible

HUBS = [("directory-oakland.example", "dockers", "Dockworkers Rank and File",
         "Organising every quayside", ["harbour", "labour"]),
        ("directory-berlin.example", "hafen", "Hafenarbeiter Hamburg",
         "Solidarity between quayside towns", ["harbour"]),
        ("directory-berlin.example", "mieten", "Mieterinitiative", "Rent caps now",
         ["housing"])]


def seed(site: Site) -> None:
    engine = make_engine(site.node.database)
    try:
        with engine.begin() as conn:
            for host, name, title, mission, tags in HUBS:
                uri = f"https://{host}/hubs/{name}"
                learn_group(conn, {
                    "id": uri, "type": "Group", "preferredUsername": name, "name": title,
                    "summary": f"<p>{mission}</p>", "url": uri,
                    "tag": [{"type": "Hashtag", "name": f"#{t}"} for t in tags]},
                    datetime.now(UTC), followers=4)
    finally:
        engine.dispose()


def test_visitor_searches_the_directory_and_narrows_it_to_a_tag(site: Site,
                                                               page: Page) -> None:
    seed(site)
    page.goto(f"{site.url}/network")
    page.get_by_role("link", name="Hub directory").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hub directory")
    page.get_by_label("Search", exact=True).fill("quayside")
    page.get_by_role("button", name="Search", exact=True).click()
    hubs = page.locator("li.directory-hub")
    expect(hubs).to_have_count(2)
    expect(hubs.first.get_by_role("heading", level=2)).to_have_text("Dockworkers Rank and File")
    expect(hubs.nth(1)).to_contain_text("@hafen@directory-berlin.example")
    assert_accessible(page)

    hubs.first.get_by_role("link", name="#labour").click()
    expect(hubs).to_have_count(1)
    expect(page.get_by_label("Tag")).to_have_value("labour")
    follow = hubs.first.get_by_role("link", name="Follow Dockworkers Rank and File")
    expect(follow).to_have_attribute("href", "https://directory-oakland.example/hubs/dockers")
    expect(hubs.first).to_contain_text("4 followers")
    assert_accessible(page)
