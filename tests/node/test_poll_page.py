"""A poll's own page and the hub dashboard's polls (issue 7, item 1.3).

The page a browser gets at a Question's id shows every option with a bar and its
share, the voters, the closing time in the hub's timezone, a vote form for a signed-in
organizer (CSRF, the poll service's refusals) or how to vote from a fediverse account,
and the final results once closed; a closed poll stays on the dashboard as a result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from node.activitypub.models import StoredObject
from node.app import create_app
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.hubs.hub.settings import HubSettings, apply_settings
from node.hubs.polls.rules import make_spec
from node.hubs.polls.service import close_poll, create_poll, record_votes
from node.runtime import Node
from node.settings import Settings
from tests.conftest import NOW
from tests.node.hub_pages_support import BASE, HTML, HUB, Site, section
from tests.node.web_support import MovableClock

REMOTE = "https://mastodon.example/users"
_objects = StoredObject.__table__  # type: ignore[attr-defined]


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def site(settings: Settings, clock: MovableClock) -> Iterator[Site]:
    app = create_app(settings, clock=clock, start_workers=False)
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        node: Node = app.state.node
        with node.engine.begin() as conn:
            create_hub(conn, base_url=BASE, name=HUB, title="West Coast Port Shutdown", now=NOW)
            apply_settings(node, conn, load_hub(conn, HUB), HubSettings(timezone="Europe/Madrid"))
        site = Site(client, node)
        site.person("mia")
        yield site


def a_poll(site: Site, *options: str, multiple: bool = False,
           votes: tuple[tuple[str, str], ...] = ()) -> str:
    """mia's poll into the hub, closing a day after NOW, with remote ``votes``."""
    spec = make_spec("Shut the port down on **December 12**?", list(options or ("yes", "no")),
                     multiple=multiple, end=NOW + timedelta(days=1), now=NOW)
    uri = str(site.run(lambda node, conn: create_poll(node, conn, "mia", [HUB], spec)
                       ).object["id"])
    for n, (voter, option) in enumerate(votes):
        site.run(lambda node, conn, v=voter, o=option, n=n: record_votes(
            node.services.outbox, conn, uri, f"{REMOTE}/{v}", [o], f"{REMOTE}/{v}#votes/{n}",
            node.clock()))
    return uri


def token_on(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "a signed-in organizer's page carries the CSRF token"
    return str(found.group(1))


def page(site: Site, uri: str) -> str:
    response = site.client.get(uri.removeprefix(BASE), headers=HTML)
    assert response.status_code == 200
    return str(response.text)


def rows_of(html: str) -> list[tuple[str, str, str]]:
    """(option, votes, share) of each row of the tally table."""
    flat = re.sub(r"\s+", " ", html)
    return re.findall(r'<th scope="row">([^<]*)(?: <span class="outcome">most votes</span>)?'
                      r'</th><td>(\d+)</td><td class="share">'
                      r'<meter min="0" max="100" value="(\d+)"', flat)


def test_the_poll_page_shows_options_bars_shares_voters_and_closing_time(site: Site) -> None:
    # Given a poll of a hub in Europe/Madrid with two votes for yes and one for no, when
    # a browser that is not signed in opens it, then each option has a bar and a share,
    # the closing time is Madrid's, and it says how to vote from a fediverse account.
    uri = a_poll(site, "yes", "no", "abstain",
                 votes=(("ana", "yes"), ("bo", "yes"), ("cy", "no")))
    html = page(site, uri)
    assert "<strong>December 12</strong>" in html
    assert rows_of(html) == [("yes", "2", "67"), ("no", "1", "33"), ("abstain", "0", "0")]
    assert '<span class="percent">67%</span>' in html
    assert "3 voters" in html and "one choice" in html
    # NOW + 1 day is 2026-11-22 12:00 UTC, 13:00 in Madrid (CET, UTC+1)
    assert ('closes <time datetime="2026-11-22T12:00:00+00:00">'
            'Sun, Nov 22, 2026, 1:00\u202fPM CET</time>' in html)
    path = uri.removeprefix(BASE)  # the one remote-interaction flow (test_remote_interaction)
    assert f'<a href="{path}/interact">Vote from your fediverse account</a>' in html
    assert "/login?next=" in html and "<form class=\"stack vote\"" not in html
    assert not re.search(r"\sstyle\s*=|<style", html)  # bars without inline styles (CSP)


def test_one_voter_is_one_voter(site: Site) -> None:
    html = page(site, a_poll(site, votes=(("ana", "no"),)))
    assert "1 voter ·" in html and "1 voters" not in html
    assert rows_of(html) == [("yes", "0", "0"), ("no", "1", "100")]


def test_shares_of_a_several_choice_poll_are_of_the_voters(site: Site) -> None:
    uri = a_poll(site, "Monday", "Tuesday", multiple=True,
                 votes=(("ana", "Monday"), ("ana", "Tuesday"), ("bo", "Monday")))
    html = page(site, uri)
    assert rows_of(html) == [("Monday", "2", "100"), ("Tuesday", "1", "50")]
    assert "2 voters" in html and "several choices" in html


def vote(site: Site, uri: str, **data: Any) -> Any:
    return site.client.post(f"{uri.removeprefix(BASE)}/vote",
                            data={"csrf_token": token_on(page(site, uri)), **data})


def test_a_signed_in_organizer_votes_on_the_page(site: Site) -> None:
    # Given a signed-in organizer of this node (not even a member of the hub), when she
    # votes through the page's form, then the vote is counted by the poll service and
    # the page shows her choice and the new tally, without a form for a second choice.
    uri = a_poll(site, votes=(("ana", "no"),))
    site.person("lu", role=None)
    site.sign_in("lu")
    form = page(site, uri)
    assert f'action="{uri.removeprefix(BASE)}/vote"' in form and 'type="radio"' in form
    assert "Vote from your fediverse account" not in form
    response = vote(site, uri, option="yes")
    assert response.status_code == 303
    assert response.headers["location"] == f"{uri.removeprefix(BASE)}?done=voted#poll"
    html = site.client.get(response.headers["location"], headers=HTML).text
    assert "Your vote was counted." in html and "You voted for “yes”." in html
    assert rows_of(html) == [("yes", "1", "50"), ("no", "1", "50")] and "2 voters" in html
    assert '<form class="stack vote"' not in html
    (question,) = site.rows(_objects, _objects.c.uri == uri)
    assert question.document["votersCount"] == 2


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Choose at least one option."),
    ({"option": "perhaps"}, "The poll has no option &#39;perhaps&#39;."),
    ({"option": ["yes", "no"]}, "The poll takes one choice and &#39;yes&#39; was chosen"),
])
def test_refused_votes_show_the_poll_services_message(site: Site, data: dict[str, Any],
                                                      message: str) -> None:
    uri = a_poll(site)
    site.sign_in("mia")
    response = vote(site, uri, **data)
    assert response.status_code == 400 and message in response.text
    assert '<p class="error" role="alert">' in response.text and rows_of(response.text)
    (question,) = site.rows(_objects, _objects.c.uri == uri)
    assert question.document["votersCount"] == 0  # nothing stored


