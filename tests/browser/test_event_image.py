"""An organizer gives an event a picture, replaces it from the edit form (a missing
description is explained there), and a phone loads the 320 px file; then removes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Locator, Page, expect

from tests.browser.harness import (
    ORGANIZER,
    Site,
    assert_accessible,
    compose,
    open_manage,
    sign_in,
    submit,
)
from tests.media_support import image_bytes

TITLE = "Picnic at the harbour gates"
SAVED = ("Saved: followers got the new version (and a note, if the time, place or way to "
         "join changed).")


def local(days: int, hour: int) -> str:
    when = datetime.now(UTC) + timedelta(days=days)
    return when.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def card(page: Page) -> Locator:
    return page.get_by_role("region", name="Upcoming calls and events").get_by_role(
        "article").filter(has=page.get_by_role("link", name=TITLE, exact=True))


def choose(page: Page, label: str, size: tuple[int, int], color: tuple[int, int, int]) -> None:
    page.get_by_label(label).set_input_files(files=[{
        "name": "picture.jpg", "mimeType": "image/jpeg",
        "buffer": image_bytes(size, color=color)}])


def test_replace_and_remove_an_events_picture(site: Site, page: Page) -> None:
    sign_in(page, site.url, ORGANIZER)
    open_manage(page, site.url)
    compose(page, "Event")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Starts").fill(local(40, 12))
    page.get_by_label("Ends").fill(local(40, 15))
    page.get_by_label("Place name").fill("Gate 3")
    choose(page, "Image file", (1200, 800), (200, 40, 40))
    page.get_by_label("What the image shows").fill("A hand-drawn map to gate 3")
    submit(page)
    expect(page.get_by_role("status")).to_contain_text("Posted")

    card(page).get_by_role("link", name="Edit").click()
    expect(page.get_by_role("img", name="A hand-drawn map to gate 3")).to_be_visible()
    assert_accessible(page)
    choose(page, "Image file", (1600, 1000), (30, 120, 60))
    submit(page, "Save and send the change")
    expect(page.get_by_role("alert")).to_have_text(
        "Describe the image for people who cannot see it (alt text).")
    assert_accessible(page)
    choose(page, "Image file", (1600, 1000), (30, 120, 60))
    page.get_by_label("What the image shows").fill("Families on the grass by gate 3")
    submit(page, "Save and send the change")
    expect(page.get_by_role("status")).to_have_text(SAVED)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone, 1 device pixel
    card(page).get_by_role("link", name=TITLE).click()
    photo = page.get_by_role("img", name="Families on the grass by gate 3")
    photo.scroll_into_view_if_needed()
    expect(photo).to_be_visible()
    photo.evaluate("img => img.decode()")
    chosen = {entry.split(" ")[1]: entry.split(" ")[0]
              for entry in (photo.get_attribute("srcset") or "").split(", ")}
    assert list(chosen) == ["320w", "640w", "1280w"]
    assert photo.evaluate("img => img.currentSrc") == chosen["320w"]  # not the 1280 px one
    assert page.get_by_role("img", name="A hand-drawn map to gate 3").count() == 0
    assert_accessible(page)

    page.go_back()
    card(page).get_by_role("link", name="Edit").click()
    page.get_by_label("Remove the image").check()
    submit(page, "Save and send the change")
    expect(page.get_by_role("status")).to_have_text(SAVED)
    card(page).get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert page.locator("figure.attachment img").count() == 0
