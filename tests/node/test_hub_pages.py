"""A hub's public page shows its mission and the posts it shared."""

from __future__ import annotations

from datetime import timedelta

from starlette.testclient import TestClient

from node.activitypub.interactions import record_interaction
from node.activitypub.local_actors import create_local_actor
from node.app import create_app
from node.clock import Clock
from node.hubs.hub.members import set_member
from node.hubs.hub.publish import load_hub
from node.hubs.hub.service import create_hub
from node.hubs.updates.service import post_update
from node.settings import Settings
from tests.node.hub_pages_support import section
from tests.node.hub_rows import add_item


def test_hub_page_lists_member_posts_and_renders_the_mission(settings: Settings,
                                                            clock: Clock) -> None:
    app = create_app(settings, clock=clock, start_workers=False)
    with TestClient(app, base_url=settings.url) as client:
        node = app.state.node
        with node.engine.begin() as conn:
            create_local_actor(conn, base_url=settings.url, kind="person", username="nate",
                               now=clock())
            create_hub(conn, base_url=settings.url, name="portshutdown", title="Port Shutdown",
                       summary="Shut the ports *December 12* <script>x()</script>", now=clock())
            set_member(conn, load_hub(conn, "portshutdown"), f"{settings.url}/users/nate",
                       "member", clock())
            post_update(node, conn, "nate", "Picket at berth 5", ["portshutdown"])
            post_update(node, conn, "nate", "Not in the hub")
        page = client.get("/hubs/portshutdown", headers={"Accept": "text/html"}).text
    assert "Picket at berth 5" in page
    assert "Not in the hub" not in page
    assert "<em>December 12</em>" in page
    assert "<script>x()" not in page


def test_dashboard_shows_each_section(settings: Settings, clock: Clock) -> None:
    # Given a hub with a pinned update, a past and a future event, an open and a closed
    # poll, minutes and a remote member, when a browser opens the hub, then each
    # section shows what it should and nothing else.
    app = create_app(settings, clock=clock, start_workers=False)
    now = clock()
    base = settings.url
    with TestClient(app, base_url=base) as client:
        node = app.state.node
        with node.engine.begin() as conn:
            create_hub(conn, base_url=base, name="sandy", title="Sandy Relief", now=now)
            target = load_hub(conn, "sandy")
            hub_id, hub_uri = target.hub.id, target.actor.uri
            set_member(conn, target, "https://mastodon.example/users/ana", "moderator", now)
            assert hub_id is not None
            rows = [
                ("pin", "update", {"content": "<p>Read this first</p>"}, None, True),
                ("past", "event", {"type": "Event", "name": "Old march"},
                 now - timedelta(days=2), False),
                ("next", "call", {"type": "Event", "name": "National call",
                                  "summary": "Mon 7 PM EST", "callUrl": "https://call.example/x",
                                  "dialIn": "+1 555 0100", "accessCode": "1234#"},
                 now + timedelta(days=1), False),
                ("open", "poll", {"type": "Question", "content": "<p>Shut it down?</p>",
                                  "endTime": "2026-11-30T00:00:00Z", "votersCount": 3,
                                  "oneOf": [{"type": "Note", "name": "agree", "replies": {
                                      "type": "Collection", "totalItems": 2}},
                                      {"type": "Note", "name": "disagree", "replies": {
                                          "type": "Collection", "totalItems": 1}}]}, None, False),
                ("closed", "poll", {"type": "Question", "content": "<p>Old poll</p>",
                                    "closed": "2026-11-01T00:00:00Z", "oneOf": []}, None, False),
                ("minutes", "minutes", {"type": "Article", "name": "GA minutes 20 Nov",
                                        "content": "<p>Consensus reached</p>"}, None, False),
            ]
            for slug, kind, doc, starts, pinned in rows:
                add_item(conn, hub_id=hub_id, hub_uri=hub_uri, uri=f"{base}/objects/{slug}",
                         kind=kind, document=doc, now=now, starts_at=starts, pinned=pinned)
            for n in range(3):  # twinkle fingers on the minutes
                like = {"id": f"https://mastodon.example/likes/{n}",
                        "actor": f"https://mastodon.example/users/u{n}"}
                record_interaction(conn, "Like", like, f"{base}/objects/minutes", now)
        page = client.get("/hubs/sandy", headers={"Accept": "text/html"}).text
    pinned, upcoming = section(page, "pinned"), section(page, "next")
    polls, results = section(page, "polls"), section(page, "results")
    assert "Read this first" in pinned and "Read this first" not in section(page, "updates")
    assert "National call" in upcoming and "Old march" not in upcoming
    assert 'href="https://call.example/x"' in upcoming and "+1 555 0100 1234#" in upcoming
    assert "Shut it down?" in polls and "Old poll" not in polls
    assert "Old poll" in results and "Shut it down?" not in results  # closed: stays, as results
    assert '<th scope="row">agree</th><td>2</td>' in polls.replace("> <", "><")
    assert "3 voters" in polls
    minutes, members = section(page, "minutes"), section(page, "members")
    assert "GA minutes 20 Nov" in minutes and "3 twinkles" in minutes
    assert "@ana@mastodon.example" in members and "moderator" in members


def test_remote_polls_with_an_unusual_end_render_as_open(settings: Settings,
                                                         clock: Clock) -> None:
    # Regression: a remote Question whose endTime has no offset made the hub page answer
    # 500 (naive compared with aware); an unreadable endTime made the dashboard call the
    # poll closed while its own page called it open. One rule (hub.times.closed_at):
    # no offset is UTC, an unreadable end is no known end, so the poll is open.
    app = create_app(settings, clock=clock, start_workers=False)
    now, base = clock(), settings.url
    naive_end = (now + timedelta(days=2)).replace(tzinfo=None).isoformat(timespec="seconds")
    naive_past = (now - timedelta(days=2)).replace(tzinfo=None).isoformat(timespec="seconds")
    with TestClient(app, base_url=base) as client:
        with app.state.node.engine.begin() as conn:
            create_hub(conn, base_url=base, name="sandy", title="Sandy Relief", now=now)
            target = load_hub(conn, "sandy")
            assert target.hub.id is not None
            for slug, end in (("naive", naive_end), ("garbled", "next tuesday"),
                              ("over", naive_past)):
                add_item(conn, hub_id=target.hub.id, hub_uri=target.actor.uri,
                         uri=f"https://remote.example/questions/{slug}", kind="poll",
                         document={"type": "Question", "content": f"<p>Poll {slug}</p>",
                                   "endTime": end, "oneOf": [
                                       {"type": "Note", "name": "yes"},
                                       {"type": "Note", "name": "no"}]},
                         now=now)
        response = client.get("/hubs/sandy", headers={"Accept": "text/html"})
    assert response.status_code == 200
    open_polls, results = section(response.text, "polls"), section(response.text, "results")
    assert "Poll naive" in open_polls and "Poll garbled" in open_polls
    assert "Poll over" in results and "Poll over" not in open_polls
