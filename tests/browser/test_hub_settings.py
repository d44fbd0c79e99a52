"""An organizer creates a hub and runs it from the browser: settings with the timezone
picker, a member added and removed, a follow request approved, an outside feed added;
every page passes axe-core."""

from __future__ import annotations

import itertools

from playwright.sync_api import Page, expect

from tests.browser.harness import (
    HUB,
    ORGANIZER,
    OUTSIDER,
    Site,
    assert_accessible,
    seed_follow_request,
    sign_in,
)

_serial = itertools.count(1)
FAN = "https://mastodon.example/users/fan"


def press(page: Page, button: str, *, exact: bool = True) -> None:
    page.get_by_role("button", name=button, exact=exact).click()
    page.wait_for_load_state()
    assert_accessible(page)


def flash(page: Page, text: str) -> None:
    expect(page.get_by_role("status")).to_have_text(text)


def admin_page(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="Hub administration").get_by_role(
        "link", name=label).click()
    assert_accessible(page)


def create_hub(page: Page, site: Site, name: str) -> None:
    """From the home page: "Create a hub", refused once (a taken name), then made."""
    page.goto(f"{site.url}/")
    page.get_by_role("link", name="Create a hub").click()
    assert_accessible(page)
    page.get_by_label("Name").fill(HUB)
    page.get_by_label("Title").fill("Tide watch")
    page.get_by_label("Mission").fill("We watch the **tides**.")
    press(page, "Create the hub")
    expect(page.get_by_role("alert")).to_contain_text(f"The name '{HUB}' is already taken")
    expect(page.get_by_label("Title")).to_have_value("Tide watch")
    page.get_by_label("Name").fill(name)
    press(page, "Create the hub")
    flash(page, "Hub created: you are its admin. Fill in the rest of its profile here.")


def test_an_organizer_creates_and_runs_a_hub(site: Site, page: Page) -> None:
    name = f"tidewatch{next(_serial)}"
    sign_in(page, site.url, ORGANIZER)
    create_hub(page, site, name)

    expect(page.get_by_label("Mission")).to_have_value("We watch the **tides**.")
    page.get_by_label("Region").fill("Bay of Biscay")
    page.get_by_label("Tags").fill("tides, harbour")
    page.get_by_label("Links").fill("Website=https://tides.example")
    page.get_by_label("Timezone").select_option("Europe/Madrid")
    page.get_by_label("Approved followers").check()
    press(page, "Save settings")
    flash(page, "Settings saved: the hub's followers got its new profile.")
    expect(page.get_by_label("Timezone")).to_have_value("Europe/Madrid")
    expect(page.get_by_label("Approved followers")).to_be_checked()

    admin_page(page, "Members and roles")
    page.get_by_label("Username or fediverse address").fill(OUTSIDER)
    press(page, "Add member")
    flash(page, "Member added.")
    press(page, f"Remove @{ORGANIZER}@", exact=False)
    expect(page.get_by_role("alert")).to_contain_text("is the last admin of")
    press(page, f"Remove @{OUTSIDER}@", exact=False)
    flash(page, "Member removed.")
    expect(page.get_by_role("table")).not_to_contain_text(f"@{OUTSIDER}@")

    seed_follow_request(site, name, FAN)
    admin_page(page, "Follow requests")
    expect(page.get_by_role("region", name="Waiting for an answer")).to_contain_text(
        "@fan@mastodon.example")
    press(page, "Approve @fan@mastodon.example")
    flash(page, "Follow request approved.")
    expect(page.get_by_text("No pending requests.")).to_be_visible()

    admin_page(page, "Outside feeds")
    page.get_by_label("Feed address").fill(f"{site.url}/hubs/{HUB}/feed.atom")
    press(page, "Add feed")
    flash(page, "Feed added: its newest entries went out, later ones follow as they appear.")
    expect(page.get_by_role("region", name="Feeds")).to_contain_text("Working")

    admin_page(page, "Post and moderate")
    page.get_by_role("link", name="Event", exact=True).click()
    expect(page.get_by_label("Timezone")).to_have_value("Europe/Madrid")
    assert_accessible(page)
