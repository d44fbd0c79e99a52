"""An organizer runs a hub from the browser: posts every kind, then moves, edits and
cancels an event, with every page passing axe-core."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.harness import (
    HUB_TITLE,
    ORGANIZER,
    Site,
    assert_accessible,
    compose,
    open_manage,
    sign_in,
    submit,
)

POSTED = "Posted: the hub shared it with its followers."
_serial = itertools.count(1)


def unique(text: str) -> str:
    """Titles unique within the session: tests share one node and may run in any order."""
    return f"{text} #{next(_serial)}"


def local(days: int, hour: int = 18) -> str:
    """A datetime-local value ``days`` from now, at ``hour`` o'clock."""
    when = datetime.now(UTC) + timedelta(days=days)
    return when.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def organizer(site: Site, page: Page) -> Page:
    sign_in(page, site.url, ORGANIZER)
    open_manage(page, site.url)
    return page


def flash(page: Page, text: str) -> None:
    expect(page.get_by_role("status")).to_have_text(text)


def post_event(page: Page, title: str, *, days: int = 30) -> None:
    compose(page, "Event")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Starts").fill(local(days))
    page.get_by_label("Ends").fill(local(days, 20))
    page.get_by_label("Timezone").select_option("Europe/Madrid")
    page.get_by_label("Place name").fill("Union hall")
    page.get_by_label("Address").fill("Calle del Puerto 5")
    page.get_by_label("Description").fill("Bring the **strike fund** ledger.")
    submit(page)
    flash(page, POSTED)


def upcoming(page: Page, title: str) -> Locator:
    return page.get_by_role("region", name="Upcoming calls and events").get_by_role(
        "article").filter(has=page.get_by_role("link", name=title, exact=True))


def test_post_every_kind_and_find_it_on_the_hub_page(site: Site, organizer: Page) -> None:
    page = organizer
    update, minutes, event, call = (unique(t) for t in (
        "Picket at berth 5 at dawn", "Minutes of the general assembly", "Solidarity dinner",
        "Coordination call"))
    question = unique("Do we join the regional strike")

    compose(page, "Update")
    page.get_by_label("Text").fill(update)
    submit(page)
    flash(page, POSTED)

    compose(page, "Minutes or a report")
    page.get_by_label("Title", exact=True).fill(minutes)
    page.get_by_label("Summary").fill("Quorum reached; the strike fund is open.")
    page.get_by_label("Minutes", exact=True).fill("## Decisions\n\n1. Open the strike fund.")
    submit(page)
    flash(page, POSTED)

    post_event(page, event)

    compose(page, "Conference call")
    page.get_by_label("Title").fill(call)
    page.get_by_label("Starts").fill(local(7, 19))
    page.get_by_label("Length in minutes").fill("60")
    page.get_by_label("Timezone").select_option("Europe/Madrid")
    page.get_by_label("Once").check()
    page.get_by_label("Call link").fill("https://meet.example/ga")
    page.get_by_label("Agenda").fill("1. Reports\n2. Next steps")
    submit(page)
    flash(page, POSTED)

    compose(page, "Straw poll")
    page.get_by_label("Question").fill(question)
    page.get_by_label("Options", exact=True).fill("yes\nno\nwait a week")
    page.get_by_label("How long").fill("2")
    page.get_by_label("Unit").select_option("days")
    submit(page)
    flash(page, POSTED)

    page.get_by_role("link", name="public page").click()
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(HUB_TITLE)
    for text in (update, minutes, event, call, question):
        expect(page.get_by_text(text).first).to_be_visible()


def test_a_refused_form_keeps_what_was_typed(organizer: Page) -> None:
    page = organizer
    title = unique("Dinner in the past")
    compose(page, "Event")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Starts").fill(local(-3))
    page.get_by_label("Ends").fill(local(-3, 20))
    page.get_by_label("Timezone").select_option("Europe/Madrid")
    submit(page)
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value(title)


