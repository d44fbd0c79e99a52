"""The manage page's edit form for events and calls, and the careful refusals on the forms.

The same service as ``ionode event edit`` / ``ionode call edit`` (tests/node/
test_event_edit.py): here, what the pages offer, send and refuse.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import update

from node.hubs.hub.models import Hub
from node.settings import Settings
from tests.node.hub_pages_support import (
    BASE,
    CALL_FORM,
    HUB,
    MANAGE,
    POSTS,
    Site,
    _objects,
    a_series,
    open_site,
)

EVENT_FORM = POSTS["event"][0]
_hubs = Hub.__table__  # type: ignore[attr-defined]


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    with open_site(settings) as site:
        site.person("nate", "admin")
        site.person("mia")
        site.sign_in("nate")
        yield site


def posted(site: Site, kind: str, data: dict[str, str]) -> str:
    assert site.send(f"/hubs/{HUB}/post/{kind}", data).status_code == 303
    return str(site.rows(_objects)[-1].uri)


def edit_url(uri: str) -> str:
    return f"/hubs/{HUB}/events/edit?uri={quote(uri, safe='')}"


def test_an_event_is_edited_from_the_manage_page(site: Site) -> None:
    # Given an event posted through the form, the manage page links to its edit form,
    # which starts from the event as it is.
    uri = posted(site, "event", EVENT_FORM)
    link = re.search(r'href="(/hubs/portshutdown/events/edit\?uri=[^"]+)"',
                     site.client.get(MANAGE).text)
    assert link is not None
    form = site.client.get(html.unescape(link.group(1)))
    assert form.status_code == 200
    for value in ('value="March to the port"', 'value="2026-12-12T07:00"',
                  'value="Frank Ogawa Plaza"', 'value="America/Los_Angeles"'):
        assert value in form.text
    # When the place and title change, then Update goes out, and a Note tells of the place.
    before = len(site.outbox())
    response = site.send(f"/hubs/{HUB}/events/edit", {
        **EVENT_FORM, "uri": uri, "title": "March on the port", "place_name": "Lake Merritt"})
    assert response.headers["location"] == f"{MANAGE}?done=event-edited"
    assert site.outbox()[before:] == ["Update", "Create", "Announce", "Announce"]
    (event,) = site.rows(_objects, _objects.c.uri == uri)
    assert event.document["name"] == "March on the port"
    assert event.document["location"]["name"] == "Lake Merritt"
    (note,) = site.rows(_objects, _objects.c.type == "Note")
    assert "Moved:" in note.document["content"] and "Lake Merritt" in note.document["content"]
    assert "Saved: followers got the new version" in site.client.get(
        response.headers["location"]).text


@pytest.mark.parametrize(("change", "message"), [
    ({"place_name": "", "place_address": ""}, "An event needs a place"),
    ({"start": "2026-11-01T07:00", "end": "2026-11-01T08:00"}, "would start in the past"),
])
def test_a_refused_edit_shows_the_form_again_and_changes_nothing(
        site: Site, change: dict[str, str], message: str) -> None:
    uri = posted(site, "event", EVENT_FORM)
    before = len(site.outbox())
    response = site.send(f"/hubs/{HUB}/events/edit", {**EVENT_FORM, "uri": uri, **change})
    assert response.status_code == 400 and message in response.text
    assert 'role="alert"' in response.text and 'value="March to the port"' in response.text
    assert len(site.outbox()) == before
    (event,) = site.rows(_objects, _objects.c.uri == uri)
    assert event.document["startTime"] == "2026-12-12T07:00:00-08:00"


def test_a_call_series_is_edited_as_a_whole_without_its_time(site: Site) -> None:
    series, first, *_ = a_series(site)
    form = site.client.get(edit_url(series)).text
    assert "Edit the call series" in form and 'type="hidden" name="start"' in form
    response = site.send(f"/hubs/{HUB}/events/edit", {
        "uri": series, "title": "National call", "start": "2026-11-23T19:00",
        "duration": "60", "timezone": "America/New_York", "call_url": "https://call.example/x",
        "dial_in": "+1 555 010 0100"})
    assert response.status_code == 303
    (occurrence,) = site.rows(_objects, _objects.c.uri == first)
    assert occurrence.document["dialIn"] == "+1 555 010 0100"
    (note,) = site.rows(_objects, _objects.c.type == "Note")
    assert "New way to join" in note.document["content"]
    bad = site.send(f"/hubs/{HUB}/events/edit", {
        "uri": first, "title": "National call", "start": "2026-11-23T19:00",
        "duration": "60", "timezone": "America/New_York", "dial_in": "call me maybe"})
    assert bad.status_code == 400 and "cannot be dialled" in bad.text


def test_only_its_organizer_or_a_steward_edits_and_only_events_and_calls(site: Site) -> None:
    uri = posted(site, "event", EVENT_FORM)
    site.sign_in("mia")
    refused = site.send(f"/hubs/{HUB}/events/edit", {**EVENT_FORM, "uri": uri,
                                                     "title": "Mine now"})
    assert refused.status_code == 400 and "may not change" in refused.text
    site.sign_in("nate")
    update = posted(site, "update", {"text": "hello"})
    assert site.client.get(edit_url(update)).status_code == 404
    assert site.client.get(edit_url(f"{BASE}/objects/none")).status_code == 404


def test_the_compose_forms_want_the_past_box_and_a_diallable_dial_in(site: Site) -> None:
    past = {**EVENT_FORM, "start": "2026-11-01T07:00", "end": "2026-11-01T09:00"}
    refused = site.send(f"/hubs/{HUB}/post/event", past)
    assert refused.status_code == 400 and "It is in the past" in refused.text
    site.nothing_stored()
    nowhere = {**EVENT_FORM, "place_name": "", "place_address": ""}
    assert "An event needs a place" in site.send(f"/hubs/{HUB}/post/event", nowhere).text
    maybe = {**CALL_FORM, "dial_in": "call me maybe"}
    assert "cannot be dialled" in site.send(f"/hubs/{HUB}/post/call", maybe).text
    site.nothing_stored()
    assert site.send(f"/hubs/{HUB}/post/event", {**past, "past": "1"}).status_code == 303


def test_moving_into_the_past_from_the_manage_page_needs_the_box(site: Site) -> None:
    uri = posted(site, "event", EVENT_FORM)
    assert 'name="past"' in site.client.get(MANAGE).text
    refused = site.send(f"/hubs/{HUB}/events/move", {"uri": uri, "start": "2026-11-02T07:00"})
    assert refused.status_code == 400 and "would start in the past" in refused.text
    moved = site.send(f"/hubs/{HUB}/events/move", {"uri": uri, "start": "2026-11-02T07:00",
                                                   "past": "1"})
    assert moved.status_code == 303
    (event,) = site.rows(_objects, _objects.c.uri == uri)
    assert event.document["startTime"] == "2026-11-02T07:00:00-08:00"


def _zone_field(page: str) -> str:
    """The zone selected in the timezone picker (a <select>, see _timezone.html)."""
    match = re.search(r'<select[^>]*name="timezone".*?</select>', page, re.S)
    assert match is not None, "no timezone field"
    value = re.search(r'<option value="([^"]*)" selected>', match.group(0))
    return html.unescape(value.group(1)) if value else ""


def test_a_hubs_first_event_form_starts_in_the_hubs_zone_else_the_nodes(site: Site) -> None:
    # The timezone field is required: a hub's first event form showed it empty, ignoring
    # the hub's own timezone. With none set, the node's zone fills it.
    assert _zone_field(site.client.get(f"/hubs/{HUB}/post/event").text) == (
        site.node.settings.timezone)
    with site.node.engine.begin() as conn:
        conn.execute(update(_hubs).values(timezone="Europe/Madrid"))
    for kind in ("event", "call"):
        assert _zone_field(site.client.get(f"/hubs/{HUB}/post/{kind}").text) == "Europe/Madrid"


def test_an_error_that_is_no_refusal_is_not_shown_to_the_member(site: Site) -> None:
    # Only the services' refusals are shown on the form. A stored event whose
    # `published` no longer reads (data from an older version, a hand edit) makes
    # datetime.fromisoformat fail: a server error, not "Invalid isoformat string" on a
    # 400 page as if the member had typed something wrong.
    uri = posted(site, "event", EVENT_FORM)
    (event,) = site.rows(_objects, _objects.c.uri == uri)
    with site.node.engine.begin() as conn:
        conn.execute(update(_objects).where(_objects.c.uri == uri).values(
            document={**event.document, "published": "last Tuesday"}))
    response = site.send(f"/hubs/{HUB}/events/edit",
                         {**EVENT_FORM, "uri": uri, "title": "Moved"})
    assert response.status_code == 500
    assert "isoformat" not in response.text and "last Tuesday" not in response.text
    (unchanged,) = site.rows(_objects, _objects.c.uri == uri)
    assert unchanged.document["name"] == "March to the port"
