"""One-click RSVP on an event's page for people signed in to this node (issue 8, item 5).

The page shows the signed-in organizer's answer and the one button that changes it; the
click goes through the RSVP service, which keeps the place like a remote Join does and
publishes the person's Join or Leave. Everyone else is offered RSVP from their own
fediverse account.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from node.activitypub.models import OutboxActivity
from node.hubs.events.attend import RsvpError, rsvp
from node.hubs.events.rules import EventSpec, Place
from node.hubs.events.service import cancel_event, create_event
from node.hubs.hub.models import EventAttendance
from node.settings import Settings
from tests.conftest import NOW
from tests.node.hub_pages_support import BASE, HTML, HUB, Site, form_token, open_site
from tests.node.web_support import MovableClock

_attendance = EventAttendance.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    with open_site(settings, clock=MovableClock(NOW)) as site:
        site.person("mia")
        site.person("nate")
        yield site


def an_event(site: Site, capacity: int | None = None) -> str:
    spec = EventSpec(title="March to the port", start=NOW + timedelta(days=3),
                     end=NOW + timedelta(days=3, hours=2), timezone="UTC",
                     location=Place("Frank Ogawa Plaza"), capacity=capacity)
    return str(site.run(lambda node, conn: create_event(node, conn, author="mia", hubs=[HUB],
                                                        spec=spec)).object["id"])


def path_of(uri: str) -> str:
    return uri.removeprefix(BASE)


def page(site: Site, uri: str) -> str:
    response = site.client.get(path_of(uri), headers=HTML)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.text)


def click(site: Site, uri: str, going: str) -> Any:
    data = {"csrf_token": form_token(site.client, path_of(uri)), "going": going}
    return site.client.post(f"{path_of(uri)}/rsvp", data=data)


def attending(site: Site, uri: str) -> list[str]:
    return [row.actor_uri for row in site.rows(_attendance, _attendance.c.event_uri == uri)]


def published(site: Site) -> list[tuple[str, Any]]:
    """(type, document) of the RSVP activities in the outbox."""
    return [(row.type, row.document) for row in site.rows(_outbox)
            if row.type in ("Join", "Leave")]


def test_going_and_not_going_in_one_click_each(site: Site) -> None:
    # Given nate signed in on mia's event page, when he presses "I am going", then he is
    # counted, the page says so with the one button that undoes it, and his Join to the
    # organizer is in his outbox; pressing "I am not going" takes it all back with a Leave.
    uri = an_event(site, capacity=10)
    site.sign_in("nate")
    html = page(site, uri)
    assert "You are not going." in html and "0 going · 10 places" in html
    assert '<button type="submit" name="going" value="yes">I am going</button>' in html
    assert 'value="no"' not in html

    response = click(site, uri, "yes")
    assert response.status_code == 303
    assert response.headers["location"] == f"{path_of(uri)}?done=going#rsvp"
    assert attending(site, uri) == [f"{BASE}/users/nate"]
    html = re.sub(r"\s+", " ", site.client.get(response.headers["location"], headers=HTML).text)
    assert "You are going: the organizer has your RSVP." in html
    assert "<strong>You are going.</strong>" in html and "1 going · 10 places" in html
    assert '<button type="submit" name="going" value="no">I am not going</button>' in html
    [(kind, join)] = published(site)
    assert kind == "Join" and join["actor"] == f"{BASE}/users/nate"
    assert join["object"] == uri and join["to"] == [f"{BASE}/users/mia"] and "proof" in join

    response = click(site, uri, "no")
    assert response.headers["location"] == f"{path_of(uri)}?done=not-going#rsvp"
    assert attending(site, uri) == []
    html = page(site, uri)
    assert "You are not going." in html and "0 going" in html
    assert [kind for kind, _ in published(site)] == ["Join", "Leave"]
    assert published(site)[1][1]["object"] == uri


def test_saying_it_twice_changes_nothing(site: Site) -> None:
    uri = an_event(site)
    site.sign_in("nate")
    click(site, uri, "yes")
    assert click(site, uri, "yes").status_code == 303
    click(site, uri, "no")
    click(site, uri, "no")
    assert [kind for kind, _ in published(site)] == ["Join", "Leave"]


def test_a_full_or_cancelled_event_refuses_a_new_rsvp(site: Site) -> None:
    uri = an_event(site, capacity=1)
    site.run(lambda node, conn: rsvp(node, conn, "mia", uri, True))
    site.sign_in("nate")
    html = page(site, uri)
    assert "1 going · 1 place · full" in html and 'value="yes"' not in html
    response = click(site, uri, "yes")
    assert response.status_code == 400 and "This event is full." in response.text
    assert attending(site, uri) == [f"{BASE}/users/mia"]

    site.run(lambda node, conn: cancel_event(node, conn, actor="mia", uri=uri))
    with pytest.raises(RsvpError, match="cancelled"):
        site.run(lambda node, conn: rsvp(node, conn, "nate", uri, True))
    site.run(lambda node, conn: rsvp(node, conn, "mia", uri, False))  # leaving stays possible
    assert attending(site, uri) == []


def test_visitors_are_offered_rsvp_from_their_account(site: Site) -> None:
    uri = an_event(site)
    html = page(site, uri)
    assert f'<a href="{path_of(uri)}/interact">RSVP from your fediverse account</a>' in html
    assert "rsvp-answer" not in html and f'<a href="/login?next={path_of(uri)}">Sign in</a>' in html


def test_the_rsvp_form_needs_a_session_and_its_token(site: Site) -> None:
    uri = an_event(site)
    response = site.client.post(f"{path_of(uri)}/rsvp", data={"going": "yes"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    site.sign_in("nate")
    forged = site.client.post(f"{path_of(uri)}/rsvp", data={"going": "yes", "csrf_token": "x"})
    assert forged.status_code == 403
    odd = site.client.post(f"{path_of(uri)}/rsvp", data={
        "going": "maybe", "csrf_token": form_token(site.client, path_of(uri))})
    assert odd.status_code == 400
    assert attending(site, uri) == []
    missing = site.client.post("/objects/nothing/rsvp", data={
        "going": "yes", "csrf_token": form_token(site.client, path_of(uri))})
    assert missing.status_code == 404