def test_vote_on_a_poll_from_its_page(organizer: Page) -> None:
    page = organizer
    question = unique("Shall we occupy the square")
    compose(page, "Straw poll")
    page.get_by_label("Question").fill(question)
    page.get_by_label("Options", exact=True).fill("occupy\nmarch\nwait")
    submit(page)
    flash(page, POSTED)

    poll = page.get_by_role("region", name="Open straw polls").get_by_role("article").filter(
        has_text=question)
    poll.get_by_role("link", name="poll page").click()
    assert_accessible(page)
    expect(page.get_by_text(question)).to_be_visible()
    page.get_by_label("march").check()
    page.get_by_role("button", name=f"Vote as {ORGANIZER}").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.get_by_role("status")).to_have_text("Your vote was counted.")
    expect(page.get_by_text("You voted for “march”.")).to_be_visible()
    expect(page.get_by_role("row", name="march")).to_contain_text("100%")


def test_move_then_cancel_an_event(organizer: Page) -> None:
    page = organizer
    title = unique("Assembly on the docks")
    post_event(page, title)

    card = upcoming(page, title)
    card.get_by_label("New start").fill(local(31, 17))
    card.get_by_role("button", name="Move").click()
    page.wait_for_load_state()
    assert_accessible(page)
    flash(page, "Moved: followers got the new time and a note saying so.")

    card = upcoming(page, title)
    card.get_by_text("Cancel", exact=True).click()
    card.get_by_role("button", name="Yes, cancel and tell followers").click()
    page.wait_for_load_state()
    assert_accessible(page)
    flash(page, "Cancelled: followers got the change and a note saying so.")
    expect(upcoming(page, title)).to_have_count(0)


def test_edit_an_event(organizer: Page) -> None:
    page = organizer
    title, renamed = unique("Bake sale"), unique("Bake sale and raffle")
    post_event(page, title)

    upcoming(page, title).get_by_role("link", name="Edit").click()
    assert_accessible(page)
    expect(page.get_by_label("Title")).to_have_value(title)
    page.get_by_label("Title").fill(renamed)
    page.get_by_label("Place name").fill("Harbour square")
    submit(page, "Save and send the change")
    flash(page, "Saved: followers got the new version (and a note, if the time, place or "
                "way to join changed).")
    upcoming(page, renamed).get_by_role("link", name=renamed).click()
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(renamed)
    expect(page.get_by_text("Harbour square").first).to_be_visible()


def recent(page: Page, text: str) -> Locator:
    return page.get_by_role("region", name="Recent items").get_by_role("article").filter(
        has_text=text)


def test_edit_and_pin_an_update_then_close_a_poll(site: Site, organizer: Page) -> None:
    page = organizer
    text, edited = unique("Meet at gate 3"), unique("Meet at gate 4, not 3")
    compose(page, "Update")
    page.get_by_label("Text").fill(text)
    submit(page)

    recent(page, text).get_by_role("link", name="Edit").click()
    assert_accessible(page)
    page.get_by_label("New text").fill(edited)
    submit(page, "Save and send the edit")
    flash(page, "Edited, and the new version sent to everyone who had it.")
    recent(page, edited).get_by_role("button", name="Pin").click()
    page.wait_for_load_state()
    assert_accessible(page)
    flash(page, "Pinned to the top of the hub page.")
    expect(recent(page, edited)).to_contain_text("pinned")

    page.get_by_role("button", name="Keypad poll: agree / disagree / more questions").click()
    page.wait_for_load_state()
    flash(page, POSTED)
    polls = page.get_by_role("region", name="Open straw polls")
    keypad = polls.get_by_role("article").filter(has_text="Temperature check").first
    keypad.get_by_role("button", name="Close the poll now").click()
    page.wait_for_load_state()
    assert_accessible(page)
    flash(page, "Poll closed; the final tally went out.")

    page.get_by_role("link", name="public page").click()
    assert_accessible(page)
    pinned = page.locator("section").filter(has=page.get_by_role("heading", name="Pinned"))
    expect(pinned.get_by_text(edited)).to_be_visible()
