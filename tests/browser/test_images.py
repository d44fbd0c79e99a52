"""A hub admin gives the hub an avatar with alt text, and posts an update with a photo:
a refused file is explained on the form, the images show, every page passes axe-core."""

from __future__ import annotations

from playwright.sync_api import Page, expect

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

ALT = "A raised fist in front of the harbour cranes"


def test_upload_an_avatar_and_an_update_photo(site: Site, page: Page) -> None:
    sign_in(page, site.url, ORGANIZER)
    open_manage(page, site.url)
    page.get_by_role("link", name="avatar and header").click()
    assert_accessible(page)
    avatar = page.get_by_role("region", name="Avatar")

    # Not an image, whatever its name says: refused on the form, the alt text kept.
    avatar.get_by_label("New avatar").set_input_files(
        files=[{"name": "fist.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture"}])
    avatar.get_by_label("Alt text").fill(ALT)
    avatar.get_by_role("button", name="Upload the avatar").click()
    page.wait_for_load_state()
    avatar = page.get_by_role("region", name="Avatar")
    expect(avatar.get_by_role("alert")).to_have_text(
        "The file is not a JPEG, PNG, WebP or GIF image.")
    expect(avatar.get_by_label("Alt text")).to_have_value(ALT)
    assert_accessible(page)

    avatar.get_by_label("New avatar").set_input_files(files=[{
        "name": "fist.png", "mimeType": "image/png",
        "buffer": image_bytes((600, 600), "PNG", gps=True)}])
    avatar.get_by_role("button", name="Upload the avatar").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status")).to_have_text(
        "Avatar saved: followers got the new profile.")
    shown = page.get_by_role("region", name="Avatar").get_by_role("img", name=ALT)
    expect(shown).to_be_visible()
    assert shown.evaluate("img => img.complete && img.naturalWidth > 0")  # it really loads
    # shown 12rem wide: the browser takes the 320 px file of its srcset, not the 600 px one
    assert shown.evaluate("img => img.currentSrc") == (
        shown.get_attribute("srcset") or "").split(" ")[0]
    assert_accessible(page)

    page.get_by_role("link", name="back to managing the hub").click()
    compose(page, "Update")
    page.get_by_label("Text", exact=True).fill("The cranes stood still today")
    page.get_by_label("Image file").set_input_files(files=[{
        "name": "cranes.jpg", "mimeType": "image/jpeg", "buffer": image_bytes((1600, 900))}])
    page.get_by_label("What the image shows").fill("Idle cranes against a grey sky")
    submit(page)
    expect(page.get_by_role("status")).to_contain_text("Posted")
    page.goto(f"{site.url}/hubs/assembly")
    page.get_by_role("link").filter(has_text="ActivityPub").first.wait_for()
    card = page.get_by_role("article").filter(has_text="The cranes stood still today")
    card.get_by_role("link").filter(has=page.locator("time")).click()  # its permalink
    photo = page.get_by_role("img", name="Idle cranes against a grey sky")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    assert photo.get_attribute("width") == "1280"  # the largest file's size, for layout
    assert_accessible(page)