def test_the_vote_form_needs_a_session_and_its_token(site: Site) -> None:
    uri = a_poll(site)
    path = uri.removeprefix(BASE)
    anonymous = site.client.post(f"{path}/vote", data={"option": "yes"})
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    site.sign_in("mia")
    forged = site.client.post(f"{path}/vote", data={"option": "yes", "csrf_token": "x"})
    assert forged.status_code == 403
    assert site.client.post("/objects/nope/vote", data={
        "option": "yes", "csrf_token": token_on(page(site, uri))}).status_code == 404
    (question,) = site.rows(_objects, _objects.c.uri == uri)
    assert question.document["votersCount"] == 0


def test_a_closed_poll_shows_its_results_and_takes_no_vote(site: Site,
                                                           clock: MovableClock) -> None:
    # Given a poll that ran its day, when anyone opens it, then it shows the final
    # results with the winner, the closing time in the hub's zone, and no vote form.
    uri = a_poll(site, "yes", "no", votes=(("ana", "yes"), ("bo", "yes"), ("cy", "no")))
    site.sign_in("mia")
    clock.advance(days=2)
    html = page(site, uri)
    assert "Final results" in html and "Votes so far" not in html
    assert ('closed <time datetime="2026-11-22T12:00:00+00:00">'
            'Sun, Nov 22, 2026, 1:00\u202fPM CET</time>' in html)
    assert re.search(r'<tr class="leading"><th scope="row">yes <span class="outcome">most votes'
                     r'</span></th>', html)
    assert "most votes" in html and html.count("most votes") == 1
    assert '<form class="stack vote"' not in html and "fediverse account" not in html
    refused = site.client.post(f"{uri.removeprefix(BASE)}/vote",
                               data={"csrf_token": token_on(html), "option": "no"})
    assert refused.status_code == 400 and "The poll ended at 2026-11-22T12:00:00Z." in refused.text


def test_a_poll_closed_by_hand_stays_on_the_dashboard_as_a_result(site: Site) -> None:
    open_uri = a_poll(site, "agree", "disagree")
    closed_uri = a_poll(site, "yes", "no", votes=(("ana", "no"),))
    site.run(lambda node, conn: close_poll(node, conn, "mia", closed_uri))
    html = site.client.get(f"/hubs/{HUB}", headers=HTML).text
    polls, results = section(html, "polls"), section(html, "results")
    assert open_uri in polls and closed_uri not in polls
    assert closed_uri in results and open_uri not in results
    assert "most votes: <strong>no</strong> (100%)" in results  # the outcome in one line
    assert "1 voter ·" in results and "closed <time" in results
    assert "Nov 22, 1:00\u202fPM CET" not in results  # closed by hand, before its end
    assert "Sat, Nov 21, 2026, 1:00\u202fPM CET" in results  # closed at NOW, Madrid time
    assert ('closes <time datetime="2026-11-22T12:00:00+00:00">'
            'Sun, Nov 22, 2026, 1:00\u202fPM CET' in polls)


def test_a_tied_poll_says_it_is_a_tie(site: Site, clock: MovableClock) -> None:
    # Given a closed poll whose two options got one vote each, when anyone opens the
    # hub's dashboard or the poll, then it says "tie", not "most votes" over two options.
    uri = a_poll(site, "Saturday", "Sunday", votes=(("ana", "Saturday"), ("bo", "Sunday")))
    clock.advance(days=2)
    results = section(site.client.get(f"/hubs/{HUB}", headers=HTML).text, "results")
    assert "tie: <strong>Saturday</strong> (50%), <strong>Sunday</strong> (50%)" in results
    assert "most votes" not in results
    html = page(site, uri)
    assert html.count('<span class="outcome">tie</span>') == 2 and "most votes" not in html
